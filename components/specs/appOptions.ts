// Defaults and validation for AppDeployment, pure so tests call them without Pulumi. The stack
// schema (config/) rejects bad user input first; these checks guard the component's own contract
// for any other caller.
import type * as pulumi from "@pulumi/pulumi";

/** A source allowed to scrape the app (NetworkPolicy peer). */
export interface MetricsPeer {
  /** Namespace of the scraper. Default: the app's namespace. */
  namespace?: string;
  /** Labels of the scraper pods. Default: every pod in that namespace. */
  podLabels?: Record<string, string>;
}

export interface AppDeploymentArgs {
  /** Name of the Deployment, Service, ServiceAccount and selector labels. Default: "agent-cellphone-v2". */
  name?: string;
  /** Namespace everything lives in. Required. */
  namespace: string;
  /** Create the Namespace. Default: true. */
  createNamespace?: boolean;
  /** Label the Namespace for Istio sidecar injection. Default: true. */
  istioInjection?: boolean;
  /** Image to run; the digest wins over the tag. */
  image: { repository: string; tag?: string; digest?: string };
  /** Fixed replica count when no HPA manages the Deployment. Default: 2. */
  replicas?: number;
  /** Set when an HPA manages the Deployment: spec.replicas is then omitted. Default: none. */
  autoscaling?: { minReplicas: number; maxReplicas: number };
  /** An Argo Rollout runs the pods from this template (canary/blueGreen): spec.replicas is omitted. Default: false. */
  rolloutOwnsPods?: boolean;
  /** Container port serving /health and /metrics. Default: 8000. */
  port?: number;
  /** Default: requests 250m/256Mi, limits 500m/512Mi. */
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
  /** Plain environment (ConfigMap). Default: {}. */
  env?: Record<string, string>;
  /** Secret environment (Secret via stringData); pass secret Outputs. Default: {}. */
  secretEnv?: Record<string, pulumi.Input<string>>;
  /** Default: 300. */
  progressDeadlineSeconds?: number;
  /**
   * Let the Kubernetes provider wait for the Deployment to become ready and for the Service's
   * endpoints. false when the verification gate judges the rollout itself (pulumi.com/skipAwait on
   * both), so a release that never becomes ready still reaches the gate and its rollback. Default: true.
   */
  awaitRollout?: boolean;
  /**
   * Take back, on the next apply, fields another client changed (pulumi.com/patchForce): the
   * gate's rollback rewrites the pod template, and without force the apply that follows
   * (`pulumi up --refresh`, a reverted or new image) fails on a field-manager conflict. Default: false.
   */
  forceApply?: boolean;
  /** Old ReplicaSets kept for rollback; at least 3. Default: 5. */
  revisionHistoryLimit?: number;
  /** Node labels the pods require and taints they tolerate. Default: none (any untainted node). */
  scheduling?: { nodeSelector?: Record<string, string>; tolerations?: Toleration[] };
  /** PDB minAvailable override; must stay below the minimum replica count. Default: derived. */
  pdbMinAvailable?: number;
  /** Value of app.kubernetes.io/instance (the stack). Default: "default". */
  instance?: string;
  network?: {
    /** Namespace of the ingress gateway pods and istiod. Default: "istio-system". */
    gatewayNamespace?: string;
    /** Labels of the ingress gateway pods. Default: { istio: "ingressgateway" }. */
    gatewaySelector?: Record<string, string>;
    /** Who may scrape /metrics. Default: [] (nobody). */
    metricsPeers?: MetricsPeer[];
    /** Database egress. Default: port 5432 to 0.0.0.0/0. */
    database?: { port?: number; cidr?: string };
  };
}

