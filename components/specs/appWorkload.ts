// The Deployment's spec, built as plain data so tests read it without Pulumi. Every posture rule
// of DESIGN.md that concerns a pod lives here, in one place.
import * as crypto from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { maximumReplicas, type AppOptions } from "./appOptions";

type DeploymentSpec = k8s.types.input.apps.v1.DeploymentSpec;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/** Non-root identity the container runs as; any non-zero id works with a read-only root fs. */
export const RUN_AS_ID = 10001;
export const HEALTH_PATH = "/health";
export const METRICS_PATH = "/metrics";
export const CONFIG_CHECKSUM_ANNOTATION = "checksum/config";

/** Names of the ConfigMap/Secret the pod reads its environment from. */
export function envSourceNames(o: Pick<AppOptions, "name">): { configMap: string; secret: string } {
  return { configMap: `${o.name}-env`, secret: `${o.name}-secret-env` };
}

function probes(): Pick<Container, "startupProbe" | "livenessProbe" | "readinessProbe"> {
  const httpGet = { path: HEALTH_PATH, port: "http" };
  return {
    // Startup gives a slow boot up to 120 s before liveness may restart the container.
    startupProbe: { httpGet, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
    livenessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readinessProbe: { httpGet, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
  };
}

export function buildContainer(o: AppOptions): Container {
  const names = envSourceNames(o);
  const hasSecretEnv = Object.keys(o.secretEnv).length > 0;
  return {
    name: "app",
    image: o.imageRef,
    // A mutable tag must be re-pulled to mean anything; tags and digests are cached.
    imagePullPolicy: !o.image.digest && (o.image.tag ?? "latest") === "latest" ? "Always" : "IfNotPresent",
    ports: [{ name: "http", containerPort: o.port, protocol: "TCP" }],
    envFrom: [
      { configMapRef: { name: names.configMap } },
      ...(hasSecretEnv ? [{ secretRef: { name: names.secret } }] : []),
    ],
    env: [{ name: "PORT", value: String(o.port) }],
    resources: {
      requests: { cpu: o.resources.requests.cpu, memory: o.resources.requests.memory },
      limits: { cpu: o.resources.limits.cpu, memory: o.resources.limits.memory },
    },
    ...probes(),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_ID,
      runAsGroup: RUN_AS_ID,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    // The root filesystem is read-only; /tmp is the one writable place.
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };
}

export function buildPodSpec(o: AppOptions): PodSpec {
  const spread = maximumReplicas(o) > 1;
  return {
    serviceAccountName: o.name,
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_ID,
      runAsGroup: RUN_AS_ID,
      fsGroup: RUN_AS_ID,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [buildContainer(o)],
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
    terminationGracePeriodSeconds: 30,
    enableServiceLinks: false,
    // Absent unless configured, so stacks without scheduling rules render exactly as before.
    ...(Object.keys(o.scheduling.nodeSelector).length > 0 ? { nodeSelector: { ...o.scheduling.nodeSelector } } : {}),
    ...(o.scheduling.tolerations.length > 0 ? { tolerations: o.scheduling.tolerations.map((t) => ({ ...t })) } : {}),
    // ScheduleAnyway: spreading should never be the reason a rollout (maxSurge 1) cannot place
    // its surge pod on a small cluster; the scheduler still prefers other nodes/zones.
    ...(spread
      ? {
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: o.selectorLabels } },
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: o.selectorLabels } },
          ],
        }
      : {}),
  };
}

/**
 * The Deployment spec. `configChecksum` (a hash of the ConfigMap data and Secret values) sits in
 * a pod annotation so a config-only change still rolls the pods.
 */
export function buildDeploymentSpec(o: AppOptions, configChecksum: pulumi.Input<string>): DeploymentSpec {
  return {
    // When an HPA manages the Deployment, spec.replicas is omitted rather than ignored: with
    // server-side apply Pulumi then never owns the field, so neither `pulumi up` nor a refresh
    // fights the HPA, and no stale number sits in the program. The cost is one replica until the
    // HPA's first sync raises it to minReplicas (seconds), which the PDB already allows for.
    // The same holds when an Argo Rollout owns the pods (workloadRef): the controller scales this
    // Deployment down, and a replica count applied here would start pods of every new template
    // outside the canary's steps.
    ...(o.autoscaling || o.rolloutOwnsPods ? {} : { replicas: o.replicas }),
    selector: { matchLabels: o.selectorLabels },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    revisionHistoryLimit: o.revisionHistoryLimit,
    progressDeadlineSeconds: o.progressDeadlineSeconds,
    minReadySeconds: 5,
    template: {
      metadata: {
        labels: { ...o.labels, app: o.name, ...(o.labels["app.kubernetes.io/version"] ? { version: o.labels["app.kubernetes.io/version"] } : {}) },
        annotations: {
          "prometheus.io/scrape": "true",
          "prometheus.io/port": String(o.port),
          "prometheus.io/path": METRICS_PATH,
          [CONFIG_CHECKSUM_ANNOTATION]: configChecksum,
        },
      },
      spec: buildPodSpec(o),
    },
  };
}

/**
 * Annotations of the Deployment object itself. Without awaiting, `pulumi up` applies the
 * Deployment and moves on: the gate's rollout check waits for readiness with its own timeout, and
 * a release that never becomes ready fails the gate (and is rolled back) instead of failing the
 * provider's await, where the gate would never run.
 */
export function buildDeploymentAnnotations(o: Pick<AppOptions, "awaitRollout" | "forceApply">): Record<string, string> | undefined {
  const a: Record<string, string> = {
    ...(o.awaitRollout ? {} : { "pulumi.com/skipAwait": "true" }),
    ...(o.forceApply ? { "pulumi.com/patchForce": "true" } : {}),
  };
  return Object.keys(a).length > 0 ? a : undefined;
}

/**
 * Annotations of the Service. Its await waits until the endpoints of the selected pods are ready;
 * during a release whose pods never become ready it holds `pulumi up` (the Service changes with
 * every release: its version label) until the provider's own timeout, and the gate never runs.
 * When the gate judges the rollout, its checks judge serving instead.
 */
export function buildServiceAnnotations(o: Pick<AppOptions, "awaitRollout">): Record<string, string> | undefined {
  return o.awaitRollout ? undefined : { "pulumi.com/skipAwait": "true" };
}

/** Key-order independent JSON, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function sha256Hex(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex");
}
