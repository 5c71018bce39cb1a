// Hand-made Kubernetes objects that meet every posture rule; each policy test breaks exactly one
// thing in a fresh copy. A set that passes the whole pack clean is what makes a violation mean
// something.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Any = any;

export const LABELS = { app: "web" };
const probe = { httpGet: { path: "/health", port: 8000 } };

export function deployment(): Any {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "ns" },
    spec: {
      replicas: 2,
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: LABELS } }],
          containers: [{
            name: "app",
            image: "ghcr.io/acme/web:1.2.3",
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
            livenessProbe: probe,
            readinessProbe: probe,
            startupProbe: probe,
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
          }],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
    },
  };
}

export const service = (): Any => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web", namespace: "ns" },
  spec: { type: "ClusterIP", selector: LABELS, ports: [{ port: 80, targetPort: 8000 }] },
});

export const gateway = (): Any => ({
  apiVersion: "networking.istio.io/v1beta1",
  kind: "Gateway",
  metadata: { name: "web", namespace: "ns" },
  spec: {
    selector: { istio: "ingressgateway" },
    servers: [
      { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["web.example.com"], tls: { mode: "SIMPLE", credentialName: "web-tls" } },
      { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["web.example.com"], tls: { httpsRedirect: true } },
    ],
  },
});

export const peerAuthentication = (): Any => ({
  apiVersion: "security.istio.io/v1beta1",
  kind: "PeerAuthentication",
  metadata: { name: "web", namespace: "ns" },
  spec: { selector: { matchLabels: LABELS }, mtls: { mode: "STRICT" } },
});

export const pdb = (): Any => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: { name: "web", namespace: "ns" },
  spec: { minAvailable: 1, selector: { matchLabels: LABELS } },
});

export const hpa = (): Any => ({
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "web", namespace: "ns" },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 2, maxReplicas: 4 },
});

export const denyAll = (): Any => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "web-default-deny", namespace: "ns" },
  spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
});

export const allowGateway = (): Any => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "web-allow", namespace: "ns" },
  spec: { podSelector: { matchLabels: LABELS }, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: 8000 }] }] },
});

/** A whole compliant stack: app objects, fenced, budgeted, HTTPS-only. */
/** A canary Rollout over the Deployment whose pauses wait for the gate. */
export const rollout = (): Any => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web", namespace: "web" },
  spec: {
    replicas: 2,
    selector: { matchLabels: LABELS },
    workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
  },
});

export const compliantStack = (): Any[] => [deployment(), service(), gateway(), peerAuthentication(), pdb(), denyAll(), allowGateway(), rollout()];

/** The Deployment container, for edits. */
export const containerOf = (d: Any): Any => d.spec.template.spec.containers[0];
export const podOf = (d: Any): Any => d.spec.template.spec;
