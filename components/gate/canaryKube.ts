// The RolloutControl of canary.ts against the API server: reads the Rollout (and its workload
// Deployment's generation), and sends what `kubectl argo rollouts promote|abort|retry` send,
// through the Rollout's status subresource (argo-rollouts v1.10 cmd/promote: the status patch
// comes first and is all a paused canary step needs). Every call is bounded by the client's own
// timeouts; errors name the object and never the request URL or credentials.
import type { V1Pod } from "@kubernetes/client-node";
import { classifyKubeError, kubeAccess } from "../../verification/k8s";
import { findHopelessPod, hopelessMessage, lastExitOf } from "../../verification/checks/rolloutPods";
import type { RolloutControl, RolloutView } from "./canary";
import type { PodState } from "./canaryPods";

const GROUP = "argoproj.io";
const VERSION = "v1alpha1";
const PLURAL = "rollouts";
export const ROLLOUT_HASH = "rollouts-pod-template-hash";
/** How long one pod list answers both pod readers (under the drive's 500 ms poll). */
const POD_LIST_REUSE_MS = 250;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Pure: the loop's view of a Rollout and the generation of the Deployment it references. */
export function rolloutView(ro: Json, workloadGeneration: number | undefined): RolloutView {
  const st = ro?.status ?? {};
  const observed = workloadGeneration === undefined
    ? String(st.observedGeneration ?? "") === String(ro?.metadata?.generation ?? "")
    : String(st.workloadObservedGeneration ?? "") === String(workloadGeneration);
  const weight = st.canary?.weights?.canary?.weight;
  return {
    observed,
    currentStepIndex: typeof st.currentStepIndex === "number" ? st.currentStepIndex : undefined,
    pausedAtStep: (st.pauseConditions ?? []).some((c: Json) => c?.reason === "CanaryPauseStep" || c?.reason === "BlueGreenPause"),
    aborted: st.abort === true,
    phase: st.phase,
    message: st.message,
    currentPodHash: st.currentPodHash,
    stableHash: st.stableRS,
    canaryWeight: typeof weight === "number" ? weight : undefined,
  };
}

/** Pure: every container of these pods (not being deleted), its restarts and readiness. */
export function podStatesOf(pods: V1Pod[]): PodState[] {
  return pods
    .filter((p) => !p.metadata?.deletionTimestamp)
    .flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => {
      const lastExit = lastExitOf(c);
      return { pod: p.metadata?.name ?? "?", container: c.name, restarts: c.restartCount ?? 0, ready: c.ready === true, ...(lastExit ? { lastExit } : {}) };
    }));
}

export function rolloutControl(args: { namespace: string; rollout: string; kubeconfig?: string }): RolloutControl {
  const access = kubeAccess({ kubeconfig: args.kubeconfig });
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const k = require("@kubernetes/client-node") as typeof import("@kubernetes/client-node");
  const custom = access.kc.makeApiClient(k.CustomObjectsApi);
  const ref = { group: GROUP, version: VERSION, namespace: args.namespace, plural: PLURAL, name: args.rollout };
  const what = `Rollout ${args.namespace}/${args.rollout}`;
  const fail = (err: unknown, doing: string): never => {
    throw new Error(`${doing} ${classifyKubeError(err, what, access.server).message}`);
  };
  // hopeless() and podStates() run back to back on every poll of a watched step: one pod list serves both.
  let listed: { hash: string; at: number; pods: Promise<V1Pod[]> } | undefined;
  const podsOf = (hash: string): Promise<V1Pod[]> => {
    if (listed && listed.hash === hash && Date.now() - listed.at < POD_LIST_REUSE_MS) return listed.pods;
    const pods = access.core().listNamespacedPod({ namespace: args.namespace, labelSelector: `${ROLLOUT_HASH}=${hash}` }).then((l) => (l.items ?? []) as V1Pod[]);
    const entry = { hash, at: Date.now(), pods };
    listed = entry;
    pods.catch(() => (listed === entry ? (listed = undefined) : undefined));
    return pods;
  };
  const patchStatus = async (ops: unknown[], doing: string) => {
    await custom.patchNamespacedCustomObjectStatus({ ...ref, body: ops }).catch((e) => fail(e, doing));
  };
  return {
    async read() {
      const ro: Json = await custom.getNamespacedCustomObject(ref).catch((e) => fail(e, "reading"));
      const w = ro?.spec?.workloadRef;
      let gen: number | undefined;
      if (w?.kind === "Deployment" && w.name) {
        const d = await access.apps.readNamespacedDeployment({ namespace: args.namespace, name: w.name }).catch((e) => fail(e, `reading the workload of`));
        gen = d.metadata?.generation;
      }
      return rolloutView(ro, gen);
    },
    async promote() {
      // The pause conditions are there: the loop promotes only a Rollout it read paused at a step.
      await patchStatus([{ op: "remove", path: "/status/pauseConditions" }], "promoting");
    },
    async abort() {
      await patchStatus([{ op: "add", path: "/status/abort", value: true }], "aborting");
    },
    async retry() {
      await patchStatus([{ op: "add", path: "/status/abort", value: false }], "retrying");
    },
    async versionService() {
      const ro: Json = await custom.getNamespacedCustomObject(ref).catch((e) => fail(e, "reading"));
      const name: string | undefined = ro?.spec?.strategy?.canary?.canaryService ?? ro?.spec?.strategy?.blueGreen?.previewService;
      if (!name) return undefined;
      const svc = await access.core().readNamespacedService({ namespace: args.namespace, name }).catch((e) => fail(e, `reading the version Service of`));
      return { name, hash: svc.spec?.selector?.[ROLLOUT_HASH] };
    },
    async leftoverPods() {
      try {
        const ro: Json = await custom.getNamespacedCustomObject(ref);
        const labels = Object.entries((ro?.spec?.selector?.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
        if (labels.length === 0) return 0;
        const list = await access.core().listNamespacedPod({ namespace: args.namespace, labelSelector: [...labels, `!${ROLLOUT_HASH}`].join(",") });
        return (list.items ?? []).length;
      } catch {
        return 0; // best-effort: no pod RBAC leaves the verdict to the checks
      }
    },
    async podStates(podHash: string) {
      try {
        return podStatesOf(await podsOf(podHash));
      } catch {
        return []; // best-effort, as hopeless(): no pod RBAC leaves the verdict to the checks
      }
    },
    async hopeless(podHash: string) {
      try {
        const h = findHopelessPod(await podsOf(podHash));
        return h ? hopelessMessage(`canary ${podHash}`, h) : undefined;
      } catch {
        return undefined; // best-effort, as in the rollout check: no pod RBAC leaves the verdict to the waits
      }
    },
  };
}
