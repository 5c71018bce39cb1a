// A canary release through `pulumi up` on the real node, promoted step by step by the gate (issue
// 13 point 3): Pulumi.e2e.yaml with `release.strategy: canary` (two steps, 25 % then 50 %), the
// Argo Rollouts controller built from its Go module (scripts/start-rollouts), real pods of the
// app image from the loopback registry. No Istio data plane runs here: the route weights are
// what the controller writes into the VirtualService (read back while `pulumi up` runs), not
// traffic measured; the gate's per-step checks reach the new version through the canary Service
// (`release.canary.verifyBaseUrl`: a loopback relay to its ClusterIP), as the issue allows.
import { strict as assert } from "node:assert";
import { APP, HASH, NS, ProgressiveNode, STACK } from "./nodeProgressive";

const STEPS = [{ setWeight: 25, pauseSeconds: 10 }, { setWeight: 50, pauseSeconds: 10 }];

describe("e2e on the real node: a canary release promoted step by step by the gate (Argo Rollouts)", function () {
  this.timeout(900_000);
  const e = new ProgressiveNode();

  before(async function () {
    this.timeout(900_000);
    const why = await e.setup("canary", `${APP}-canary`, (url) => ({ strategy: "canary", analysisIntervalSeconds: 10, canary: { steps: STEPS, verifyBaseUrl: url } }));
    if (why) {
      console.log(`      SKIPPED (e2e node canary): ${why}`);
      this.skip();
    }
  });
  after(async function () {
    this.timeout(300_000);
    await e.teardown();
  });

  it("the first release has no stable to compare with: it goes straight to stable, is verified where it serves, and the Deployment keeps no pods", async () => {
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK]);
    console.log(`      first release (2.0.0) from scratch: pulumi up ${r.ms} ms`);
    assert.match(r.stdout + r.stderr, /no step to promote/);
    const st = await e.rollout();
    assert.equal(st.phase, "Healthy");
    assert.equal(st.stableRS, st.currentPodHash);
    assert.equal((await e.ws!.outputs(STACK)).verification.verdict, "passed");
    assert.equal(await e.weights(), "stable=100 canary=0");
    const d = await e.n!.cluster.apps.readNamespacedDeployment({ namespace: NS, name: APP });
    assert.equal(d.spec?.replicas, 0, "the Rollout runs the pods; the Deployment is only their template");
    const running = await e.pods();
    assert.equal(running.length, 2);
    assert.ok(running.every((p) => p.metadata?.labels?.[HASH] === st.stableRS && p.spec?.nodeName === "acv2-node-0"));
  });

  it("a healthy new release walks every step (route 75/25, then 50/50), is verified at each through the canary Service, promoted, and becomes stable", async () => {
    const before = (await e.rollout()).stableRS;
    const watch = e.sample(() => e.weights());
    e.setTag("2.1.0");
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK]);
    const seen = await watch.stop();
    const text = r.stdout + r.stderr;
    console.log(`      2.1.0 canary: pulumi up ${r.ms} ms (pauses configured: ${STEPS.reduce((a, s) => a + s.pauseSeconds, 0)} s); route splits seen: ${seen.join(" -> ")}`);
    // The implied final 100 % shows when the sampling catches it (the controller moves the weight
    // to the new version, then makes it stable, whose subset then carries everything).
    const steps = seen.filter((w) => w !== "stable=100 canary=0");
    assert.deepEqual(steps[steps.length - 1] === "stable=0 canary=100" ? steps.slice(0, -1) : steps, ["stable=75 canary=25", "stable=50 canary=50"], "each step's weight, in order, and nothing else");
    assert.equal(seen[seen.length - 1], "stable=100 canary=0", "after promotion all traffic is on the new stable");
    assert.match(text, /canary: step 1 of 2 \(25%\) verified in [\d.]+ s; promoting/);
    assert.match(text, /canary: step 2 of 2 \(50%\) verified in [\d.]+ s; promoting/);
    const st = await e.rollout();
    assert.equal(st.phase, "Healthy");
    assert.notEqual(st.stableRS, before, "the new template is stable now");
    assert.equal((await e.ws!.outputs(STACK)).verification.verifiedImage, `${e.images!.repository}:2.1.0`);
    // The old stable's pods stay for the controller's scale-down delay (30 s with traffic routing): judge the new stable's.
    const stablePods = (await e.pods()).filter((p) => p.metadata?.labels?.[HASH] === st.stableRS);
    assert.equal(stablePods.length, 2);
    assert.ok(stablePods.every((p) => p.spec?.containers[0].image === `${e.images!.repository}:2.1.0` && p.status?.containerStatuses?.[0].ready), "the new stable's pods run 2.1.0 and are ready");
  });

  for (const f of [
    { tag: "2.1.0-crash", why: /the new version (cannot become ready|failed while watched at step 1 of 2 \(25%\)): .*CrashLoopBackOff/, at: /canary aborted at step 1 of 2 \(25%\)/ },
    // /health turns 503 20 s after start: step 1's checks may finish before that, step 2's cannot.
    { tag: "2.1.0-503", why: /verification failed at step [12] of 2 \((25|50)%\): health FAILED/, at: /canary aborted at step [12] of 2/ },
  ]) {
    it(`${f.tag}: aborted at the step that caught it, pulumi up fails with the step table, stable and its pods untouched`, async () => {
      const before = await e.rollout();
      const stablePods = await e.podsOf(before.stableRS);
      assert.equal(stablePods.length, 2);
      e.setTag(f.tag);
      const r = await e.ws!.must(["up", "--yes", "--stack", STACK], 1);
      const text = r.stdout + r.stderr;
      console.log(`      ${f.tag}: pulumi up ${r.ms} ms; ${(text.match(/canary aborted at [^;]*/) ?? ["(no abort line)"])[0]}`);
      assert.match(text, f.at);
      assert.match(text, f.why);
      assert.match(text, /all traffic back on stable \S+ \(canary weight 0\); stable was not modified/);
      assert.match(text, /STEP\s+WEIGHT\s+OBSERVED\s+VERDICT\s+FAILED/);
      const st = await e.rollout();
      assert.equal(st.abort, true);
      assert.equal(st.stableRS, before.stableRS, "stable is the same ReplicaSet");
      assert.equal(await e.weights(), "stable=100 canary=0");
      assert.deepEqual(await e.podsOf(before.stableRS), stablePods, "the stable pods were never restarted or replaced");
    });
  }

  it("the aborted image is not promoted by a later pulumi up without the opt-in, returning to the verified image needs no steps, and the failed image over it again is aborted at once", async () => {
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK], 1);
    assert.match(r.stdout + r.stderr, /image \S+:2\.1\.0-503 failed verification on this stack before/);
    assert.equal((await e.rollout()).abort, true, "still aborted: nothing promoted it");
    e.setTag("2.1.0");
    const back = await e.ws!.must(["up", "--yes", "--stack", STACK]);
    console.log(`      back to 2.1.0: pulumi up ${back.ms} ms`);
    assert.match(back.stdout + back.stderr, /no step to promote/);
    const st = await e.rollout();
    assert.equal(st.phase, "Healthy");
    assert.notEqual(st.abort, true);
    assert.equal((await e.ws!.outputs(STACK)).verification.verdict, "passed");

    // The failed image once more, over the verified one: refused, and the canary the controller
    // started for it is aborted at once instead of holding its first step's share.
    e.setTag("2.1.0-503");
    const again = await e.ws!.must(["up", "--yes", "--stack", STACK], 1);
    assert.match(again.stdout + again.stderr, /failed verification on this stack before/);
    assert.match(again.stdout + again.stderr, /canary: the refused release was aborted before it got more traffic; stable \S+ serves/);
    await new Promise((r) => setTimeout(r, 2_000));
    const after = await e.rollout();
    assert.equal(after.abort, true);
    assert.equal(after.stableRS, st.stableRS);
    assert.equal(await e.weights(), "stable=100 canary=0");
  });

  it("after an abort and a return to the stable image, a new failing release is still verified on its own pods and aborted (bench:canary once promoted one)", async () => {
    e.setTag("2.1.0");
    await e.ws!.must(["up", "--yes", "--stack", STACK]);
    const before = await e.rollout();
    e.setTag("2.0.0-503");
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK], 1);
    const text = r.stdout + r.stderr;
    console.log(`      2.0.0-503 after abort and return: pulumi up ${r.ms} ms; ${(text.match(/canary aborted at [^;]*/) ?? ["(no abort line)"])[0]}`);
    const table = text.split("\n").findIndex((l) => /STEP\s+WEIGHT\s+OBSERVED/.test(l));
    if (table >= 0) console.log(text.split("\n").slice(table, table + 3).map((l) => `      | ${l.trim()}`).join("\n"));
    assert.match(text, /canary aborted at step [12] of 2/);
    const st = await e.rollout();
    assert.equal(st.abort, true);
    assert.equal(st.stableRS, before.stableRS, "not promoted");
  });
});
