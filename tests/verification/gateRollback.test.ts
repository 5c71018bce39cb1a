// onFailure: rollback through the serialized gate in Pulumi's dynamic provider host, against the
// recorded-API stand-in (tests/fixtures/kubeApi.ts) in writable mode, which plays the controller
// by marking a replaced Deployment rolled out. The real client-node talks HTTPS to it with a
// bearer token, as it would to an apiserver. tests/e2e/rollback.test.ts does the same on the
// loopback control plane, where the real controller moves ReplicaSets and revisions.
import { strict as assert } from "assert";
import { runsAlready, verifiedReplicaSet } from "../../components/gate/rollback";
import { initFailure } from "../fixtures/dynamicHost";
import { gateUrn, useGateHarness, withoutConfig } from "../fixtures/gateHarness";
import { recorded } from "../fixtures/kubeApi";
import { IMG, KEY, liveImage as liveImageOf, releaseInputs, useReleaseApi, VERIFIED } from "../fixtures/releaseStandIn";

const URN = gateUrn();

describe("verification gate onFailure: rollback to the last verified release (recorded-API stand-in)", function () {
  this.timeout(120_000);
  const h = useGateHarness();
  const rel = useReleaseApi();

  const gateInputs = (over: Record<string, unknown> = {}, configOver: Record<string, unknown> = {}) =>
    releaseInputs(h, rel.api, [{ name: "health", type: "health", timeoutSeconds: 15 }], over, configOver);
  /** The record a passing run of 1.2.0 would have left... except 1.1.0 is the one that passed. */
  const olds = (over: Record<string, unknown> = {}) => ({ ...withoutConfig(gateInputs({ imageRef: IMG("1.2.0"), specHash: "s2" })), verdict: "failed", verifiedRelease: VERIFIED, failedImages: [IMG("1.2.0")], rolledBack: true, ...over });
  const liveImage = () => liveImageOf(rel.api);
  const puts = () => rel.api.requests.filter((r) => r.method === "PUT");

  it("finds the verified release's ReplicaSet by its pod-template-hash", () => {
    const rs = verifiedReplicaSet(recorded("deployment-complete.json"), recorded<{ items: any[] }>("replicasets-three-revisions.json").items, VERIFIED);
    assert.equal(rs?.metadata?.name, "agent-cellphone-v2-5b7c9d8e6f");
  });

  it("runs the target already only once the controller has observed the current generation (the revision annotation is stale before)", () => {
    const dep = recorded<any>("deployment-complete.json");
    const sets = recorded<{ items: any[] }>("replicasets-three-revisions.json").items;
    const current = sets.find((rs) => rs.metadata.annotations["deployment.kubernetes.io/revision"] === "3");
    assert.equal(runsAlready(dep, sets, current), true, "observed: revision 3 is what runs");
    // An image change just applied: generation 4, not yet observed; the annotation still says 3.
    const changed = { ...dep, metadata: { ...dep.metadata, generation: 4 } };
    assert.equal(runsAlready(changed, sets, current), false, "not observed: not known to run it, so the rollback goes on");
    assert.equal(runsAlready(dep, sets, sets[0]), false, "another ReplicaSet");
  });

  it("a failing new release goes back to the LAST VERIFIED release, not the previous revision (fault 17)", async () => {
    h.fixture.knobs.healthStatus = 503;
    const started = Date.now();
    const res = await h.host.update(URN, "verification-test", olds(), gateInputs());
    assert.ok(res.error, "a failed verification must still fail the update");
    const msg = res.error!.details ?? res.error!.message;
    assert.match(msg, /rollback: rolled acv2-staging\/agent-cellphone-v2 back from revision 3 to the last verified release ghcr\.io\/example\/agent-cellphone-v2:1\.1\.0 \(ReplicaSet agent-cellphone-v2-5b7c9d8e6f, revision 1\); rollout complete/);
    assert.equal(liveImage(), IMG("1.1.0"), "revision 2 (1.2.0) failed verification: it must never be the target");
    assert.equal(rel.api.state.deployments[KEY].spec.template.metadata.labels["pod-template-hash"], undefined, "the ReplicaSet's hash label must not be copied");
    assert.equal(puts().length, 1);
    // The failure leaves a record (partial state): the next run knows 1.3.0 failed and was rolled back.
    const rec = initFailure(res.error)!;
    assert.equal(rec.id, "verification-test");
    assert.equal(rec.properties.verdict, "failed");
    assert.deepEqual(rec.properties.verifiedRelease, VERIFIED);
    assert.deepEqual(rec.properties.failedImages, [IMG("1.2.0"), IMG("1.3.0")]);
    assert.equal(rec.properties.rolledBack, true);
    assert.equal(rec.properties.config, undefined, "the config (may hold secrets) is never stored");
    assert.equal(typeof rec.properties.__provider, "string", "the engine needs the provider to run the next operation");
    console.log(`      failure to rollback accepted: ${Date.now() - started} ms (includes the failing health check)`);
  });

  it("refuses to roll back when no release ever passed verification, and says so", async () => {
    h.fixture.knobs.healthStatus = 503;
    const res = await h.host.create(URN, gateInputs());
    const msg = res.error!.details ?? res.error!.message;
    assert.match(msg, /rollback: not rolled back: no release has passed verification on this stack yet, so there is nothing verified to return to; the workload was left as is/);
    assert.equal(puts().length, 0);
    assert.equal(liveImage(), IMG("1.3.0"));
  });

  it("refuses when the verified release's ReplicaSet is gone", async () => {
    h.fixture.knobs.healthStatus = 503;
    const res = await h.host.update(URN, "verification-test", olds({ verifiedRelease: { ...VERIFIED, podTemplateHash: "0000000000" } }), gateInputs());
    const msg = res.error!.details ?? res.error!.message;
    assert.match(msg, /rollback: refused: cannot return acv2-staging\/agent-cellphone-v2 to the last verified release ghcr\.io\/example\/agent-cellphone-v2:1\.1\.0: no ReplicaSet with pod-template-hash 0000000000 is left/);
    assert.equal(puts().length, 0);
  });

  for (const [what, news] of [
    ["a config-only change", { imageRef: IMG("1.3.0"), specHash: "s3", configHash: "c2" }],
    ["alwaysRun", { imageRef: IMG("1.3.0"), specHash: "s3", alwaysRun: true }],
  ] as const) {
    it(`a failure on ${what} fails the update without touching the workload, and says so`, async () => {
      h.fixture.knobs.healthStatus = 503;
      const passedOn130 = olds({ imageRef: IMG("1.3.0"), specHash: "s3", verdict: "passed", rolledBack: false, failedImages: [] });
      const res = await h.host.update(URN, "verification-test", passedOn130, gateInputs(news));
      const msg = res.error!.details ?? res.error!.message;
      assert.match(msg, /rollback: not rolled back: this run re-checked the release already deployed \(no new image or Deployment spec\); the workload was left as is/);
      assert.equal(rel.api.requests.filter((r) => r.method !== "GET").length, 0);
      assert.deepEqual(initFailure(res.error)!.properties.failedImages, [], "a re-check failure does not mark the image failed");
    });
  }

  it("with onFailure: fail it never writes to the API", async () => {
    h.fixture.knobs.healthStatus = 503;
    const res = await h.host.update(URN, "verification-test", olds(), gateInputs({ onFailure: "fail" }, { onFailure: "fail" }));
    assert.match(res.error!.details ?? "", /rollback: onFailure is fail: the workload was left as is/);
    assert.equal(rel.api.requests.filter((r) => r.method !== "GET").length, 0);
    assert.equal(liveImage(), IMG("1.3.0"));
  });

  it("a pass records the release (image and the live ReplicaSet's pod-template-hash) for the next rollback", async () => {
    const res = await h.host.update(URN, "verification-test", olds({ failedImages: [IMG("1.2.0")] }), gateInputs());
    assert.ifError(res.error);
    const outs = res.result!.outs;
    assert.equal(outs.verdict, "passed");
    assert.deepEqual({ ...outs.verifiedRelease, verifiedAt: undefined }, { imageRef: IMG("1.3.0"), podTemplateHash: "6d8f7b9c4f", revision: 3, verifiedAt: undefined });
    assert.deepEqual(outs.failedImages, [IMG("1.2.0")]);
    assert.equal(rel.api.requests.filter((r) => r.method !== "GET").length, 0);
  });
});
