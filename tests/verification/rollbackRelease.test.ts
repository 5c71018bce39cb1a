// The rollback check with the gate's release record (rollbackDefinition): first release, the last
// verified release as the only usable target. Real client-node against the recorded-API stand-in;
// read-only like the registry's check (every test asserts only GETs were sent).
import { strict as assert } from "node:assert";
import { judgeRollback, rollbackDefinition, type ReleaseContext } from "../../verification/checks/rollback";
import type { AttemptOutcome } from "../../verification/types";
import { attemptCheck, KUBE_TARGET, useKubeApi } from "../fixtures/checkAttempt";
import { recorded } from "../fixtures/kubeApi";

const KEY = "acv2-staging/agent-cellphone-v2";
const three = () => recorded<{ items: Record<string, any>[] }>("replicasets-three-revisions.json").items;
const one = () => recorded<{ items: Record<string, any>[] }>("replicasets-one-revision.json").items;

describe("rollback check with the gate's release record (point 3: first release; point 4: verified target)", function () {
  this.timeout(30_000);
  const k = useKubeApi({ readOnly: "read-only" });

  function attempt(release: ReleaseContext): Promise<AttemptOutcome> {
    return attemptCheck(rollbackDefinition(release), "rollback", { name: "rb", ...KUBE_TARGET, kubeconfig: k.api.kubeconfigPath });
  }

  it("first release (nothing verified yet, one revision): PASSED, saying there is nothing to roll back to yet", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-first-revision.json");
    k.api.state.replicaSets = one();
    const out = await attempt({ firstRelease: true });
    assert.equal(out.status, "passed", out.message);
    assert.equal(out.message, "first release of acv2-staging/agent-cellphone-v2: nothing to roll back to yet (revision 1 is the only distinct template); revisionHistoryLimit 10 keeps this one for the next release");
    assert.equal((out.measurements as Record<string, unknown>).firstRelease, true);
  });

  it("a later release with no previous revision is still not a pass (INCONCLUSIVE blocks)", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-first-revision.json");
    k.api.state.replicaSets = one();
    const out = await attempt({ firstRelease: false });
    assert.equal(out.status, "inconclusive");
    assert.match(out.message, /^no previous revision to roll back to/);
  });

  it("revisionHistoryLimit 0 fails even on a first release", async () => {
    const d = recorded("deployment-first-revision.json");
    d.spec.revisionHistoryLimit = 0;
    k.api.state.deployments[KEY] = d;
    k.api.state.replicaSets = one();
    const out = await attempt({ firstRelease: true });
    assert.equal(out.status, "failed");
    assert.match(out.message, /revisionHistoryLimit 0/);
  });

  it("with a verified release recorded, only its ReplicaSet counts: present -> PASSED naming it", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-complete.json");
    k.api.state.replicaSets = three();
    const out = await attempt({ firstRelease: false, verifiedPodTemplateHash: "5b7c9d8e6f", verifiedImage: "ghcr.io/example/agent-cellphone-v2:1.1.0" });
    assert.equal(out.status, "passed", out.message);
    assert.equal(out.message, "acv2-staging/agent-cellphone-v2 can roll back from revision 3 to the last verified release (agent-cellphone-v2-5b7c9d8e6f, revision 1); revisionHistoryLimit 10");
  });

  it("the verified release's ReplicaSet gone -> FAILED 'no usable previous revision', even though older revisions exist", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-complete.json");
    k.api.state.replicaSets = three().filter((rs) => rs.metadata.labels["pod-template-hash"] !== "5b7c9d8e6f");
    const out = await attempt({ firstRelease: false, verifiedPodTemplateHash: "5b7c9d8e6f", verifiedImage: "ghcr.io/example/agent-cellphone-v2:1.1.0" });
    assert.equal(out.status, "failed");
    assert.match(out.message, /has no usable previous revision: the ReplicaSet of the last verified release \(ghcr\.io\/example\/agent-cellphone-v2:1\.1\.0, pod-template-hash 5b7c9d8e6f\) is gone/);
  });

  it("re-checking the verified release itself passes", () => {
    const out = judgeRollback(recorded("deployment-complete.json") as never, three() as never, { firstRelease: false, verifiedPodTemplateHash: "6d8f7b9c4f", verifiedImage: "v1.3.0" });
    assert.equal(out.status, "passed");
    assert.match(out.message, /runs the last verified release \(v1\.3\.0, revision 3\)/);
  });
});
