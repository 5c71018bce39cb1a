// The gate's rollout check ends its wait at once when a new pod is in a state that does not heal
// (crash loop, image pull back-off, a container that cannot be created), instead of waiting out
// its timeout (300 s in production) while the broken release stays in place. Pure judgement on pod
// objects, then the real client-node against the recorded-API stand-in with pods added; the e2e
// suite on the real node (tests/e2e/nodeStack.test.ts) shows the kubelet's real states.
import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import { rolloutDefinition } from "../../verification/checks/rollout";
import { findHopelessPod, hopelessMessage } from "../../verification/checks/rolloutPods";
import type { AttemptOutcome } from "../../verification/types";
import { attemptCheck, KUBE_TARGET, useKubeApi } from "../fixtures/checkAttempt";
import { recorded } from "../fixtures/kubeApi";

const KEY = "acv2-staging/agent-cellphone-v2";
const LABELS = { "app.kubernetes.io/name": "agent-cellphone-v2", "app.kubernetes.io/instance": "staging" };

/** A pod of one ReplicaSet (by pod-template-hash) whose one container is in `state`. */
function pod(name: string, hash: string, state: Record<string, any>, extra: Record<string, any> = {}): V1Pod {
  return {
    metadata: { name, namespace: "acv2-staging", labels: { ...LABELS, "pod-template-hash": hash }, ...extra.metadata },
    status: { phase: "Running", containerStatuses: [{ name: "app", image: "x", imageID: "", ready: false, restartCount: extra.restarts ?? 0, state, ...(extra.lastState ? { lastState: extra.lastState } : {}) }] },
  } as V1Pod;
}
const crashLoop = (name: string, hash: string) =>
  pod(name, hash, { waiting: { reason: "CrashLoopBackOff", message: "back-off 10s restarting failed container=app" } }, { restarts: 2, lastState: { terminated: { exitCode: 1, reason: "Error" } } });

describe("rollout check: pods that will not become ready end the wait", function () {
  this.timeout(30_000);

  it("judges crash loops, pull back-off, create errors and repeated restarts hopeless; a first pull error, one restart, a running or terminating pod not", () => {
    assert.deepEqual(findHopelessPod([crashLoop("p1", "h")]), { pod: "p1", container: "app", reason: "CrashLoopBackOff", restarts: 2, detail: "back-off 10s restarting failed container=app", lastExit: "exit 1 (Error)" });
    assert.equal(findHopelessPod([pod("p", "h", { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } })])?.reason, "ImagePullBackOff");
    assert.equal(findHopelessPod([pod("p", "h", { waiting: { reason: "CreateContainerConfigError", message: 'secret "x" not found' } })])?.reason, "CreateContainerConfigError");
    // One failed pull may be a registry blip: the kubelet retries, and only its back-off is final.
    assert.equal(findHopelessPod([pod("p", "h", { waiting: { reason: "ErrImagePull" } })]), undefined);
    assert.equal(findHopelessPod([pod("p", "h", { waiting: { reason: "ContainerCreating" } })]), undefined);
    assert.equal(findHopelessPod([pod("p", "h", { running: { startedAt: new Date() } })]), undefined);
    assert.equal(findHopelessPod([pod("p", "h", { waiting: { reason: "CrashLoopBackOff" } }, { metadata: { deletionTimestamp: new Date() } })]), undefined, "a pod being deleted is not the release's verdict");
    // Restarted by its liveness probe, ready again in between: one restart is tolerated, two are not.
    assert.equal(findHopelessPod([pod("p", "h", { running: {} }, { restarts: 1, lastState: { terminated: { exitCode: 2, reason: "Error" } } })]), undefined);
    assert.deepEqual(findHopelessPod([pod("p", "h", { running: {} }, { restarts: 2, lastState: { terminated: { exitCode: 2, reason: "Error" } } })]), { pod: "p", container: "app", reason: "Restarting", restarts: 2, lastExit: "exit 2 (Error)" });
    const oom = pod("p", "h", { waiting: { reason: "CrashLoopBackOff" } }, { restarts: 3, lastState: { terminated: { exitCode: 137, reason: "OOMKilled" } } });
    assert.equal(hopelessMessage("ns/app", findHopelessPod([oom])!), "ns/app rollout cannot complete: CrashLoopBackOff (crash loop): new pod p container app; restarts 3; last run exit 137 (OOMKilled)");
  });

  describe("through client-node and the API stand-in", () => {
    const k = useKubeApi({ readOnly: "the rollout check only reads" });
    const attempt = (timeoutMs: number): Promise<AttemptOutcome> =>
      attemptCheck(rolloutDefinition({ waitForCompletion: true, pollMs: 200 }), "rollout", { name: "rollout", ...KUBE_TARGET, kubeconfig: k.api.kubeconfigPath }, timeoutMs);
    beforeEach(() => {
      // Revision 3 is live; its ReplicaSet's pods carry pod-template-hash 6d8f7b9c4f.
      k.api.state.deployments[KEY] = recorded("deployment-unavailable.json");
      k.api.state.replicaSets = recorded<{ items: any[] }>("replicasets-three-revisions.json").items;
    });
    afterEach(() => delete k.api.state.pods);

    it("a crash-looping pod of the current revision: FAILED at once, naming the pod, well before the timeout", async () => {
      k.api.state.pods = [pod("new-ok", "6d8f7b9c4f", { running: {} }), crashLoop("new-crash", "6d8f7b9c4f")];
      const started = Date.now();
      const out = await attempt(20_000);
      assert.equal(out.status, "failed");
      assert.match(out.message, /^acv2-staging\/agent-cellphone-v2 rollout cannot complete: CrashLoopBackOff \(crash loop\): new pod new-crash container app; restarts 2; last run exit 1 \(Error\)/);
      assert.ok(Date.now() - started < 5_000, `answered in ${Date.now() - started} ms of a 20 s budget`);
      const selectors = k.api.requests.filter((r) => r.path.endsWith("/pods")).map((r) => r.query.labelSelector);
      assert.ok(selectors.length > 0 && selectors.every((s) => s.endsWith(",pod-template-hash=6d8f7b9c4f")), `only the current revision's pods are read: ${selectors}`);
    });

    it("an old revision's crash loop is not the new release's verdict: it waits as before", async () => {
      k.api.state.pods = [crashLoop("old-crash", "84f6c7d9b5")];
      const out = await attempt(2_500);
      assert.equal(out.status, "failed");
      assert.match(out.message, /rollout incomplete: available 1\/3 \(still not complete after waiting \d s\)$/);
    });

    it("pods that cannot be listed (no RBAC) change nothing: the Deployment is judged as before", async () => {
      const out = await attempt(2_500);
      assert.equal(out.status, "failed");
      assert.match(out.message, /rollout incomplete: available 1\/3 \(still not complete after waiting \d s\)$/);
      assert.ok(k.api.requests.some((r) => r.path.endsWith("/pods")), "it tried");
    });
  });
});
