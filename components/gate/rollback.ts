// onFailure: rollback — what `kubectl rollout undo` does, through the API: put the previous
// ReplicaSet revision's pod template back on the Deployment, then wait for that rollout.
import type { V1Deployment, V1ReplicaSet } from "@kubernetes/client-node";

export interface RollbackArgs {
  namespace: string;
  deployment: string;
  /** kubeconfig path; default KUBECONFIG / ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** How long to wait for the rolled-back revision to become available. */
  timeoutMs: number;
  pollMs?: number;
}

export interface RollbackOutcome {
  rolledBack: boolean;
  fromRevision?: number;
  toRevision?: number;
  completed: boolean;
  message: string;
}

const REVISION = "deployment.kubernetes.io/revision";

function revisionOf(rs: V1ReplicaSet): number {
  return Number(rs.metadata?.annotations?.[REVISION] ?? NaN);
}

/** The previous revision to return to: the newest ReplicaSet older than the current one. */
export function previousReplicaSet(deployment: V1Deployment, replicaSets: V1ReplicaSet[]): { current: number; previous?: V1ReplicaSet } {
  const uid = deployment.metadata?.uid;
  const current = Number(deployment.metadata?.annotations?.[REVISION] ?? NaN);
  const owned = replicaSets
    .filter((rs) => !uid || rs.metadata?.ownerReferences?.some((o) => o.uid === uid))
    .filter((rs) => Number.isFinite(revisionOf(rs)) && revisionOf(rs) < current)
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  return { current, previous: owned[0] };
}

export function rolloutComplete(d: V1Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (s.updatedReplicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.replicas ?? 0) === want;
}

export async function rollbackDeployment(args: RollbackArgs): Promise<RollbackOutcome> {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  if (args.kubeconfig) kc.loadFromFile(args.kubeconfig);
  else kc.loadFromDefault();
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const { namespace, deployment: name } = args;

  const dep = await apps.readNamespacedDeployment({ name, namespace });
  const selector = Object.entries(dep.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
  const list = await apps.listNamespacedReplicaSet({ namespace, labelSelector: selector });
  const { current, previous } = previousReplicaSet(dep, list.items);
  if (!previous?.spec?.template) {
    return { rolledBack: false, completed: false, message: `no previous revision of ${namespace}/${name} to roll back to (current revision ${current})` };
  }
  const template = JSON.parse(JSON.stringify(previous.spec.template));
  delete template.metadata?.labels?.["pod-template-hash"];
  dep.spec!.template = template;
  const replaced = await apps.replaceNamespacedDeployment({ name, namespace, body: dep });
  const generation = replaced.metadata?.generation ?? 0;
  const toRevision = revisionOf(previous);

  const deadline = Date.now() + args.timeoutMs;
  for (;;) {
    const now = await apps.readNamespacedDeployment({ name, namespace });
    if ((now.status?.observedGeneration ?? 0) >= generation && rolloutComplete(now)) {
      return { rolledBack: true, completed: true, fromRevision: current, toRevision, message: `rolled ${namespace}/${name} back from revision ${current} to the template of revision ${toRevision}; rollout complete` };
    }
    if (Date.now() >= deadline) {
      return { rolledBack: true, completed: false, fromRevision: current, toRevision, message: `rolled ${namespace}/${name} back from revision ${current} to the template of revision ${toRevision}; rollout not complete after ${Math.round(args.timeoutMs / 1000)}s` };
    }
    await new Promise((r) => setTimeout(r, args.pollMs ?? 1000));
  }
}
