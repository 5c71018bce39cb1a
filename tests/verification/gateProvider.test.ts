// The gate's provider, serialized exactly as `pulumi.dynamic.Resource` serializes it and run in
// Pulumi's own dynamic provider host (a fresh Node process) over gRPC, against the real fixture
// service. Only the engine is absent; tests/integration runs the gate under the real engine too.
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { DynamicHost, initFailure } from "../fixtures/dynamicHost";
import { gateInputs, gateUrn, reportDir, useGateHarness } from "../fixtures/gateHarness";

const URN = gateUrn();
const CANARY_TOKEN = "canary-token-7f3a9c2e";
const CANARY_PASSWORD = "canary-pw-51d0b8e4";

describe("verification gate in Pulumi's dynamic provider host (serialized, over gRPC)", function () {
  this.timeout(120_000);
  const h = useGateHarness();
  /** Health, api (with a canary bearer token) and availability against the fixture; `configOver` replaces config fields. */
  const inputs = (over: Record<string, unknown> = {}, configOver: Record<string, unknown> = {}) =>
    gateInputs(h.text, {
      baseUrl: h.fixture.url,
      deadlineSeconds: 30,
      reportDir: reportDir(),
      checks: [
        { name: "health", type: "health", timeoutSeconds: 2 },
        { name: "api", type: "api", timeoutSeconds: 2, endpoints: [{ method: "GET", path: "/api/v1/status", headers: { authorization: `Bearer ${CANARY_TOKEN}` }, expectStatus: 200 }] },
        { name: "availability", type: "availability", requests: 20, minSuccessRate: 0.95, timeoutSeconds: 5 },
      ],
      ...configOver,
    }, over);

  it("serializes small, capturing no module, client or secret", () => {
    assert.ok(h.text.length < 6000, `serialized provider is ${h.text.length} bytes`);
    assert.match(h.text, /loadGateImpl/);
    assert.match(h.text, /needsVerification/, "diff is answered without loading the suite");
    assert.doesNotMatch(h.text, /canary|password|BEGIN CERTIFICATE/i);
  });

  it("check rejects a bad verification config naming the field, before anything runs", async () => {
    const bad = inputs({}, { checks: [{ name: "h", type: "health", timeoutSeconds: -1 }] });
    const res = await h.host.check(URN, {}, bad);
    assert.ifError(res.error);
    assert.deepEqual(res.result!.failures, [{ property: "verification.checks[0].timeoutSeconds", reason: "verification.checks[0].timeoutSeconds: must be > 0" }]);
    assert.equal(h.fixture.requestCount(), 0);
  });

  it("create on a healthy target passes and stores a summary, not the config", async () => {
    const res = await h.host.create(URN, inputs());
    assert.ifError(res.error);
    const outs = res.result!.outs;
    assert.equal(outs.verdict, "passed");
    assert.equal(outs.passed, 3);
    assert.equal(outs.failed, 0);
    assert.equal(outs.verifiedImage, "ghcr.io/acv2/app:1.0.0");
    assert.match(outs.reportDigest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(outs.config, undefined);
    const report = JSON.parse(readFileSync(outs.reportPath, "utf8"));
    assert.equal(report.status, "passed");
    assert.ok(h.fixture.requestCount() >= 22, `fixture saw ${h.fixture.requestCount()} requests`);
    assert.ok(!JSON.stringify(outs).includes(CANARY_TOKEN));
  });

  it("create on a broken target fails with the table of checks that did not pass (fault 13: no canary anywhere)", async () => {
    h.fixture.knobs.healthStatus = 500;
    h.fixture.knobs.errorRate = 1;
    const cfg = {
      checks: [
        { name: "health", type: "health", timeoutSeconds: 2 },
        { name: "db", type: "database", timeoutSeconds: 2, url: `postgres://acv2:${CANARY_PASSWORD}@127.0.0.1:1/acv2` },
        { name: "api", type: "api", timeoutSeconds: 2, endpoints: [{ method: "GET", path: "/api/v1/status", headers: { authorization: `Bearer ${CANARY_TOKEN}` }, expectStatus: 200 }] },
      ],
    };
    const res = await h.host.create(URN, inputs({}, cfg));
    assert.ok(res.error, "create must fail");
    const msg = res.error!.details ?? res.error!.message;
    assert.match(msg, /verification failed: 3 blocking check\(s\) did not pass \(of 3\)/);
    assert.match(msg, /health\s+health\s+FAILED/);
    assert.match(msg, /db\s+database\s+FAILED/);
    assert.match(msg, /full report: \//);
    for (const canary of [CANARY_PASSWORD, CANARY_TOKEN]) {
      assert.ok(!msg.includes(canary), "error message leaks a canary");
      assert.ok(!h.host.output.stderr.includes(canary), "provider host stderr leaks a canary");
    }
    const reportPath = /full report: (\S+)/.exec(msg)![1];
    const report = readFileSync(reportPath, "utf8");
    assert.ok(!report.includes(CANARY_PASSWORD) && !report.includes(CANARY_TOKEN), "report leaks a canary");
  });

  it("diff: unchanged does not verify again, a new image does (fault 15)", async () => {
    const created = await h.host.create(URN, inputs());
    assert.ifError(created.error);
    const olds = created.result!.outs;
    const same = await h.host.diff(URN, created.result!.id, olds, inputs());
    assert.equal(same.result!.changes, "none");
    const newImage = await h.host.diff(URN, created.result!.id, olds, inputs({ imageRef: "ghcr.io/acv2/app:1.0.1" }));
    assert.equal(newImage.result!.changes, "some");
    const newSpec = await h.host.diff(URN, created.result!.id, olds, inputs({ specHash: "s2" }));
    assert.equal(newSpec.result!.changes, "some");
  });

  it("diff: a change to what serves traffic (Service, Istio objects, NetworkPolicy, HPA) verifies again (point 7)", async () => {
    const created = await h.host.create(URN, inputs({ servingHash: "serving-1" }));
    assert.ifError(created.error);
    const olds = created.result!.outs;
    assert.equal(olds.servingHash, "serving-1", "stored as a trigger");
    assert.equal((await h.host.diff(URN, created.result!.id, olds, inputs({ servingHash: "serving-1" }))).result!.changes, "none");
    assert.equal((await h.host.diff(URN, created.result!.id, olds, inputs({ servingHash: "serving-2" }))).result!.changes, "some");
  });

  it("update verifies the new release and fails it when broken; the failure's record keeps the last verified release (fault 14)", async () => {
    const created = await h.host.create(URN, inputs());
    const olds = created.result!.outs;
    h.fixture.knobs.healthStatus = 503;
    const failed = await h.host.update(URN, created.result!.id, olds, inputs({ imageRef: "ghcr.io/acv2/app:2.0.0" }));
    assert.ok(failed.error, "update of a broken release must fail");
    // The engine stores the failure's record (partial state): no pass, the old verified image.
    const record = initFailure(failed.error)!.properties;
    assert.equal(record.verdict, "failed");
    assert.equal(record.verifiedImage, "ghcr.io/acv2/app:1.0.0");
    assert.deepEqual(record.failedImages, ["ghcr.io/acv2/app:2.0.0"]);
    const again = await h.host.diff(URN, created.result!.id, record, inputs({ imageRef: "ghcr.io/acv2/app:2.0.0" }));
    assert.equal(again.result!.changes, "some", "a failed run is verified again");
    // onFailure: fail left 2.0.0 running, so re-checking it once fixed needs no opt-in.
    h.fixture.knobs.healthStatus = 200;
    const fixed = await h.host.update(URN, created.result!.id, record, inputs({ imageRef: "ghcr.io/acv2/app:2.0.0" }));
    assert.ifError(fixed.error);
    assert.equal(fixed.result!.outs.verifiedImage, "ghcr.io/acv2/app:2.0.0");
    assert.deepEqual(fixed.result!.outs.failedImages, []);
  });

  it("an interrupted verification leaves no pass behind; the next run verifies again (fault 14)", async () => {
    h.fixture.knobs.hang = true;
    const victim = await DynamicHost.start();
    const pending = victim.create(URN, inputs({}, { checks: [{ name: "health", type: "health", timeoutSeconds: 20 }] }));
    await new Promise((r) => setTimeout(r, 1500));
    victim.kill();
    const res = await pending;
    assert.ok(res.error, "the interrupted create must not report success");
    await victim.stop();
    h.fixture.knobs.hang = false;
    // Nothing was stored for the interrupted run, so the engine would call create again.
    const retry = await h.host.create(URN, inputs());
    assert.ifError(retry.error);
    assert.equal(retry.result!.outs.verdict, "passed");
  });
});