/** A pod toleration (core/v1 Toleration without tolerationSeconds). */
export interface Toleration {
  key?: string;
  operator?: "Equal" | "Exists";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** AppDeploymentArgs with every default applied and every rule checked. */
export interface AppOptions {
  name: string;
  namespace: string;
  createNamespace: boolean;
  istioInjection: boolean;
  image: { repository: string; tag?: string; digest?: string };
  /** `repo@digest`, else `repo:tag`, else `repo:latest`. */
  imageRef: string;
  replicas: number;
  autoscaling?: { minReplicas: number; maxReplicas: number };
  rolloutOwnsPods?: boolean;
  port: number;
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  env: Record<string, string>;
  secretEnv: Record<string, pulumi.Input<string>>;
  progressDeadlineSeconds: number;
  awaitRollout: boolean;
  forceApply: boolean;
  revisionHistoryLimit: number;
  scheduling: { nodeSelector: Record<string, string>; tolerations: Toleration[] };
  pdbMinAvailable?: number;
  instance: string;
  network: {
    gatewayNamespace: string;
    gatewaySelector: Record<string, string>;
    metricsPeers: MetricsPeer[];
    database: { port: number; cidr: string };
  };
  /** Selector labels: stable for the Deployment's life, shared with Service, PDB, NetworkPolicy. */
  selectorLabels: Record<string, string>;
  /** Labels on every object (selector labels plus descriptive ones). */
  labels: Record<string, string>;
}

export const APP_DEFAULTS = {
  name: "agent-cellphone-v2",
  replicas: 2,
  port: 8000,
  requests: { cpu: "250m", memory: "256Mi" },
  limits: { cpu: "500m", memory: "512Mi" },
  progressDeadlineSeconds: 300,
  revisionHistoryLimit: 5,
  gatewayNamespace: "istio-system",
  gatewaySelector: { istio: "ingressgateway" },
  database: { port: 5432, cidr: "0.0.0.0/0" },
} as const;

/** The image reference the kubelet pulls: digest pinning wins, a missing tag is spelled `latest`. */
export function imageReference(image: { repository: string; tag?: string; digest?: string }): string {
  if (image.digest) return `${image.repository}@${image.digest}`;
  return `${image.repository}:${image.tag ?? "latest"}`;
}

/** The replica floor: HPA minimum when autoscaled, else the fixed count. */
export function minimumReplicas(o: Pick<AppOptions, "replicas" | "autoscaling">): number {
  return o.autoscaling ? o.autoscaling.minReplicas : o.replicas;
}

/** The replica ceiling: HPA maximum when autoscaled, else the fixed count. */
export function maximumReplicas(o: Pick<AppOptions, "replicas" | "autoscaling">): number {
  return o.autoscaling ? o.autoscaling.maxReplicas : o.replicas;
}

/** A tag usable as a label value, or undefined (digests and long tags are not). */
function versionLabel(image: AppOptions["image"]): string | undefined {
  if (image.digest) return image.digest.slice("sha256:".length, "sha256:".length + 12);
  const tag = image.tag ?? "latest";
  return /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(tag) ? tag : undefined;
}

/** Applies defaults once and checks the component's own rules; throws naming the field. */
export function resolveAppOptions(args: AppDeploymentArgs): AppOptions {
  const name = args.name ?? APP_DEFAULTS.name;
  const replicas = args.replicas ?? APP_DEFAULTS.replicas;
  const revisionHistoryLimit = args.revisionHistoryLimit ?? APP_DEFAULTS.revisionHistoryLimit;
  const problems: string[] = [];
  if (!args.image?.repository) problems.push("image.repository: is required");
  if (!Number.isInteger(replicas) || replicas < 1) problems.push(`replicas: must be an integer >= 1 (got ${replicas})`);
  if (revisionHistoryLimit < 3) problems.push(`revisionHistoryLimit: must be >= 3 (got ${revisionHistoryLimit})`);
  const a = args.autoscaling;
  if (a && a.minReplicas > a.maxReplicas) problems.push(`autoscaling.minReplicas: must be <= maxReplicas (${a.minReplicas} > ${a.maxReplicas})`);
  if (a && a.minReplicas < 1) problems.push(`autoscaling.minReplicas: must be >= 1 (got ${a.minReplicas})`);
  const floor = a ? a.minReplicas : replicas;
  if (args.pdbMinAvailable !== undefined && args.pdbMinAvailable >= floor) {
    problems.push(`pdbMinAvailable: must be < the minimum replica count (${args.pdbMinAvailable} >= ${floor}): it would block every voluntary eviction`);
  }
  if (problems.length > 0) throw new Error(`AppDeployment "${name}": ${problems.join("; ")}`);

  const instance = args.instance ?? "default";
  const selectorLabels = { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance };
  const version = versionLabel(args.image);
  const labels: Record<string, string> = {
    ...selectorLabels,
    "app.kubernetes.io/component": "api",
    "app.kubernetes.io/part-of": name,
    "app.kubernetes.io/managed-by": "pulumi",
    ...(version ? { "app.kubernetes.io/version": version } : {}),
  };
  const net = args.network ?? {};
  return {
    name,
    namespace: args.namespace,
    createNamespace: args.createNamespace ?? true,
    istioInjection: args.istioInjection ?? true,
    image: args.image,
    imageRef: imageReference(args.image),
    replicas,
    autoscaling: a ? { ...a } : undefined,
    ...(args.rolloutOwnsPods ? { rolloutOwnsPods: true } : {}),
    port: args.port ?? APP_DEFAULTS.port,
    resources: {
      requests: { ...APP_DEFAULTS.requests, ...args.resources?.requests },
      limits: { ...APP_DEFAULTS.limits, ...args.resources?.limits },
    },
    env: { ...args.env },
    secretEnv: { ...args.secretEnv },
    progressDeadlineSeconds: args.progressDeadlineSeconds ?? APP_DEFAULTS.progressDeadlineSeconds,
    awaitRollout: args.awaitRollout ?? true,
    forceApply: args.forceApply ?? false,
    revisionHistoryLimit,
    scheduling: { nodeSelector: { ...args.scheduling?.nodeSelector }, tolerations: (args.scheduling?.tolerations ?? []).map((t) => ({ ...t })) },
    pdbMinAvailable: args.pdbMinAvailable,
    instance,
    network: {
      gatewayNamespace: net.gatewayNamespace ?? APP_DEFAULTS.gatewayNamespace,
      gatewaySelector: net.gatewaySelector ?? { ...APP_DEFAULTS.gatewaySelector },
      metricsPeers: net.metricsPeers ?? [],
      database: { ...APP_DEFAULTS.database, ...net.database },
    },
    selectorLabels,
    labels,
  };
}
