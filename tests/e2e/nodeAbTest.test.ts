// An A/B release through `pulumi up` on the real node (issue 13, point 4): Pulumi.e2e.yaml with
// `release.strategy: abTest` (a header cohort), the Argo Rollouts controller built from its Go
// module, real pods. The controller writes the cohort's route into the VirtualService and scales
// one candidate pod; the gate runs the suite against the candidate and compares the candidate's
// answers with stable's side by side (through loopback relays to the canary and stable Services,
// which the controller narrows to one version each), then promotes or aborts. No Istio data plane
// runs here: the cohort route is what the controller wrote, read back, not traffic routed by a
// proxy; the comparison's requests reach each version through its Service.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { APP, ProgressiveNode, STACK, type Json } from "./nodeProgressive";

const CANARY = `${APP}-canary`;
const STABLE = `${APP}-stable`;
const COHORT = "ab-cohort(x-cohort=b)->canary";

describe("e2e on the real node: an A/B cohort routed to the candidate, compared with stable, then promoted or aborted by the gate (Argo Rollouts)", function () {
  this.timeout(900_000);
  const e = new ProgressiveNode();
  const report = (): Json => JSON.parse(fs.readFileSync(path.join(e.ws!.dir, "reports", STACK, "verification-results.json"), "utf8"));

  before(async function () {
    this.timeout(900_000);
    const why = await e.setup("abtest", CANARY, (url, more) => ({
      strategy: "abTest",
      analysisIntervalSeconds: 10,
      // 20 s: the 503 variant's /health turns 503 20 s after start, inside the window.
      abTest: { cohort: { header: { name: "x-cohort", value: "b" } }, intervals: 2, verifyBaseUrl: url, stableBaseUrl: more[STABLE] },
    }), [STABLE]);
    if (why) {
      console.log(`      SKIPPED (e2e node abTest): ${why}`);
      this.skip();
    }
  });
  after(async function () {
    this.timeout(300_000);
    await e.teardown();
  });

  it("the first release goes straight to stable: no cohort, nothing to compare", async () => {
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK]);
    console.log(`      first release (2.0.0): pulumi up ${r.ms} ms`);
    assert.match(r.stdout + r.stderr, /no step to promote/);
    assert.equal((await e.rollout()).phase, "Healthy");
    assert.equal(await e.routes(), "app->stable");
  });

  it("a healthy candidate: the cohort route appears, one candidate pod serves it, the comparison passes, and promotion removes the route", async () => {
    const old = (await e.rollout()).stableRS;
    const watch = e.sample(async () => `${await e.routes()} | canary=${await e.serviceHash(CANARY)} stable=${await e.serviceHash(STABLE)}`);
    e.setTag("2.1.0");
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK]);
    const seen = await watch.stop();
    const text = r.stdout + r.stderr;
    const st = await e.rollout();
    console.log(`      2.1.0 abTest: pulumi up ${r.ms} ms; seen: ${seen.join(" -> ")}`);
    assert.notEqual(st.stableRS, old, "promoted");
    assert.ok(seen.some((x) => x.startsWith(`${COHORT} app->stable | canary=${st.stableRS} stable=${old}`)), "the cohort route to the candidate, with the canary Service on the candidate and the stable Service on stable");
    assert.equal(await e.routes(), "app->stable", "promotion removed the cohort route");
    const row = (report().checks as Json[]).find((c) => c.name === "ab-cohort");
    console.log(`      comparison: ${row.message}`);
    assert.equal(row.status, "passed");
    assert.ok(row.measurements.cohort.requests >= 10 && row.measurements.stable.requests >= 10, JSON.stringify(row.measurements));
    assert.match(text, /abTest: cohort compared: cohort 0\.0% \(0\/\d+\) errors/);
    assert.equal((await e.ws!.outputs(STACK)).verification.verifiedImage, `${e.images!.repository}:2.1.0`);
  });

  it("a candidate whose /health turns 503 is aborted: the cohort is sent back to stable and stable's pods are untouched", async () => {
    const before = await e.rollout();
    const stablePods = await e.podsOf(before.stableRS);
    const watch = e.sample(() => e.routes());
    e.setTag("2.1.0-503");
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK], 1);
    const seen = await watch.stop();
    const text = r.stdout + r.stderr;
    console.log(`      2.1.0-503 abTest: pulumi up ${r.ms} ms; ${(text.match(/abTest aborted at the A\/B cohort \([^)]*\): [^;]*/) ?? ["(no abort line)"])[0]}; routes seen: ${seen.join(" -> ")}`);
    const row = (report().checks as Json[]).find((c) => c.name === "ab-cohort");
    if (row) console.log(`      comparison (${row.status}): ${row.message}`);
    assert.match(text, /abTest aborted at the A\/B cohort \(header x-cohort: b; 0% of other users\)/);
    assert.ok(seen.includes(`${COHORT} app->stable`), "the cohort was routed to the candidate");
    await new Promise((res) => setTimeout(res, 3_000));
    assert.equal(await e.routes(), "app->stable", "after the abort the cohort has no route of its own");
    const st = await e.rollout();
    assert.equal(st.abort, true);
    assert.equal(st.stableRS, before.stableRS);
    assert.deepEqual(await e.podsOf(before.stableRS), stablePods, "stable's pods were never restarted or replaced");
  });
});
