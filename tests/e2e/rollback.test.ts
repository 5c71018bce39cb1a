// onFailure: rollback against a live control plane (scripts/start-k8s), through the serialized
// gate in Pulumi's dynamic provider host; the real controller moves ReplicaSets and revisions.
// A good release passes and is recorded; a "broken" one (kwok runs any image, so broken means
// the verification fails: the fixture service answers 503) is rolled back to it. Fault 17: after
// that rollback the reused good ReplicaSet is the newest revision and the broken one is
// "previous": a second failing run must not resurrect it, and a second broken release goes back
// to the last VERIFIED release too. Each run hands the next the record the engine would store.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import type { V1ReplicaSet } from "@kubernetes/client-node";
import { rollbackToVerified } from "../../components/gate/rollback";
import { initFailure, type DynamicHost } from "../fixtures/dynamicHost";
import { gateInputs, reportDir, startGateHarness, stopGateHarness } from "../fixtures/gateHarness";
import type { Fixture } from "../fixtures/fixtureService";
import { appDeployment, clusterOrSkip, deleteNamespace, freshNamespace, setImage, waitRolledOut, type Cluster } from "./cluster";

const GOOD = "registry.example/agent-cellphone-v2:1.2.0";
const BROKEN = "registry.example/agent-cellphone-v2:1.3.0-broken";
const BROKEN2 = "registry.example/agent-cellphone-v2:1.4.0-broken";
const REVISION = "deployment.kubernetes.io/revision";
const URN = "urn:pulumi:e2e::agent-cellphone-v2::pulumi-nodejs:dynamic/verification:Verification::gate";

/** Resolves with the ms (since `since`) at which the Deployment's template is back on `image`. */
function watchAccepted(c: Cluster, namespace: string, name: string, image: string, since: number): { stop(): void; accepted: Promise<number> } {
  let stopped = false;
  const accepted = (async () => {
    while (!stopped) {
      const d = await c.apps.readNamespacedDeployment({ namespace, name });
      if (d.spec?.template.spec?.containers[0].image === image) return Date.now() - since;
      await new Promise((r) => setTimeout(r, 50));
    }
    return -1;
  })();
  return { stop: () => void (stopped = true), accepted };
}

