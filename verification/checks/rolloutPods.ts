// The new release's pods, read while the gate's rollout check waits. Some pod states do not heal
// within any rollout timeout: a container in CrashLoopBackOff has already crashed at least twice
// (the kubelet restarts once at once, then backs off), an image the kubelet has failed to pull and
// is backing off on, a container the runtime cannot create, a container restarted more than once
// (MAX_RESTARTS) while the release rolls out. Waiting out the check's timeout (300 s
// in production) for them only keeps the broken release in place longer; seeing them ends the
// wait with FAILED at once, naming the pod and the reason, so the rollback starts in seconds.
// Reading pods is an accelerator, not a source of the verdict: when it fails (RBAC without pod
// list, an API blip) the check goes on judging the Deployment as before.
import type { V1ContainerStatus, V1Deployment, V1Pod } from "@kubernetes/client-node";
import { callOptions, listReplicaSets, selectorString, type KubeAccess } from "../k8s";

/** Waiting reasons that do not resolve by waiting, and what they mean to a reader. */
export const HOPELESS_WAITING: Readonly<Record<string, string>> = {
  CrashLoopBackOff: "crash loop",
  ImagePullBackOff: "image cannot be pulled",
  ErrImageNeverPull: "image cannot be pulled",
  InvalidImageName: "image reference is invalid",
  CreateContainerConfigError: "container config is invalid",
  CreateContainerError: "container cannot be created",
  RunContainerError: "container cannot be started",
  Restarting: "restarted more than once while rolling out",
};

/**
 * Restarts of one container of the new revision beyond which the release is judged, whatever its
 * current state: a release whose pods the kubelet keeps restarting (a liveness probe failing some
 * seconds after start, an OOM kill) can pass for ready between restarts, and its back-off grows
 * so CrashLoopBackOff is seen less and less often. One restart is tolerated (a dependency late at
 * start); a second is not. Found on the real node: a release whose /health turned 503 20 s after
 * start was restarted by liveness every 35-50 s and held the production rollout check for its
 * whole 300 s timeout.
 */
export const MAX_RESTARTS = 1;

export interface HopelessPod {
  pod: string;
  container: string;
  reason: string;
  restarts: number;
  /** The runtime's or kubelet's message, trimmed. */
  detail?: string;
  /** How the last run ended, e.g. "exit 1 (Error)" or "exit 137 (OOMKilled)". */
  lastExit?: string;
}

/** How a container's last run ended, e.g. "exit 1 (Error)"; undefined when it has not ended one. */
export function lastExitOf(s: V1ContainerStatus): string | undefined {
  const t = s.lastState?.terminated;
  return t ? `exit ${t.exitCode}${t.reason ? ` (${t.reason})` : ""}` : undefined;
}

function hopeless(pod: string, s: V1ContainerStatus): HopelessPod | undefined {
  const waiting = s.state?.waiting?.reason;
  const restarts = s.restartCount ?? 0;
  const reason = waiting && waiting in HOPELESS_WAITING ? waiting : restarts > MAX_RESTARTS ? "Restarting" : undefined;
  if (!reason) return undefined;
  const lastExit = lastExitOf(s);
  const detail = s.state?.waiting?.message?.replace(/\s+/g, " ").slice(0, 200);
  return {
    pod,
    container: s.name,
    reason,
    restarts,
    ...(detail ? { detail } : {}),
    ...(lastExit ? { lastExit } : {}),
  };
}

/** Pure: the first container (init containers first) of these pods stuck in a hopeless state. */
export function findHopelessPod(pods: V1Pod[]): HopelessPod | undefined {
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      const h = hopeless(p.metadata?.name ?? "?", s);
      if (h) return h;
    }
  }
  return undefined;
}

/** Pure: the message of a FAILED rollout ended by a hopeless pod. */
export function hopelessMessage(deployment: string, h: HopelessPod): string {
  // The reason first: report tables cut long messages.
  const facts = [`new pod ${h.pod} container ${h.container}`, `restarts ${h.restarts}`, ...(h.lastExit ? [`last run ${h.lastExit}`] : []), ...(h.detail ? [h.detail] : [])];
  return `${deployment} rollout cannot complete: ${h.reason} (${HOPELESS_WAITING[h.reason]}): ${facts.join("; ")}`;
}

/**
 * The pods of the Deployment's current revision (its newest ReplicaSet, matched by the revision
 * annotation), or undefined when they cannot be read. Never throws.
 */
export async function readNewPods(access: KubeAccess, d: V1Deployment, signal?: AbortSignal): Promise<V1Pod[] | undefined> {
  try {
    const ns = d.metadata?.namespace ?? "default";
    const revision = d.metadata?.annotations?.["deployment.kubernetes.io/revision"];
    const selector = selectorString(d.spec?.selector);
    if (!revision || !selector) return undefined;
    const sets = await listReplicaSets(access, ns, selector, signal);
    const current = sets.find((rs) => rs.metadata?.annotations?.["deployment.kubernetes.io/revision"] === revision && rs.metadata?.ownerReferences?.some((o) => o.uid === d.metadata?.uid));
    const hash = current?.metadata?.labels?.["pod-template-hash"];
    if (!hash) return undefined;
    const list = await access.core().listNamespacedPod({ namespace: ns, labelSelector: `${selector},pod-template-hash=${hash}` }, callOptions(signal) as never);
    return list.items ?? [];
  } catch {
    return undefined;
  }
}
