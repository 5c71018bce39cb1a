// The manifest posture of DESIGN.md as pure functions over plain Kubernetes objects. One source
// for the CrossGuard pack, the gate's offline check of rendered manifests, the live security
// check and the unit tests. Rules that need several objects (PDB vs HPA, NetworkPolicy cover,
// replicas under an HPA) are in postureStack.ts.

export type Environment = "dev" | "staging" | "production";

export interface PostureOptions {
  /** `production` adds the image pinning rule. Default: "dev". */
  environment?: Environment;
}

/** A Kubernetes object as YAML/JSON: only the fields the rules read are typed. */
export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown> | unknown;
  [field: string]: unknown;
}

export interface Finding {
  /** Stable rule id, e.g. `container-read-only-root`. */
  rule: string;
  /** `Kind/name` of the object. */
  object: string;
  message: string;
}

/**
 * Rules a workload may waive through the annotation `posture.acv2.io/waive: "<id>[,<id>]"` on
 * its metadata or pod template. Only the token rule: a pod that must read the Kubernetes API
 * (kube-state-metrics) needs its token; every other rule holds without exception.
 */
export const WAIVABLE_RULES = ["automount-token"] as const;
export const WAIVE_ANNOTATION = "posture.acv2.io/waive";

// An Argo Rollout with an inline template is a workload too; one with workloadRef has no template
// (its pods come from the referenced Deployment, which these rules check).
const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod", "Rollout"];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export function objectRef(m: Manifest): string {
  return `${m.kind ?? "?"}/${m.metadata?.name ?? "?"}`;
}

/** Pod template of a workload (or the Pod's own spec). */
export function podTemplateOf(m: Manifest): { metadata?: Any; spec?: Any } | undefined {
  const spec = m.spec as Any;
  if (!spec || !WORKLOAD_KINDS.includes(m.kind ?? "")) return undefined;
  if (m.kind === "Pod") return { metadata: m.metadata, spec };
  if (m.kind === "CronJob") return spec.jobTemplate?.spec?.template;
  return spec.template;
}

function waived(m: Manifest, rule: string): boolean {
  const from = (a?: Record<string, string>) => (a?.[WAIVE_ANNOTATION] ?? "").split(",").map((s) => s.trim());
  const ids = [...from(m.metadata?.annotations), ...from(podTemplateOf(m)?.metadata?.annotations)];
  return (WAIVABLE_RULES as readonly string[]).includes(rule) && ids.includes(rule);
}

/** Every posture finding for one object. */
export function postureFindings(m: Manifest, opts: PostureOptions = {}): Finding[] {
  const env = opts.environment ?? "dev";
  const object = objectRef(m);
  const out: Finding[] = [];
  const add = (rule: string, message: string) => {
    if (!waived(m, rule)) out.push({ rule, object, message });
  };
  const pod = podTemplateOf(m);
  if (pod) podRules(pod.spec ?? {}, env, add);
  if (m.kind === "Deployment" || m.kind === "StatefulSet" || (m.kind === "Rollout" && pod)) replicaRules(m, add);
  if (m.kind === "Rollout" && (m.apiVersion ?? "").startsWith("argoproj.io/")) rolloutRules(m, add);
  if (m.kind === "Service") serviceRules(m, add);
  if (m.kind === "Gateway" && (m.apiVersion ?? "").startsWith("networking.istio.io/")) gatewayRules(m, add);
  if (m.kind === "PeerAuthentication") peerAuthRules(m, add);
  if (m.kind === "PodDisruptionBudget") pdbRules(m, add);
  return out;
}

/** Every posture violation of one object, as `Kind/name: message` lines. */
export function postureViolations(manifest: unknown, opts: PostureOptions = {}): string[] {
  return postureFindings(manifest as Manifest, opts).map((f) => `${f.object}: ${f.message}`);
}

type Add = (rule: string, message: string) => void;

/** The value a container runs with: its own securityContext, else the pod's. */
const effective = (c: Any, pod: Any, key: string) => c.securityContext?.[key] ?? pod.securityContext?.[key];

function podRules(pod: Any, env: Environment, add: Add): void {
  if (pod.hostNetwork === true) add("host-namespaces", "hostNetwork must not be true");
  if (pod.hostPID === true) add("host-namespaces", "hostPID must not be true");
  if (pod.hostIPC === true) add("host-namespaces", "hostIPC must not be true");
  for (const v of pod.volumes ?? []) if (v?.hostPath) add("host-path", `volume ${v.name}: hostPath volumes are not allowed`);
  if (pod.automountServiceAccountToken !== false) add("automount-token", "automountServiceAccountToken must be false");
  const containers: Any[] = pod.containers ?? [];
  if (containers.length === 0) add("containers", "pod has no containers");
  const all = [...containers.map((c) => [c, true] as const), ...(pod.initContainers ?? []).map((c: Any) => [c, false] as const)];
  for (const [c, main] of all) containerRules(c, pod, main, env, add);
}

