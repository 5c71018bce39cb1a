// The rollout and rollback checks against a live control plane (scripts/start-k8s): the objects
// are made by the real deployment controller, scheduler and kwok, not recorded JSON, so the
// checks see what the apiserver really omits, defaults and annotates.
import { strict as assert } from "node:assert";
import { childSignal, timeoutReason } from "../../verification/abort";
import { definition as rollback } from "../../verification/checks/rollback";
import { definition as rollout } from "../../verification/checks/rollout";
import { checkSchema, type CheckConfigOf } from "../../verification/schema";
import type { AttemptOutcome } from "../../verification/types";
import { appDeployment, clusterOrSkip, deleteNamespace, freshNamespace, setImage, waitFor, waitRolledOut, type Cluster } from "./cluster";

describe("e2e: rollout and rollback checks on a live control plane", function () {
  this.timeout(120_000);
  let c: Cluster | undefined;
  let ns: string | undefined;

  before(async function () {
    this.timeout(300_000);
    c = await clusterOrSkip(this);
    ns = await freshNamespace(c, "acv2-e2e-checks");
  });
  after(() => deleteNamespace(c, ns));

  async function run(type: "rollout" | "rollback", deployment: string): Promise<AttemptOutcome> {
    const config = checkSchema.parse({ name: type, type, namespace: ns, deployment, kubeconfig: c!.kubeconfig }) as CheckConfigOf<typeof type>;
    const child = childSignal(undefined, 10_000, () => timeoutReason(10_000));
    try {
      return await (type === "rollout" ? rollout.attempt(config as CheckConfigOf<"rollout">, { signal: child.signal, timeoutMs: 10_000 }) : rollback.attempt(config as CheckConfigOf<"rollback">, { signal: child.signal, timeoutMs: 10_000 }));
    } finally {
      child.dispose();
    }
  }

  it("first revision: rollout PASSED, rollback INCONCLUSIVE (nothing to go back to)", async () => {
    await c!.apps.createNamespacedDeployment({ namespace: ns!, body: appDeployment({ namespace: ns!, name: "web", image: "registry.example/web:1.0.0" }) });
    await waitRolledOut(c!, ns!, "web");
    const out = await run("rollout", "web");
    assert.equal(out.status, "passed", out.message);
    assert.equal(out.message, `${ns}/web rolled out: 2/2 available at generation 1, revision 1`);
    const rb = await run("rollback", "web");
    assert.equal(rb.status, "inconclusive", rb.message);
    assert.equal(rb.message, `no previous revision to roll back to (${ns}/web is at revision 1, the only distinct template)`);
  });

  it("second revision: rollout PASSED at revision 2, rollback PASSED naming the real previous ReplicaSet", async () => {
    await setImage(c!, ns!, "web", "registry.example/web:1.1.0");
    await waitRolledOut(c!, ns!, "web");
    const out = await run("rollout", "web");
    assert.equal(out.status, "passed", out.message);
    assert.equal(out.message, `${ns}/web rolled out: 2/2 available at generation 2, revision 2`);
    const sets = (await c!.apps.listNamespacedReplicaSet({ namespace: ns!, labelSelector: "app=web" })).items;
    const rev1 = sets.find((rs) => rs.metadata?.annotations?.["deployment.kubernetes.io/revision"] === "1");
    assert.ok(rev1, "the controller keeps revision 1's ReplicaSet");
    const rb = await run("rollback", "web");
    assert.equal(rb.status, "passed", rb.message);
    assert.equal(rb.message, `${ns}/web can roll back from revision 2 to 1 (${rev1!.metadata!.name}); revisionHistoryLimit 5`);
    const m = rb.measurements as Record<string, unknown>;
    assert.deepEqual(m.previousImages, ["registry.example/web:1.0.0"]);
    assert.deepEqual(m.currentImages, ["registry.example/web:1.1.0"]);
  });

  it("a paused rollout is FAILED as incomplete: the controller observed the change but updated nothing", async () => {
    await c!.apps.createNamespacedDeployment({ namespace: ns!, body: appDeployment({ namespace: ns!, name: "paused", image: "registry.example/web:1.0.0", replicas: 1 }) });
    await waitRolledOut(c!, ns!, "paused");
    const d = await c!.apps.readNamespacedDeployment({ namespace: ns!, name: "paused" });
    d.spec!.paused = true;
    d.spec!.template.spec!.containers[0].image = "registry.example/web:2.0.0";
    await c!.apps.replaceNamespacedDeployment({ namespace: ns!, name: "paused", body: d });
    await waitFor("controller observes the paused generation", 30_000, async () => {
      const now = await c!.apps.readNamespacedDeployment({ namespace: ns!, name: "paused" });
      return (now.status?.observedGeneration ?? 0) >= (now.metadata?.generation ?? 1);
    });
    const out = await run("rollout", "paused");
    assert.equal(out.status, "failed", out.message);
    // The old ReplicaSet's pod still runs and counts in status.replicas, but none is updated.
    assert.equal(out.message, `${ns}/paused rollout incomplete: updated 0/1, 1 old replicas pending termination`);
  });

  it("pods that can never be scheduled end in ProgressDeadlineExceeded: FAILED as stuck", async () => {
    await c!.apps.createNamespacedDeployment({
      namespace: ns!,
      body: appDeployment({ namespace: ns!, name: "stuck", image: "registry.example/web:1.0.0", replicas: 1, progressDeadlineSeconds: 2, podSpec: { nodeSelector: { "acv2.example/no-such-node": "true" } } }),
    });
    await waitFor("ProgressDeadlineExceeded", 60_000, async () => {
      const now = await c!.apps.readNamespacedDeployment({ namespace: ns!, name: "stuck" });
      return (now.status?.conditions ?? []).some((x) => x.reason === "ProgressDeadlineExceeded");
    }, 500);
    const out = await run("rollout", "stuck");
    assert.equal(out.status, "failed", out.message);
    assert.equal(out.message, `${ns}/stuck rollout stuck: ProgressDeadlineExceeded (updated 1/1, available 0/1)`);
  });

  it("revisionHistoryLimit 0 keeps no old ReplicaSet: rollback FAILED", async () => {
    await c!.apps.createNamespacedDeployment({ namespace: ns!, body: appDeployment({ namespace: ns!, name: "nohistory", image: "registry.example/web:1.0.0", replicas: 1, revisionHistoryLimit: 0 }) });
    await waitRolledOut(c!, ns!, "nohistory");
    await setImage(c!, ns!, "nohistory", "registry.example/web:1.1.0");
    await waitRolledOut(c!, ns!, "nohistory");
    const rb = await run("rollback", "nohistory");
    assert.equal(rb.status, "failed", rb.message);
    assert.equal(rb.message, `${ns}/nohistory has revisionHistoryLimit 0: no old ReplicaSet is kept to roll back to`);
  });

  it("a Deployment that does not exist is FAILED as not found (the apiserver's own 404)", async () => {
    const out = await run("rollout", "no-such-app");
    assert.equal(out.status, "failed");
    assert.equal(out.message, `deployment ${ns}/no-such-app: not found (404)`);
  });
});
