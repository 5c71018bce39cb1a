// The gate's canary loop (components/gate/canary.ts) over a scripted stand-in for the Argo
// Rollouts controller: a STAND-IN, not the controller. It plays the controller's documented
// status moves (setWeight, then CanaryPauseStep until status.pauseConditions is cleared; abort
// sends the canary weight to 0) so every branch of the loop runs in milliseconds with a fake
// clock. The real controller drives the same loop in tests/e2e/nodeCanary.test.ts.
import { strict as assert } from "assert";
import { driveCanary, pauseIndexOf, stepsTable, type CanaryPlan, type RolloutView } from "../../components/gate/canary";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { answering, canaryReport } from "../../components/gate/canaryGate";
import { podStatesOf, rolloutView } from "../../components/gate/canaryKube";
import { podTrouble } from "../../components/gate/canaryPods";
import { StandIn, clock, report, rolloutSteps } from "./harness/rolloutStandIn";

const PLAN: CanaryPlan = { strategy: "canary", rollout: "acv2", steps: [{ setWeight: 25, pauseSeconds: 10 }, { setWeight: 50, pauseSeconds: 10 }], leadingSteps: 0 };

describe("canary loop: the gate promotes each verified step and aborts on the first failure (stand-in controller)", () => {
  it("healthy: waits for each pause, watches it, verifies at its weight, promotes, and ends when the new template is stable", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    const verified: string[] = [];
    const c = clock();
    const out = await driveCanary(ro, PLAN, { ...c, waitTimeoutMs: 60_000, verify: async (n, w) => (verified.push(`${n}@${w}`), report("passed")) });
    assert.equal(out.outcome, "promoted");
    assert.deepEqual(verified, ["1@25", "2@50"]);
    assert.deepEqual(ro.calls, ["promote@1", "promote@3"]);
    assert.deepEqual(out.steps.map((s) => [s.verdict, s.observedWeight]), [["passed", 25], ["passed", 50]]);
    assert.equal(out.stableHash, "new");
    assert.ok(c.now() >= 20_000, `each step is watched for its pauseSeconds before it is verified (${c.now()} ms of fake time)`);
  });

  it("a step that fails verification is aborted there: no promotion, traffic back to stable, the step and failed check named", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    const out = await driveCanary(ro, PLAN, { ...clock(), waitTimeoutMs: 60_000, verify: async () => report("failed", "health") });
    assert.equal(out.outcome, "aborted");
    assert.deepEqual(ro.calls, ["abort@1"]);
    assert.equal(ro.stable, "old", "stable was not modified");
    assert.match(out.message, /^canary aborted at step 1 of 2 \(25%\): verification failed at step 1 of 2 \(25%\): health FAILED; all traffic back on stable old \(canary weight 0\); stable was not modified$/);
    assert.deepEqual(out.steps.map((s) => s.verdict), ["failed", "not reached"]);
    assert.match(stepsTable(out.steps), /1\s+25%\s+25%\s+FAILED\s+health FAILED\n\s+2\s+50%\s+-\s+NOT REACHED/);
    const json = canaryReport(out, 0) as { status: string; release: { outcome: string } };
    assert.equal(json.status, "failed");
    assert.equal(json.release.outcome, "aborted");
  });

  it("the checks run inside the step's watch: a failing suite aborts before the pause is over", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    const c = clock();
    const out = await driveCanary(ro, PLAN, { ...c, waitTimeoutMs: 60_000, verify: async () => report("failed") });
    assert.equal(out.outcome, "aborted");
    assert.ok(c.now() < 10_000, `aborted after ${c.now()} ms of fake time, inside step 1's 10 s`);
  });

  it("a pod failing while the step is watched stops the running suite (its signal) and aborts", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    ro.podsFailAtRead = 4; // reads 1-3: seen, weight set, paused at step 1; then the canary pod crash-loops
    let signalled = false;
    const out = await driveCanary(ro, PLAN, {
      ...clock(), waitTimeoutMs: 60_000,
      verify: (_n, _w, signal) => new Promise((resolve) => signal.addEventListener("abort", () => ((signalled = true), resolve(report("aborted"))))),
    });
    assert.equal(out.outcome, "aborted");
    assert.ok(signalled, "the suite was told to stop");
    assert.match(out.message, /the new version failed while watched at step 1 of 2 \(25%\): CrashLoopBackOff/);
    assert.deepEqual(ro.calls, ["abort@1"]);
  });

  it("a canary pod that can never become ready ends the wait at once and is aborted, never verified", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    ro.podsFailAtRead = 2; // from the read after the controller saw the template
    let verified = 0;
    const out = await driveCanary(ro, PLAN, { ...clock(), waitTimeoutMs: 60_000, verify: async () => (verified++, report("passed")) });
    assert.equal(out.outcome, "aborted");
    assert.equal(verified, 0);
    assert.match(out.message, /the new version cannot become ready: CrashLoopBackOff/);
    assert.deepEqual(ro.calls, ["abort@1"]);
  });

  it("a step the controller never reaches times out within the wait and is aborted", async () => {
    // Stands for canary pods that never become available: the controller never reaches the pause.
    class NeverPauses extends StandIn {
      override async read(): Promise<RolloutView> {
        const v = await super.read();
        this.paused = false;
        return { ...v, pausedAtStep: false };
      }
    }
    const never = new NeverPauses(rolloutSteps(PLAN));
    const out = await driveCanary(never, PLAN, { ...clock(), waitTimeoutMs: 30_000, verify: async () => report("passed") });
    assert.equal(out.outcome, "aborted");
    assert.match(out.message, /timed out after 30 s waiting for step 1 of 2 \(25%\)/);
  });

  it("a template that is already stable (the Rollout's first release) has no step: nothing promoted, the caller verifies what serves", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    ro.current = ro.stable = "only";
    const draining = [2, 1, 1, 0];
    let asked = 0;
    const ctl = Object.assign(ro, { leftoverPods: async () => draining[Math.min(asked++, draining.length - 1)] });
    const out = await driveCanary(ctl, PLAN, { ...clock(), waitTimeoutMs: 60_000, verify: async () => assert.fail("no step to verify") });
    assert.equal(out.outcome, "unchanged");
    assert.deepEqual(ro.calls, []);
    assert.equal(asked, 4, "it waits until the Deployment's own pods are gone before the caller verifies");
  });

  it("an earlier abort of this template is cleared (retry) before the steps start again", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    ro.aborted = true;
    const out = await driveCanary(ro, PLAN, { ...clock(), waitTimeoutMs: 60_000, verify: async () => report("passed") });
    assert.equal(out.outcome, "promoted");
    assert.equal(ro.calls[0], "retry");
  });

  it("no controller answering for the new template: failed (nothing aborted), saying to check the controller", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    ro.observedAfterReads = Number.MAX_SAFE_INTEGER;
    const out = await driveCanary(ro, PLAN, { ...clock(), waitTimeoutMs: 5_000, verify: async () => report("passed") });
    assert.equal(out.outcome, "failed");
    assert.match(out.message, /timed out after 5 s waiting for the Argo Rollouts controller to see the new template .* Is the Argo Rollouts controller running\?$/);
    assert.deepEqual(ro.calls, []);
  });

  it("a drive interrupted after promoting step 1 resumes at step 2 (only the gate promotes, so step 1 was verified)", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    ro.index = 2; // past step 1's pause (index 1): at step 2's setWeight
    ro.weight = 25;
    const verified: number[] = [];
    const out = await driveCanary(ro, PLAN, { ...clock(), waitTimeoutMs: 60_000, verify: async (n) => (verified.push(n), report("passed")) });
    assert.equal(out.outcome, "promoted");
    assert.deepEqual(verified, [2]);
    assert.deepEqual(out.steps.map((x) => x.verdict), ["promoted before", "passed"]);
  });

  it("a step whose canary Service still selects another version is aborted, never verified through it", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    const c = clock();
    const ctl = Object.assign(ro, { versionService: async () => ({ name: "acv2-canary", hash: "old" }) });
    let verified = 0;
    const out = await driveCanary(ctl, PLAN, { ...c, waitTimeoutMs: 60_000, verify: async () => (verified++, report("passed")) });
    assert.equal(out.outcome, "aborted");
    assert.equal(verified, 0);
    assert.match(out.message, /the acv2-canary Service selects pod-template hash old, not the new version new: checks through it would judge another version/);
    // A Service the controller points at the new pods a little late is waited for.
    const late = new StandIn(rolloutSteps(PLAN));
    let asks = 0;
    Object.assign(late, { versionService: async () => ({ name: "acv2-canary", hash: asks++ < 3 ? "old" : "new" }) });
    assert.equal((await driveCanary(late, PLAN, { ...clock(), waitTimeoutMs: 60_000, verify: async () => report("passed") })).outcome, "promoted");
  });

  it("a step the controller reports at another weight, or whose desired template is the stable one, is aborted, never verified", async () => {
    // What bench:canary once saw before a failing canary was promoted: 0 % reported at both steps.
    const zero = new StandIn(rolloutSteps(PLAN));
    const read = zero.read.bind(zero);
    zero.read = async () => ({ ...(await read()), canaryWeight: 0 });
    let verified = 0;
    const out = await driveCanary(zero, PLAN, { ...clock(), waitTimeoutMs: 60_000, verify: async () => (verified++, report("passed")) });
    assert.equal(out.outcome, "aborted");
    assert.equal(verified, 0);
    assert.match(out.message, /step 1 of 2 \(25%\): the controller reports a canary weight of 0%, not the step's 25%/);
    assert.deepEqual(zero.calls, ["abort@1"]);
    // A step paused while the desired template is the stable one has nothing new to verify.
    const same = new StandIn(rolloutSteps(PLAN));
    const readSame = same.read.bind(same);
    let n = 0;
    same.read = async () => {
      const v = await readSame();
      return n++ < 2 ? v : { ...v, stableHash: v.currentPodHash };
    };
    const out2 = await driveCanary(same, PLAN, { ...clock(), waitTimeoutMs: 60_000, verify: async () => (verified++, report("passed")) });
    assert.equal(verified, 0);
    assert.match(out2.message, /desired pod-template hash \(new\) is its stable one/);
  });

  it("a canary pod restarted while a step is watched aborts the step, even though its checks pass (readiness hides the failing pod)", async () => {
    // What bench:canary saw on the node: /health 503 after 20 s, liveness restarting the pods,
    // every health check through the canary Service reaching a ready pod and passing.
    const ro = new StandIn(rolloutSteps(PLAN));
    let polls = 0;
    Object.assign(ro, {
      podStates: async () => [{ pod: "p-1", container: "app", restarts: ro.paused && polls++ > 3 ? 1 : 0, ready: true, lastExit: "exit 2 (Error)" }],
    });
    const out = await driveCanary(ro, PLAN, { ...clock(), waitTimeoutMs: 60_000, verify: async () => report("passed") });
    assert.equal(out.outcome, "aborted");
    assert.match(out.message, /the new version failed while watched at step 1 of 2 \(25%\): pod p-1 container app restarted \(restarts 0 -> 1; last run exit 2 \(Error\)\)/);
    assert.deepEqual(ro.calls, ["abort@1"]);
  });

  it("a new version that fails after the last promotion, before it is Healthy, is aborted back to stable", async () => {
    const ro = new StandIn(rolloutSteps(PLAN));
    // The crash loop starts once every step was promoted (the pods fail on their own clock).
    Object.assign(ro, { hopeless: async () => (ro.calls.length >= 2 ? "CrashLoopBackOff (crash loop): new pod p-1" : undefined) });
    ro.read = ((read) => async () => {
      const v = await read();
      return ro.calls.length >= 2 && !ro.aborted ? { ...v, stableHash: "old", phase: "Progressing" } : v;
    })(ro.read.bind(ro));
    const out = await driveCanary(ro, PLAN, { ...clock(), waitTimeoutMs: 60_000, verify: async () => report("passed") });
    assert.equal(out.outcome, "aborted", out.message);
    assert.deepEqual(ro.calls, ["promote@1", "promote@3", "abort@4"]);
    assert.match(out.message, /^canary aborted at step 2 of 2 \(50%\): every step passed, but the final promotion did not complete: the new version cannot become ready: CrashLoopBackOff/);
  });

  it("pod trouble: a restart since the first watched step, or a container not ready at two reads in a row (pure)", () => {
    const pod = (restarts: number, ready = true, name = "p-1") => ({ pod: name, container: "app", restarts, ready });
    assert.equal(podTrouble([pod(1)], [pod(1)], new Set()).why, undefined, "a restart before the steps is the rollout's to judge");
    assert.match(podTrouble([pod(0)], [pod(0), pod(1, true, "p-2")], new Set()).why!, /^pod p-2 container app restarted \(restarts 0 -> 1\)$/, "a pod created later counts from 0");
    const once = podTrouble([pod(0)], [pod(0, false)], new Set());
    assert.equal(once.why, undefined, "one not-ready read may be a probe in flight");
    assert.match(podTrouble([pod(0)], [pod(0, false)], once.notReady).why!, /^pod p-1 container app is not ready/);
    assert.equal(podTrouble([pod(0)], [pod(0, true)], once.notReady).why, undefined, "ready again: the count starts over");
    assert.deepEqual(
      podStatesOf([
        { metadata: { name: "a" }, status: { containerStatuses: [{ name: "app", restartCount: 2, ready: false, lastState: { terminated: { exitCode: 137, reason: "OOMKilled" } } }] } },
        { metadata: { name: "gone", deletionTimestamp: new Date() }, status: { containerStatuses: [{ name: "app", restartCount: 9, ready: false }] } },
      ] as never),
      [{ pod: "a", container: "app", restarts: 2, ready: false, lastExit: "exit 137 (OOMKilled)" }],
    );
  });

  it("the header route's setHeaderRoute step shifts every pause index by one", () => {
    assert.deepEqual([0, 1, 2].map((k) => pauseIndexOf({ leadingSteps: 1 }, k)), [2, 4, 6]);
    assert.deepEqual([0, 1].map((k) => pauseIndexOf({ leadingSteps: 0 }, k)), [1, 3]);
  });

  it("blueGreen: one pause (the preview at 0% of users) verified, then the switch; a failing preview is aborted and the active version kept", async () => {
    const plan: CanaryPlan = { strategy: "blueGreen", rollout: "acv2", steps: [{ setWeight: 0, pauseSeconds: 5 }], leadingSteps: 0 };
    // blueGreen: no step index and no weights; the controller pauses once the preview is available.
    class BlueGreen extends StandIn {
      override async read(): Promise<RolloutView> {
        const v = await super.read();
        return { ...v, currentStepIndex: undefined, canaryWeight: undefined };
      }
    }
    const good = new BlueGreen([{ pause: {} }]);
    const ok = await driveCanary(good, plan, { ...clock(), waitTimeoutMs: 60_000, verify: async () => report("passed") });
    assert.equal(ok.outcome, "promoted");
    assert.deepEqual(good.calls, ["promote@0"]);
    const bad = new BlueGreen([{ pause: {} }]);
    const out = await driveCanary(bad, plan, { ...clock(), waitTimeoutMs: 60_000, verify: async () => report("failed") });
    assert.equal(out.outcome, "aborted");
    assert.equal(bad.stable, "old");
    assert.match(out.message, /^blueGreen aborted at the preview \(0% of users\): verification failed at the preview \(0% of users\): health FAILED; the active version old kept every request and was not modified$/);
  });

  it("reads the controller's status as the loop needs it (pure)", () => {
    const ro = {
      metadata: { generation: 4 },
      spec: { workloadRef: { kind: "Deployment", name: "acv2" } },
      status: {
        workloadObservedGeneration: "7", currentStepIndex: 3, abort: false, phase: "Paused", currentPodHash: "n", stableRS: "s",
        pauseConditions: [{ reason: "CanaryPauseStep", startTime: "x" }], canary: { weights: { canary: { weight: 50 }, stable: { weight: 50 } } },
      },
    };
    assert.deepEqual(rolloutView(ro, 7), { observed: true, currentStepIndex: 3, pausedAtStep: true, aborted: false, phase: "Paused", message: undefined, currentPodHash: "n", stableHash: "s", canaryWeight: 50 });
    assert.equal(rolloutView(ro, 8).observed, false, "the Deployment's newer generation is not seen yet");
    assert.equal(rolloutView({ ...ro, status: { ...ro.status, pauseConditions: [{ reason: "BlueGreenPause" }] } }, 7).pausedAtStep, true);
    assert.equal(rolloutView({ ...ro, status: { ...ro.status, pauseConditions: [{ reason: "InconclusiveAnalysis" }] } }, 7).pausedAtStep, false);
  });

  it("waits for the step's address to answer at all (a real loopback server), and says so when it never does", async () => {
    const server = http.createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      assert.match(await answering(`http://127.0.0.1:${port}`), /^answers \(HTTP 503 after [\d.]+ s\)$/, "any status counts: the checks judge it");
    } finally {
      await new Promise((r) => server.close(r));
    }
    // The same port, closed now: refused until the (short) wait ends.
    assert.match(await answering(`http://127.0.0.1:${port}`, undefined, 1_200), /^did not answer within 1.2 s \(ECONNREFUSED\); the checks run anyway$/);
  });
});
