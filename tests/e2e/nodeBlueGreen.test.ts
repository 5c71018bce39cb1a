// A blueGreen release through `pulumi up` on the real node, switched by the gate (issue 13):
// Pulumi.e2e.yaml with `release.strategy: blueGreen`, the Argo Rollouts controller built from its
// Go module, real pods. The new version starts behind the preview Service; the gate watches and
// verifies it there (`release.blueGreen.verifyBaseUrl`: a loopback relay to the preview
// Service's ClusterIP) while the app Service (active) keeps selecting the old version, then
// promotes, or aborts and the active version is never touched. Observed through the Services'
// selectors, which the controller rewrites; no Istio data plane is involved in blueGreen.
import { strict as assert } from "node:assert";
import { APP, NS, ProgressiveNode, STACK } from "./nodeProgressive";

const PREVIEW = `${APP}-preview`;

describe("e2e on the real node: a blueGreen release, the preview verified by the gate before the switch (Argo Rollouts)", function () {
  this.timeout(900_000);
  const e = new ProgressiveNode();
  const selectors = async () => `active=${await e.serviceHash(APP)} preview=${await e.serviceHash(PREVIEW)}`;

  before(async function () {
    this.timeout(900_000);
    const why = await e.setup("bluegreen", PREVIEW, (url) => ({ strategy: "blueGreen", blueGreen: { pauseSeconds: 10, verifyBaseUrl: url } }));
    if (why) {
      console.log(`      SKIPPED (e2e node bluegreen): ${why}`);
      this.skip();
    }
  });
  after(async function () {
    this.timeout(300_000);
    await e.teardown();
  });

  it("the first release becomes active at once and is verified", async () => {
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK]);
    console.log(`      first release (2.0.0): pulumi up ${r.ms} ms`);
    assert.match(r.stdout + r.stderr, /no step to promote/);
    const st = await e.rollout();
    assert.equal(st.phase, "Healthy");
    assert.equal(await e.serviceHash(APP), st.stableRS, "the active Service selects the first release");
  });

  it("a healthy release is verified behind the preview Service while the active one keeps the old version, then switched", async () => {
    const old = (await e.rollout()).stableRS;
    const watch = e.sample(selectors);
    e.setTag("2.1.0");
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK]);
    const seen = await watch.stop();
    const text = r.stdout + r.stderr;
    console.log(`      2.1.0 blueGreen: pulumi up ${r.ms} ms (preview watched 10 s); selectors seen: ${seen.join(" -> ")}`);
    const st = await e.rollout();
    assert.notEqual(st.stableRS, old);
    assert.ok(seen.includes(`active=${old} preview=${st.stableRS}`), "the preview selected the new version while the active Service kept the old one");
    assert.equal(seen[seen.length - 1], `active=${st.stableRS} preview=${st.stableRS}`, "after the switch the active Service selects the new version");
    assert.ok(seen.indexOf(`active=${old} preview=${st.stableRS}`) < seen.length - 1, "switched only after the preview phase");
    assert.match(text, /blueGreen: the preview \(0% of users\) verified in [\d.]+ s; promoting/);
    assert.match(text, /blueGreen: verifying the preview \(0% of users\) against 127\.0\.0\.1:\d+ \(release\.blueGreen\.verifyBaseUrl\)/);
    assert.equal((await e.ws!.outputs(STACK)).verification.verifiedImage, `${e.images!.repository}:2.1.0`);
  });

  it("a release failing behind the preview is aborted: the active Service and its pods are never touched", async () => {
    const before = await e.rollout();
    const activePods = await e.podsOf(before.stableRS);
    assert.equal(activePods.length, 2);
    const watch = e.sample(selectors);
    e.setTag("2.1.0-never-ready");
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK], 1);
    const seen = await watch.stop();
    const text = r.stdout + r.stderr;
    console.log(`      2.1.0-never-ready blueGreen: pulumi up ${r.ms} ms; ${(text.match(/blueGreen aborted at [^;]*/) ?? ["(no abort line)"])[0]}`);
    assert.match(text, /blueGreen aborted at the preview \(0% of users\): timed out after 30 s waiting for the preview/);
    assert.match(text, /the active version \S+ kept every request and was not modified/);
    assert.ok(seen.every((s) => s.startsWith(`active=${before.stableRS} `)), `the active Service never moved: ${seen.join(" -> ")}`);
    const st = await e.rollout();
    assert.equal(st.abort, true);
    assert.equal(st.stableRS, before.stableRS);
    assert.deepEqual(await e.podsOf(before.stableRS), activePods, "the active pods were never restarted or replaced");
  });
});
