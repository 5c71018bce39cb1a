// The restricted pod posture from DESIGN.md ("Manifest posture"), shared by every pod Monitoring
// runs, and the loose object shape the monitoring builders return (tests validate it against the
// real Kubernetes schemas with kubernetes-models).
import { createHash } from "crypto";

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

const RUNTIME_DEFAULT = { type: "RuntimeDefault" };

export function podSecurityContext(uid: number): Record<string, unknown> {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: RUNTIME_DEFAULT };
}

export function containerSecurityContext(uid: number): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: RUNTIME_DEFAULT,
  };
}

export interface ProbePaths {
  /** Path and port the kubelet restarts the container on. */
  live: { path: string; port: number };
  /** Path and port that gate traffic and mark startup complete. Default: `live`. */
  ready?: { path: string; port: number };
}

/** Liveness, readiness and a startup probe that gives slow starts (TSDB replay) five minutes. */
export function probes(p: ProbePaths): Record<string, unknown> {
  const ready = p.ready ?? p.live;
  const get = (x: { path: string; port: number }) => ({ httpGet: { path: x.path, port: x.port } });
  return {
    startupProbe: { ...get(ready), periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 3 },
    livenessProbe: { ...get(p.live), periodSeconds: 15, failureThreshold: 4, timeoutSeconds: 3 },
    readinessProbe: { ...get(ready), periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3 },
  };
}

/** An emptyDir for a writable path (the root filesystem is read-only); always size-capped. */
export function scratchVolume(name: string, sizeLimit: string): Record<string, unknown> {
  return { name, emptyDir: { sizeLimit } };
}

/**
 * Pod template annotation that changes with the mounted config, so a new config rolls the pod
 * (ConfigMap edits alone do not restart anything).
 */
export function checksum(...parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}

/** The policy pack's waiver annotation (policy/posture.ts). */
export const POSTURE_WAIVER = "posture.acv2.io/waive";

export interface PodArgs {
  uid: number;
  container: Record<string, unknown>;
  volumes: Array<Record<string, unknown>>;
  annotations?: Record<string, string>;
  /** Only the pods that read the Kubernetes API (kube-state-metrics, Prometheus) mount a token; every other pod gets none. */
  serviceAccountName?: string;
}

/** A one-replica Deployment with the restricted posture around `container`. */
export function restrictedDeployment(name: string, labels: Record<string, string>, selector: Record<string, string>, a: PodArgs): K8sObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels, ...(a.annotations ? { annotations: a.annotations } : {}) },
        spec: {
          automountServiceAccountToken: a.serviceAccountName !== undefined,
          ...(a.serviceAccountName ? { serviceAccountName: a.serviceAccountName } : {}),
          enableServiceLinks: false,
          securityContext: podSecurityContext(a.uid),
          containers: [{ ...a.container, securityContext: containerSecurityContext(a.uid) }],
          volumes: a.volumes,
        },
      },
    },
  };
}

export function clusterIpService(name: string, labels: Record<string, string>, selector: Record<string, string>, port: { name: string; port: number }): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, labels },
    spec: { type: "ClusterIP", selector, ports: [{ name: port.name, port: port.port, targetPort: port.port, protocol: "TCP" }] },
  };
}

/**
 * A ServiceAccount that mounts no token by default, a Role with `rules` in its namespace, and the
 * binding, under `<key>-account`, `<key>-role`, `<key>-binding`: for the pods that read the API
 * (kube-state-metrics, Prometheus), which opt in to the token on their own pod spec.
 */
export function apiReaderAccount(key: string, name: string, labels: Record<string, string>, namespace: string, rules: Array<Record<string, unknown>>): Record<string, K8sObject> {
  return {
    [`${key}-account`]: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, labels }, automountServiceAccountToken: false },
    [`${key}-role`]: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name, labels }, rules },
    [`${key}-binding`]: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  };
}
