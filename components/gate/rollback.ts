// onFailure: rollback, through the API: put the pod template of the LAST VERIFIED release (the
// gate's record: its ReplicaSet's pod-template-hash) back on the Deployment, then wait for that
// rollout. Never "the previous ReplicaSet": after one rollback the reused ReplicaSet becomes the
// newest revision and "previous" would be the broken release.
import type { V1Deployment, V1ReplicaSet } from "@kubernetes/client-node";
import type { VerifiedRelease } from "./release";

export interface RollbackArgs {
  namespace: string;
  deployment: string;
  /** kubeconfig path (already selecting the provider's context); default KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string;
  /** The release to return to; without one nothing is rolled back. */
  verified?: VerifiedRelease;
  /** Roll back only while the live template runs this image (a re-applied failed image). */
  onlyIfRunning?: string;
  /** How long to wait for the rolled-back revision to become available. */
  timeoutMs: number;
  pollMs?: number;
  /** Test seam: runs between reading the Deployment and replacing it (tests/e2e/rollback.test.ts changes it there). */
  beforeReplace?: () => Promise<void>;
}

/** Replacing a Deployment the controller changed since it was read answers 409; read again, up to this many times. */
export const ROLLBACK_CONFLICT_RETRIES = 5;

export interface RollbackOutcome {
  rolledBack: boolean;
  fromRevision?: number;
  toRevision?: number;
  completed: boolean;
  message: string;
}

const REVISION = "deployment.kubernetes.io/revision";
const HASH = "pod-template-hash";

function revisionOf(o: { metadata?: { annotations?: Record<string, string> } }): number {
  return Number(o.metadata?.annotations?.[REVISION] ?? NaN);
}

/** Pure: ReplicaSets the Deployment controls. */
function owned(d: V1Deployment, sets: V1ReplicaSet[]): V1ReplicaSet[] {
  const uid = d.metadata?.uid;
  return sets.filter((rs) => rs.metadata?.ownerReferences?.some((o) => (uid ? o.uid === uid : o.name === d.metadata?.name)));
}

/** Pure: the ReplicaSet serving the Deployment's current revision. */
export function currentReplicaSet(d: V1Deployment, sets: V1ReplicaSet[]): V1ReplicaSet | undefined {
  const rev = revisionOf(d);
  return owned(d, sets).find((rs) => revisionOf(rs) === rev);
}

/**
 * Pure: the Deployment runs `target` now. Only once the controller has observed its current
 * generation: before that, the revision annotation still names the previous template, and a
 * rollback read right after an image change would say "already runs the verified release" while
 * the controller goes on to roll out the new image (the likeliest reading of one e2e failure: a
 * rollback called just after an image change resolved instead of meeting the expected 409). Not
 * observed: not known to run it, so the verified template is applied (a no-op when it already is
 * the spec).
 */
export function runsAlready(d: V1Deployment, sets: V1ReplicaSet[], target: V1ReplicaSet): boolean {
  const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  return observed && currentReplicaSet(d, sets) === target;
}

/** Pure: the ReplicaSet of the last verified release, found by its pod-template-hash. */
export function verifiedReplicaSet(d: V1Deployment, sets: V1ReplicaSet[], verified: VerifiedRelease): V1ReplicaSet | undefined {
  if (!verified.podTemplateHash) return undefined;
  return owned(d, sets).find((rs) => rs.metadata?.labels?.[HASH] === verified.podTemplateHash);
}

export function rolloutComplete(d: V1Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (s.updatedReplicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.replicas ?? 0) === want;
}

async function apps(kubeconfig?: string) {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  return kc.makeApiClient(k8s.AppsV1Api);
}

