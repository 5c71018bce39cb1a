// onFailure: rollback against a live control plane (scripts/start-k8s). A good release, then a
// "broken" one (kwok runs any image, so broken means the verification fails: the fixture service
// answers 503), then the gate's rollback: the Deployment must be back on the first revision's
// template, served by the first revision's own ReplicaSet (same pod-template-hash), and the
// broken ReplicaSet scaled to zero. The time from failure to rollback accepted is printed.
import { strict as assert } from "node:assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { V1ReplicaSet } from "@kubernetes/client-node";
import { rollbackDeployment } from "../../components/gate/rollback";
import { DynamicHost, startGateHarness, stopGateHarness } from "../fixtures/dynamicHost";
import type { Fixture } from "../fixtures/fixtureService";
import { appDeployment, clusterOrSkip, deleteNamespace, freshNamespace, ROOT, setImage, waitRolledOut, type Cluster } from "./cluster";

const GOOD = "registry.example/agent-cellphone-v2:1.2.0";
const BROKEN = "registry.example/agent-cellphone-v2:1.3.0-broken";
const REVISION = "deployment.kubernetes.io/revision";

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

async function releaseTwice(c: Cluster, namespace: string, name: string): Promise<{ good: V1ReplicaSet; broken: V1ReplicaSet }> {
  await c.apps.createNamespacedDeployment({ namespace, body: appDeployment({ namespace, name, image: GOOD, replicas: 2 }) });
  await waitRolledOut(c, namespace, name);
  await setImage(c, namespace, name, BROKEN);
  await waitRolledOut(c, namespace, name);
  const sets = (await c.apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${name}` })).items;
  const byImage = (img: string) => sets.find((rs) => rs.spec?.template?.spec?.containers[0].image === img)!;
  return { good: byImage(GOOD), broken: byImage(BROKEN) };
}

async function assertBackOnGood(c: Cluster, namespace: string, name: string, good: V1ReplicaSet): Promise<void> {
  const d = await c.apps.readNamespacedDeployment({ namespace, name });
  assert.equal(d.spec?.template.spec?.containers[0].image, GOOD);
  assert.equal(d.spec?.template.metadata?.labels?.["pod-template-hash"], undefined, "the ReplicaSet's hash label must not be copied");
  // `kubectl rollout undo` semantics: the old ReplicaSet is reused and becomes revision 3.
  assert.equal(d.metadata?.annotations?.[REVISION], "3");
  const sets = (await c.apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${name}` })).items;
  const live = sets.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
  assert.deepEqual(live.map((rs) => rs.metadata?.name), [good.metadata?.name], "only the first revision's ReplicaSet runs pods");
  assert.equal(live[0].metadata?.annotations?.[REVISION], "3");
  assert.equal(live[0].status?.availableReplicas, 2);
  assert.equal(sets.length, 2, "no third ReplicaSet: the template matched the old one exactly");
}

describe("e2e: onFailure rollback on a live control plane", function () {
  this.timeout(180_000);
  let c: Cluster | undefined;
  let ns: string | undefined;

  before(async function () {
    this.timeout(300_000);
    c = await clusterOrSkip(this);
    ns = await freshNamespace(c, "acv2-e2e-rollback");
  });
  after(() => deleteNamespace(c, ns));

  it("rollbackDeployment puts the previous revision back and waits for its rollout", async () => {
    const { good, broken } = await releaseTwice(c!, ns!, "direct");
    assert.notEqual(good.metadata?.name, broken.metadata?.name);
    const failedAt = Date.now();
    const watch = watchAccepted(c!, ns!, "direct", GOOD, failedAt);
    const out = await rollbackDeployment({ namespace: ns!, deployment: "direct", kubeconfig: c!.kubeconfig, timeoutMs: 60_000, pollMs: 200 });
    const completedMs = Date.now() - failedAt;
    const acceptedMs = await watch.accepted;
    watch.stop();
    assert.equal(out.message, `rolled ${ns}/direct back from revision 2 to the template of revision 1; rollout complete`);
    assert.deepEqual([out.rolledBack, out.completed, out.fromRevision, out.toRevision], [true, true, 2, 1]);
    await assertBackOnGood(c!, ns!, "direct", good);
    console.log(`      rollback accepted ${acceptedMs} ms after the call, rollout complete after ${completedMs} ms`);
    assert.ok(acceptedMs < 10_000, `rollback accepted after ${acceptedMs} ms (goal < 10 s)`);
  });

  describe("through the serialized gate in Pulumi's dynamic provider host", () => {
    let fixture: Fixture;
    let host: DynamicHost;
    let text: string;
    before(async () => ({ fixture, host, text } = await startGateHarness()));
    after(() => stopGateHarness({ fixture, host }));

    function inputs(deployment: string, onFailure: "fail" | "rollback") {
      return {
        __provider: text,
        config: {
          baseUrl: fixture.url,
          reportDir: mkdtempSync(path.join(tmpdir(), "acv2-e2e-gate-")),
          checks: [
            { name: "health", type: "health", timeoutSeconds: 2 },
            { name: "rollout", type: "rollout", namespace: ns, deployment, kubeconfig: c!.kubeconfig },
            { name: "rollback", type: "rollback", namespace: ns, deployment, kubeconfig: c!.kubeconfig },
          ],
        },
        configHash: "c", imageRef: BROKEN, specHash: "s", alwaysRun: false, onFailure,
        target: { namespace: ns, deployment, kubeconfig: c!.kubeconfig },
        projectRoot: ROOT, stack: "e2e", plannedChecks: ["health (health)", "rollout (rollout)", "rollback (rollback)"],
      };
    }
    const URN = "urn:pulumi:e2e::agent-cellphone-v2::pulumi-nodejs:dynamic/verification:Verification::gate";

    it("a broken release fails the gate, which rolls the Deployment back and says so", async () => {
      const { good } = await releaseTwice(c!, ns!, "gated");
      fixture.knobs.healthStatus = 503;
      const failedAt = Date.now();
      const watch = watchAccepted(c!, ns!, "gated", GOOD, failedAt);
      const res = await host.create(URN, inputs("gated", "rollback"));
      const acceptedMs = await watch.accepted;
      watch.stop();
      assert.ok(res.error, "a failed verification must still fail the update");
      const msg = res.error!.details ?? res.error!.message;
      assert.match(msg, new RegExp(`rollback: rolled ${ns}/gated back from revision 2 to the template of revision 1; rollout complete`));
      // The live checks did run against the API and passed; only health failed.
      assert.match(msg, /health/);
      await assertBackOnGood(c!, ns!, "gated", good);
      console.log(`      gate: update started to rollback accepted ${acceptedMs} ms (includes the failing health check), update failed after ${Date.now() - failedAt} ms`);
      assert.ok(acceptedMs < 10_000, `rollback accepted after ${acceptedMs} ms (goal < 10 s)`);
    });

    it("with onFailure: fail the broken revision stays", async () => {
      await releaseTwice(c!, ns!, "kept");
      fixture.knobs.healthStatus = 503;
      const res = await host.create(URN, inputs("kept", "fail"));
      assert.ok(res.error);
      const d = await c!.apps.readNamespacedDeployment({ namespace: ns!, name: "kept" });
      assert.equal(d.spec?.template.spec?.containers[0].image, BROKEN);
      assert.equal(d.metadata?.annotations?.[REVISION], "2");
    });
  });
});
