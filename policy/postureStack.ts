// Posture rules that need several objects at once: a PDB against the HPA minimum, a Deployment
// under an HPA carrying no replica count, the NetworkPolicy default deny around each workload.
import { objectRef, podTemplateOf, postureFindings, type Finding, type Manifest, type PostureOptions } from "./posture";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** Kubernetes label selector semantics; an empty selector matches everything. */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === "In" && !inValues) return false;
    if (e.operator === "NotIn" && inValues) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

const sameNamespace = (a: Manifest, b: Manifest) => (a.metadata?.namespace ?? "") === (b.metadata?.namespace ?? "");

/** Resolves `minAvailable`/`maxUnavailable` (int or percent) against a replica count. */
function pods(value: number | string, replicas: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const pct = Number(value.replace("%", "")) / 100;
  return roundUp ? Math.ceil(pct * replicas) : Math.floor(pct * replicas);
}

/** Findings for every object plus the cross-object rules. */
export function stackPostureFindings(manifests: readonly Manifest[], opts: PostureOptions = {}): Finding[] {
  return [...manifests.flatMap((m) => postureFindings(m, opts)), ...crossObjectFindings(manifests)];
}

/**
 * Only the rules that need several objects. The CrossGuard pack judges each object on its own as
 * the engine registers it and these once per stack, so neither reports a finding twice.
 */
export function crossObjectFindings(manifests: readonly Manifest[]): Finding[] {
  const out: Finding[] = [];
  const deployments = manifests.filter((m) => m.kind === "Deployment");
  const hpas = manifests.filter((m) => m.kind === "HorizontalPodAutoscaler");
  const pdbs = manifests.filter((m) => m.kind === "PodDisruptionBudget");
  const netpols = manifests.filter((m) => m.kind === "NetworkPolicy");
  const add = (m: Manifest, rule: string, message: string) => out.push({ rule, object: objectRef(m), message });

  for (const d of deployments) {
    const spec = (d.spec as Any) ?? {};
    const labels: Record<string, string> = podTemplateOf(d)?.metadata?.labels ?? {};
    const hpa = hpas.find((h) => sameNamespace(h, d) && (h.spec as Any)?.scaleTargetRef?.kind === "Deployment" && (h.spec as Any)?.scaleTargetRef?.name === d.metadata?.name);
    if (hpa && spec.replicas !== undefined) {
      add(d, "hpa-replicas", `is scaled by ${objectRef(hpa)} but sets spec.replicas (${spec.replicas}); omit it so the HPA owns the count`);
    }
    const floor: number = hpa ? ((hpa.spec as Any)?.minReplicas ?? 1) : (spec.replicas ?? 1);
    const ceiling: number = hpa ? (hpa.spec as Any)?.maxReplicas : (spec.replicas ?? 1);
    if (hpa && ceiling > 1 && !((spec.template?.spec?.topologySpreadConstraints ?? []) as Any[]).some((t) => t?.topologyKey === "kubernetes.io/hostname")) {
      add(d, "topology-spread", `up to ${ceiling} replicas need a topologySpreadConstraint on kubernetes.io/hostname`);
    }
    const pdb = pdbs.find((p) => sameNamespace(p, d) && selectorMatches((p.spec as Any)?.selector, labels));
    if (!pdb && (hpa || floor > 1)) add(d, "pdb", "needs a PodDisruptionBudget (it runs more than one replica or is autoscaled)");
    if (pdb) {
      const ps = (pdb.spec as Any) ?? {};
      const evictable = ps.minAvailable !== undefined ? floor - pods(ps.minAvailable, floor, true) : pods(ps.maxUnavailable ?? 0, floor, false);
      if (evictable < 1) {
        add(pdb, "pdb-evictable", `allows no eviction at the minimum of ${floor} replica(s) of ${objectRef(d)}${hpa ? ` (${objectRef(hpa)} minReplicas)` : ""}`);
      }
    }
    const covering = netpols.filter((n) => sameNamespace(n, d) && selectorMatches((n.spec as Any)?.podSelector, labels));
    for (const dir of ["Ingress", "Egress"]) {
      const denies = covering.some((n) => {
        const types: string[] = (n.spec as Any)?.policyTypes ?? ["Ingress"];
        return types.includes(dir);
      });
      if (!denies) add(d, "network-default-deny", `no NetworkPolicy restricts its ${dir.toLowerCase()} (default deny plus explicit allows)`);
    }
  }
  return out;
}

/** `Kind/name: message` lines for a whole stack. */
export function stackPostureViolations(manifests: readonly Manifest[], opts: PostureOptions = {}): string[] {
  return stackPostureFindings(manifests, opts).map((f) => `${f.object}: ${f.message}`);
}