async function readWithSets(kubeconfig: string | undefined, namespace: string, name: string) {
  const api = await apps(kubeconfig);
  const dep = await api.readNamespacedDeployment({ name, namespace });
  const selector = Object.entries(dep.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
  const list = await api.listNamespacedReplicaSet({ namespace, labelSelector: selector });
  return { api, dep, sets: list.items };
}

/** The release the Deployment serves now: what the gate records after a pass. */
export async function readCurrentRelease(args: { namespace: string; deployment: string; kubeconfig?: string }): Promise<{ podTemplateHash?: string; revision?: number; images: string[] }> {
  const { dep, sets } = await readWithSets(args.kubeconfig, args.namespace, args.deployment);
  const rs = currentReplicaSet(dep, sets);
  const revision = revisionOf(dep);
  return {
    podTemplateHash: rs?.metadata?.labels?.[HASH],
    revision: Number.isFinite(revision) ? revision : undefined,
    images: (dep.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
  };
}

export async function rollbackToVerified(args: RollbackArgs): Promise<RollbackOutcome> {
  const { namespace, deployment: name, verified } = args;
  const where = `${namespace}/${name}`;
  if (!verified) {
    return { rolledBack: false, completed: false, message: `refused: no release has passed verification on this stack, so ${where} has nothing verified to return to; left as is` };
  }
  // A release in trouble is exactly when the controller keeps updating the Deployment (pods
  // crashing, OOM-killed, replaced): a replace made from an older read is refused with 409
  // Conflict, so the decision is made again on a fresh read (the likeliest cause of the one rollback
  // the node suite saw fail, its pods being OOM-killed).
  for (let attempt = 1; ; attempt++) {
    try {
      return await rollbackOnce(args, where);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 409 || attempt > ROLLBACK_CONFLICT_RETRIES) throw err;
    }
  }
}

async function rollbackOnce(args: RollbackArgs, where: string): Promise<RollbackOutcome> {
  const { namespace, deployment: name, verified } = args;
  if (!verified) throw new Error("unreachable: checked by rollbackToVerified");
  const { api, dep, sets } = await readWithSets(args.kubeconfig, namespace, name);
  const current = revisionOf(dep);
  const live = (dep.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? "");
  if (args.onlyIfRunning && !live.includes(args.onlyIfRunning)) {
    return { rolledBack: false, completed: false, fromRevision: current, message: `${where} does not run ${args.onlyIfRunning} (it runs ${live.join(", ")}); left as is` };
  }
  const target = verifiedReplicaSet(dep, sets, verified);
  if (!target?.spec?.template) {
    const why = verified.podTemplateHash ? `no ReplicaSet with pod-template-hash ${verified.podTemplateHash} is left (revisionHistoryLimit pruned it?)` : "its pod-template hash was not recorded";
    return { rolledBack: false, completed: false, fromRevision: current, message: `refused: cannot return ${where} to the last verified release ${verified.imageRef}: ${why}; left as is` };
  }
  const toRevision = revisionOf(target);
  if (runsAlready(dep, sets, target)) {
    return { rolledBack: false, completed: true, fromRevision: current, toRevision, message: `${where} already runs the last verified release ${verified.imageRef} (revision ${current}); nothing to roll back` };
  }
  const template = JSON.parse(JSON.stringify(target.spec.template));
  delete template.metadata?.labels?.[HASH];
  dep.spec!.template = template;
  await args.beforeReplace?.();
  const replaced = await api.replaceNamespacedDeployment({ name, namespace, body: dep });
  const generation = replaced.metadata?.generation ?? 0;
  const what = `rolled ${where} back from revision ${current} to the last verified release ${verified.imageRef} (ReplicaSet ${target.metadata?.name}, revision ${toRevision})`;

  const deadline = Date.now() + args.timeoutMs;
  for (;;) {
    const now = await api.readNamespacedDeployment({ name, namespace });
    if ((now.status?.observedGeneration ?? 0) >= generation && rolloutComplete(now)) {
      return { rolledBack: true, completed: true, fromRevision: current, toRevision, message: `${what}; rollout complete` };
    }
    if (Date.now() >= deadline) {
      return { rolledBack: true, completed: false, fromRevision: current, toRevision, message: `${what}; rollout not complete after ${Math.round(args.timeoutMs / 1000)}s` };
    }
    await new Promise((r) => setTimeout(r, args.pollMs ?? 1000));
  }
}
