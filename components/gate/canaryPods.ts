// The new version's pods while the gate watches a step (components/gate/canary.ts): a restart
// or a container staying not ready ends the step. Pure.

export interface PodState {
  pod: string;
  container: string;
  restarts: number;
  ready: boolean;
  /** How the last run ended, e.g. "exit 137 (Error)". */
  lastExit?: string;
}

/**
 * Pure: why the new version failed while a step was watched, from the pod states at the step's
 * start and now, or undefined. Any restart is a failure (the kubelet restarts a container whose
 * liveness fails, and the restarted one passes for healthy again until it fails again: seen on
 * the node, where every check through the canary Service reached a ready pod and passed while the
 * pods were being restarted). A container not ready at two reads in a row is one too: readiness
 * takes a failing pod out of the Service, so the checks never see it.
 */
export function podTrouble(start: PodState[], now: PodState[], notReadyBefore: ReadonlySet<string>): { why?: string; notReady: Set<string> } {
  const key = (p: PodState) => `${p.pod}/${p.container}`;
  const before = new Map(start.map((p) => [key(p), p.restarts]));
  const notReady = new Set<string>();
  for (const p of now) {
    const was = before.get(key(p)) ?? 0;
    if (p.restarts > was) {
      return { why: `pod ${p.pod} container ${p.container} restarted (restarts ${was} -> ${p.restarts}${p.lastExit ? `; last run ${p.lastExit}` : ""})`, notReady };
    }
    if (!p.ready) {
      if (notReadyBefore.has(key(p))) return { why: `pod ${p.pod} container ${p.container} is not ready (it was when the step was reached)`, notReady };
      notReady.add(key(p));
    }
  }
  return { notReady };
}