async function replicaSets(c: Cluster, namespace: string, name: string): Promise<V1ReplicaSet[]> {
  return (await c.apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${name}` })).items;
}
const imageOf = (rs: V1ReplicaSet) => rs.spec?.template?.spec?.containers[0].image;

async function assertServing(c: Cluster, namespace: string, name: string, image: string): Promise<void> {
  const d = await c.apps.readNamespacedDeployment({ namespace, name });
  assert.equal(d.spec?.template.spec?.containers[0].image, image);
  assert.equal(d.spec?.template.metadata?.labels?.["pod-template-hash"], undefined, "the ReplicaSet's hash label must not be copied");
  const live = (await replicaSets(c, namespace, name)).filter((rs) => (rs.spec?.replicas ?? 0) > 0);
  assert.deepEqual(live.map(imageOf), [image], `only the ReplicaSet of ${image} runs pods`);
}

describe("e2e: onFailure rollback to the last verified release on a live control plane", function () {
  this.timeout(240_000);
  let c: Cluster | undefined;
  let ns: string | undefined;
  let fixture: Fixture;
  let host: DynamicHost;
  let text: string;
  let dir: string;

  before(async function () {
    this.timeout(300_000);
    c = await clusterOrSkip(this);
    ns = await freshNamespace(c, "acv2-e2e-rollback");
    ({ fixture, host, text } = await startGateHarness());
    dir = reportDir("acv2-e2e-gate-");
  });
  after(async () => {
    await stopGateHarness({ fixture, host });
    await deleteNamespace(c, ns);
  });
  beforeEach(() => fixture?.reset());

  function inputs(deployment: string, imageRef: string, onFailure: "fail" | "rollback") {
    const checks = [
      { name: "health", type: "health", timeoutSeconds: 15 },
      { name: "rollout", type: "rollout", namespace: ns, deployment, timeoutSeconds: 30 },
      { name: "rollback", type: "rollback", namespace: ns, deployment },
    ];
    return gateInputs(text, { baseUrl: fixture.url, onFailure, reportDir: dir, checks }, {
      configHash: "c", imageRef, specHash: `spec-${imageRef}`, onFailure, target: { namespace: ns, deployment, kubeconfig: c!.kubeconfig }, stack: "e2e",
    });
  }

  /** GOOD deployed and verified through the gate: returns the stored outputs (the record). */
  async function verifiedGood(name: string): Promise<Record<string, any>> {
    await c!.apps.createNamespacedDeployment({ namespace: ns!, body: appDeployment({ namespace: ns!, name, image: GOOD, replicas: 2 }) });
    await waitRolledOut(c!, ns!, name);
    const res = await host.create(URN, inputs(name, GOOD, "rollback"));
    assert.ifError(res.error);
    assert.equal(res.result!.outs.verifiedRelease.imageRef, GOOD);
    assert.match(res.result!.outs.verifiedRelease.podTemplateHash, /^[0-9a-f]+$/);
    return res.result!.outs;
  }

  /** Deploys `image` (as the Kubernetes provider would, before the gate runs) and runs the gate on it, failing. */
  async function failingRelease(name: string, olds: Record<string, any>, image: string) {
    await setImage(c!, ns!, name, image);
    fixture.knobs.healthStatus = 503;
    const since = Date.now();
    const watch = watchAccepted(c!, ns!, name, GOOD, since);
    const res = await host.update(URN, "verification-e2e", olds, inputs(name, image, "rollback"));
    const acceptedMs = await Promise.race([watch.accepted, new Promise<number>((r) => setTimeout(() => r(-1), 60_000))]);
    watch.stop();
    assert.ok(res.error, "a failed verification must still fail the update");
    return { msg: res.error!.details ?? res.error!.message, record: initFailure(res.error)!.properties, acceptedMs, totalMs: Date.now() - since };
  }

  it("a broken release is rolled back to the verified one, reusing its ReplicaSet", async () => {
    const olds = await verifiedGood("gated");
    const { msg, record, acceptedMs, totalMs } = await failingRelease("gated", olds, BROKEN);
    assert.match(msg, new RegExp(`rollback: rolled ${ns}/gated back from revision 2 to the last verified release ${GOOD.replace(/\./g, "\\.")} \\(ReplicaSet \\S+, revision 1\\); rollout complete`));
    await assertServing(c!, ns!, "gated", GOOD);
    const d = await c!.apps.readNamespacedDeployment({ namespace: ns!, name: "gated" });
    assert.equal(d.metadata?.annotations?.[REVISION], "3", "the good ReplicaSet is reused and becomes revision 3");
    assert.equal((await replicaSets(c!, ns!, "gated")).length, 2, "no third ReplicaSet: the template matched the old one exactly");
    assert.equal(record.rolledBack, true);
    console.log(`      gate: update started to rollback accepted ${acceptedMs} ms (includes the failing health check), update failed after ${totalMs} ms`);
    assert.ok(acceptedMs >= 0 && acceptedMs < 10_000, `rollback accepted after ${acceptedMs} ms (goal < 10 s)`);
  });

  it("fault 17: a second failing run never rolls back to the broken release, a second broken release goes back to the verified one", async () => {
    const olds = await verifiedGood("twice");
    const first = await failingRelease("twice", olds, BROKEN);
    await assertServing(c!, ns!, "twice", GOOD);
    // Now the broken ReplicaSet is "the previous revision" (2) and the good one the newest (3).
    const sets = await replicaSets(c!, ns!, "twice");
    assert.equal(sets.find((rs) => imageOf(rs) === BROKEN)?.metadata?.annotations?.[REVISION], "2");

    // Second failing run, unchanged (state still says BROKEN): refused, nothing touched.
    fixture.knobs.healthStatus = 503;
    const rerun = await host.update(URN, "verification-e2e", first.record, inputs("twice", BROKEN, "rollback"));
    assert.match(rerun.error!.details, /failed verification on this stack before and was rolled back/);
    await assertServing(c!, ns!, "twice", GOOD);

    // Second broken release: back to the last verified release, not to revision 2 or 3 by position.
    const second = await failingRelease("twice", initFailure(rerun.error)!.properties, BROKEN2);
    assert.match(second.msg, new RegExp(`to the last verified release ${GOOD.replace(/\./g, "\\.")}`));
    await assertServing(c!, ns!, "twice", GOOD);
    assert.deepEqual(second.record.failedImages, [BROKEN, BROKEN2]);
  });

  it("fault 18: a release whose pods never become ready (kwok stage: CrashLoopBackOff) fails the rollout check and is rolled back", async () => {
    const olds = await verifiedGood("stuck");
    const NEVER = "registry.example/agent-cellphone-v2:1.5.0-never-ready";
    await setImage(c!, ns!, "stuck", NEVER);
    const since = Date.now();
    const res = await host.update(URN, "verification-e2e", olds, { ...inputs("stuck", NEVER, "rollback"), config: { ...inputs("stuck", NEVER, "rollback").config, checks: [
      { name: "health", type: "health", timeoutSeconds: 15 },
      { name: "rollout", type: "rollout", namespace: ns, deployment: "stuck", timeoutSeconds: 15 },
    ] } });
    const msg = res.error!.details ?? res.error!.message;
    assert.match(msg, /rollout\s+rollout\s+FAILED\s+.*rollout cannot complete: CrashLoopBackOff/, "judged by the gate, not by a provider await");
    const report = JSON.parse(readFileSync(/full report: (\S+)/.exec(msg)![1], "utf8"));
    // The stage's CrashLoopBackOff ends the wait at once: no need to wait out the 15 s timeout.
    const rollout = report.checks.find((x: any) => x.name === "rollout");
    assert.match(rollout.message, /new pod stuck-\S+ container app; restarts 5/);
    assert.ok(rollout.durationMs < 10_000, `judged in ${rollout.durationMs} ms of a 15 s timeout`);
    assert.match(msg, new RegExp(`rollback: rolled ${ns}/stuck back .* to the last verified release ${GOOD.replace(/\./g, "\\.")}`));
    await waitRolledOut(c!, ns!, "stuck");
    await assertServing(c!, ns!, "stuck", GOOD);
    console.log(`      never-ready release: gate failed and rolled back after ${Date.now() - since} ms`);
  });

  it("with onFailure: fail the broken revision stays, and the error says the workload was left as is", async () => {
    const olds = await verifiedGood("kept");
    await setImage(c!, ns!, "kept", BROKEN);
    fixture.knobs.healthStatus = 503;
    const res = await host.update(URN, "verification-e2e", olds, inputs("kept", BROKEN, "fail"));
    assert.match(res.error!.details, /rollback: onFailure is fail: the workload was left as is/);
    const d = await c!.apps.readNamespacedDeployment({ namespace: ns!, name: "kept" });
    assert.equal(d.spec?.template.spec?.containers[0].image, BROKEN);
    assert.equal(d.metadata?.annotations?.[REVISION], "2");
  });

  it("a rollback whose Deployment changed after it was read (409 Conflict) reads it again and goes through; endless conflicts still fail", async () => {
    const olds = await verifiedGood("churn");
    await setImage(c!, ns!, "churn", BROKEN);
    await waitRolledOut(c!, ns!, "churn");
    // What the controller does to a Deployment whose pods crash: a write between the gate's read and its replace.
    let writes = 0;
    const touch = async () => {
      writes += 1;
      await c!.apps.patchNamespacedDeployment({ namespace: ns!, name: "churn", body: [{ op: "add", path: "/metadata/annotations/acv2-e2e~1touched", value: String(writes) }] });
    };
    let asked = 0;
    const out = await rollbackToVerified({
      namespace: ns!, deployment: "churn", kubeconfig: c!.kubeconfig, verified: olds.verifiedRelease, timeoutMs: 30_000,
      beforeReplace: async () => (asked++ === 0 ? touch() : undefined),
    });
    assert.equal(asked, 2, "read again after the conflict");
    assert.equal(out.rolledBack, true, out.message);
    assert.match(out.message, new RegExp(`^rolled ${ns}/churn back from revision 2 to the last verified release ${GOOD.replace(/\./g, "\\.")} `));
    await waitRolledOut(c!, ns!, "churn");
    await assertServing(c!, ns!, "churn", GOOD);
    // A Deployment that changes before every replace: the conflict surfaces after the retries. Called
    // right after the image change, before the controller has observed it (runsAlready must not
    // trust the stale revision annotation then).
    await setImage(c!, ns!, "churn", BROKEN2);
    const endless = await rollbackToVerified({ namespace: ns!, deployment: "churn", kubeconfig: c!.kubeconfig, verified: olds.verifiedRelease, timeoutMs: 30_000, beforeReplace: touch }).then(
      (o) => `resolved: ${o.message}`,
      (e: { code?: number; message?: string }) => (e.code === 409 ? "409" : `another error: ${e.message}`),
    );
    assert.equal(endless, "409");
  });

  it("rollbackToVerified refuses without a verified release", async () => {
    const out = await rollbackToVerified({ namespace: ns!, deployment: "kept", kubeconfig: c!.kubeconfig, timeoutMs: 10_000 });
    assert.equal(out.rolledBack, false);
    assert.match(out.message, /^refused: no release has passed verification on this stack/);
  });
});
