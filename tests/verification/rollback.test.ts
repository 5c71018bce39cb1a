// Rollback-readiness check through the REAL @kubernetes/client-node client against the
// recorded-API stand-in (tests/fixtures/kubeApi.ts; apiserver-shaped JSON in
// tests/fixtures/kube-api/), until the real control-plane issue lands. The check must be
// read-only: every test asserts the stand-in saw nothing but GET requests.
import { strict as assert } from "node:assert";
import { canonical, definition, judgeRollback, templateKey } from "../../verification/checks/rollback";
import type { AttemptOutcome } from "../../verification/types";
import { attemptCheck, KUBE_TARGET, useKubeApi } from "../fixtures/checkAttempt";
import { recorded } from "../fixtures/kubeApi";

const KEY = "acv2-staging/agent-cellphone-v2";

describe("rollback check (real client-node, recorded-API stand-in)", function () {
  this.timeout(30_000);
  const k = useKubeApi({ readOnly: "the rollback check must never write to the API" });

  function attempt(): Promise<AttemptOutcome> {
    return attemptCheck(definition, "rollback", { name: "rb", ...KUBE_TARGET, kubeconfig: k.api.kubeconfigPath });
  }

  it("passes when an older owned revision with a different template exists", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-complete.json");
    k.api.state.replicaSets = recorded<{ items: Record<string, any>[] }>("replicasets-three-revisions.json").items;
    const out = await attempt();
    assert.equal(out.status, "passed", out.message);
    assert.equal(out.message, "acv2-staging/agent-cellphone-v2 can roll back from revision 3 to 2 (agent-cellphone-v2-84f6c7d9b5); revisionHistoryLimit 10");
    const m = out.measurements as Record<string, unknown>;
    assert.deepEqual(m.revisions, [3, 2, 1], "revision 9 belongs to another owner and is ignored");
    assert.equal(m.ignoredNotOwned, 1);
    assert.deepEqual(m.previousImages, ["ghcr.io/example/agent-cellphone-v2:1.2.0"]);
    assert.deepEqual(m.currentImages, ["ghcr.io/example/agent-cellphone-v2:1.3.0"]);
    // Only reads, and the list used the Deployment's own selector.
    assert.deepEqual(k.api.requests.map((r) => `${r.method} ${r.path}`), [
      "GET /apis/apps/v1/namespaces/acv2-staging/deployments/agent-cellphone-v2",
      "GET /apis/apps/v1/namespaces/acv2-staging/replicasets",
    ]);
    assert.equal(k.api.requests[1].query.labelSelector, "app.kubernetes.io/name=agent-cellphone-v2,app.kubernetes.io/instance=staging");
  });

  it("is INCONCLUSIVE on a first deployment with only one revision", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-first-revision.json");
    k.api.state.replicaSets = recorded<{ items: Record<string, any>[] }>("replicasets-one-revision.json").items;
    const out = await attempt();
    assert.equal(out.status, "inconclusive");
    assert.equal(out.message, "no previous revision to roll back to (acv2-staging/agent-cellphone-v2 is at revision 1, the only distinct template)");
  });

  it("fails when revisionHistoryLimit is 0, whatever ReplicaSets remain", async () => {
    const d = recorded("deployment-complete.json");
    d.spec.revisionHistoryLimit = 0;
    k.api.state.deployments[KEY] = d;
    k.api.state.replicaSets = recorded<{ items: Record<string, any>[] }>("replicasets-three-revisions.json").items;
    const out = await attempt();
    assert.equal(out.status, "failed");
    assert.equal(out.message, "acv2-staging/agent-cellphone-v2 has revisionHistoryLimit 0: no old ReplicaSet is kept to roll back to");
  });

  it("is ERROR when the Deployment cannot be read for lack of access", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-complete.json");
    const tokenWas = k.api.token;
    // A kubeconfig with a wrong token: the stand-in answers 401 like the apiserver.
    const fs = await import("node:fs");
    const text = fs.readFileSync(k.api.kubeconfigPath, "utf8");
    fs.writeFileSync(k.api.kubeconfigPath, text.replace(tokenWas, "wrong-token-0000"));
    try {
      const out = await attempt();
      assert.equal(out.status, "error");
      assert.equal(out.message, "deployment acv2-staging/agent-cellphone-v2: API access denied (401)");
    } finally {
      fs.writeFileSync(k.api.kubeconfigPath, text);
    }
  });
});

describe("rollback check: pure parts", () => {
  it("treats templates differing only by pod-template-hash or key order as the same revision", () => {
    const sets = recorded<{ items: Record<string, any>[] }>("replicasets-three-revisions.json").items;
    const a = sets[2].spec.template;
    const b = JSON.parse(JSON.stringify(a));
    b.metadata.labels["pod-template-hash"] = "0000000000";
    const reordered = Object.fromEntries(Object.entries(b.spec).reverse());
    assert.equal(templateKey(a), templateKey({ ...b, spec: reordered }));
    assert.notEqual(templateKey(a), templateKey(sets[1].spec.template));
    assert.equal(canonical({ b: 1, a: [2, { d: 1, c: null }] }), '{"a":[2,{"d":1}],"b":1}');
  });

  it("does not count an older ReplicaSet with an identical template as something to roll back to", () => {
    const d = recorded("deployment-complete.json");
    const sets = recorded<{ items: Record<string, any>[] }>("replicasets-three-revisions.json").items.slice(1, 3);
    sets[0].spec.template = JSON.parse(JSON.stringify(sets[1].spec.template));
    assert.equal(judgeRollback(d as never, sets as never).status, "inconclusive");
  });
});