function containerRules(c: Any, pod: Any, main: boolean, env: Environment, add: Add): void {
  const where = `container ${c.name ?? "?"}`;
  const sc = c.securityContext ?? {};
  if (effective(c, pod, "runAsNonRoot") !== true) add("run-as-non-root", `${where}: runAsNonRoot must be true`);
  const uid = effective(c, pod, "runAsUser");
  if (typeof uid !== "number" || uid === 0) add("non-zero-uid", `${where}: runAsUser must be set to a non-zero UID`);
  const seccomp = c.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
  if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") add("seccomp", `${where}: seccompProfile must be RuntimeDefault`);
  if (sc.privileged === true) add("privileged", `${where}: privileged must not be true`);
  if (sc.allowPrivilegeEscalation !== false) add("privilege-escalation", `${where}: allowPrivilegeEscalation must be false`);
  const drop: string[] = sc.capabilities?.drop ?? [];
  if (!drop.includes("ALL")) add("drop-capabilities", `${where}: capabilities.drop must include ALL`);
  if ((sc.capabilities?.add ?? []).length > 0) add("drop-capabilities", `${where}: capabilities.add must be empty`);
  if (sc.readOnlyRootFilesystem !== true) add("read-only-root", `${where}: readOnlyRootFilesystem must be true`);
  for (const kind of ["requests", "limits"]) {
    for (const r of ["cpu", "memory"]) {
      if (c.resources?.[kind]?.[r] === undefined) add("resources", `${where}: resources.${kind}.${r} must be set`);
    }
  }
  if (main) {
    for (const p of ["livenessProbe", "readinessProbe", "startupProbe"]) if (!c[p]) add("probes", `${where}: ${p} must be set`);
    // With a read-only root, /tmp must be an emptyDir or the app fails at its first temp file.
    const tmp = (c.volumeMounts ?? []).find((v: Any) => v?.mountPath === "/tmp");
    const vol = tmp && (pod.volumes ?? []).find((v: Any) => v?.name === tmp.name);
    if (!vol?.emptyDir) add("tmp-emptydir", `${where}: /tmp must be mounted from an emptyDir volume`);
  }
  if (env === "production" && typeof c.image === "string" && mutableImage(c.image)) {
    add("image-pinned", `${where}: image must not use "latest" or omit the tag in production (pin a version or digest)`);
  }
}

/** True for `repo`, `repo:latest` (without a digest). */
export function mutableImage(image: string): boolean {
  if (image.includes("@sha256:")) return false;
  const last = image.split("/").pop() ?? image;
  const colon = last.lastIndexOf(":");
  return colon < 0 || last.slice(colon + 1) === "latest";
}

function replicaRules(m: Manifest, add: Add): void {
  const spec = m.spec as Any;
  const replicas = spec?.replicas;
  const tsc: Any[] = spec?.template?.spec?.topologySpreadConstraints ?? [];
  if (typeof replicas === "number" && replicas > 1 && !tsc.some((t) => t?.topologyKey === "kubernetes.io/hostname")) {
    add("topology-spread", `${replicas} replicas need a topologySpreadConstraint on kubernetes.io/hostname`);
  }
}

/** Promotion is the verification gate's: a Rollout never promotes on its own (issue 13). */
function rolloutRules(m: Manifest, add: Add): void {
  const strategy = (m.spec as Any)?.strategy ?? {};
  const bg = strategy.blueGreen;
  if (bg && bg.autoPromotionEnabled !== false) add("rollout-gate-promotion", "strategy.blueGreen.autoPromotionEnabled must be false: promotion is the gate's");
  if (bg?.autoPromotionSeconds !== undefined) add("rollout-gate-promotion", "strategy.blueGreen.autoPromotionSeconds must be unset: promotion is the gate's");
  const steps: Any[] | undefined = strategy.canary?.steps;
  if (strategy.canary && !(steps ?? []).some((s: Any) => s?.pause)) add("rollout-gate-promotion", "strategy.canary.steps must include a pause: without one the controller promotes to 100% on its own");
  (steps ?? []).forEach((step: Any, i: number) => {
    if (step?.pause?.duration !== undefined) add("rollout-gate-promotion", `strategy.canary.steps[${i}].pause.duration must be unset: promotion is the gate's`);
  });
}

function serviceRules(m: Manifest, add: Add): void {
  const type = (m.spec as Any)?.type ?? "ClusterIP";
  if (type !== "ClusterIP") add("service-type", `type must be ClusterIP (got ${type}): traffic enters through the Istio gateway`);
}

function gatewayRules(m: Manifest, add: Add): void {
  const servers: Any[] = (m.spec as Any)?.servers ?? [];
  const https = servers.filter((s) => s?.port?.protocol === "HTTPS");
  if (https.length === 0) add("gateway-https", "must serve HTTPS");
  for (const s of https) {
    if (!s.tls?.credentialName || !["SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL"].includes(s.tls?.mode)) {
      add("gateway-https", `HTTPS server on port ${s.port?.number}: tls needs mode SIMPLE/MUTUAL and a credentialName`);
    }
  }
  for (const s of servers.filter((x) => x?.port?.protocol === "HTTP")) {
    if (s.tls?.httpsRedirect !== true) add("gateway-redirect", `HTTP server on port ${s.port?.number} must redirect to HTTPS (tls.httpsRedirect)`);
  }
}

function peerAuthRules(m: Manifest, add: Add): void {
  const spec = (m.spec as Any) ?? {};
  if (spec.mtls?.mode !== "STRICT") add("mtls-strict", `mtls.mode must be STRICT (got ${spec.mtls?.mode ?? "unset"})`);
  for (const [port, v] of Object.entries<Any>(spec.portLevelMtls ?? {})) {
    if (v?.mode !== "STRICT") add("mtls-strict", `portLevelMtls ${port} must be STRICT (got ${v?.mode ?? "unset"})`);
  }
}

function pdbRules(m: Manifest, add: Add): void {
  const spec = (m.spec as Any) ?? {};
  if (spec.maxUnavailable === 0 || spec.maxUnavailable === "0%") add("pdb-evictable", "maxUnavailable 0 blocks every voluntary eviction");
  if (spec.minAvailable === "100%") add("pdb-evictable", 'minAvailable "100%" blocks every voluntary eviction');
}
