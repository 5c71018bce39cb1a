// Rollout check through the REAL @kubernetes/client-node client against a recorded-API stand-in
// (tests/fixtures/kubeApi.ts serving apiserver-shaped JSON from tests/fixtures/kube-api/ over
// HTTPS with a test CA), until the real control-plane issue lands. The kubeconfig is generated
// and points at 127.0.0.1.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { definition, judgeRollout } from "../../verification/checks/rollout";
import type { AttemptOutcome } from "../../verification/types";
import { attemptCheck } from "../fixtures/checkAttempt";
import { closedPort } from "../fixtures/closedPort";
import { kubeconfigYaml, recorded, startKubeApi, type KubeApiStandIn } from "../fixtures/kubeApi";

const KEY = "acv2-staging/agent-cellphone-v2";

function attempt(kubeconfig: string, deployment = "agent-cellphone-v2", timeoutMs = 10_000): Promise<AttemptOutcome> {
  return attemptCheck(definition, "rollout", { name: "rollout", namespace: "acv2-staging", deployment, kubeconfig }, timeoutMs);
}

describe("rollout check (real client-node, recorded-API stand-in)", function () {
  this.timeout(30_000);
  let api: KubeApiStandIn;
  let tmp: string;
  before(async () => {
    api = await startKubeApi();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-rollout-"));
  });
  after(async () => {
    await api.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    api.requests.length = 0;
  });

  it("passes a complete rollout and reports the numbers", async () => {
    api.state.deployments[KEY] = recorded("deployment-complete.json");
    const out = await attempt(api.kubeconfigPath);
    assert.equal(out.status, "passed", out.message);
    assert.equal(out.message, "acv2-staging/agent-cellphone-v2 rolled out: 3/3 available at generation 3, revision 3");
    const m = out.measurements as Record<string, unknown>;
    assert.equal(m.generation, 3);
    assert.equal(m.observedGeneration, 3);
    assert.equal(m.updatedReplicas, 3);
    assert.equal(m.availableReplicas, 3);
    assert.equal(m.credentials, "file");
    // The real client made the call, with the kubeconfig's token, as a read.
    assert.deepEqual(api.requests.map((r) => `${r.method} ${r.path}`), ["GET /apis/apps/v1/namespaces/acv2-staging/deployments/agent-cellphone-v2"]);
    assert.equal(api.requests[0].authorization, `Bearer ${api.token}`);
  });

  it("fails a rollout stuck on ProgressDeadlineExceeded", async () => {
    api.state.deployments[KEY] = recorded("deployment-progress-deadline-exceeded.json");
    const out = await attempt(api.kubeconfigPath);
    assert.equal(out.status, "failed");
    assert.equal(out.message, "acv2-staging/agent-cellphone-v2 rollout stuck: ProgressDeadlineExceeded (updated 1/3, available 3/3)");
    assert.equal((out.measurements as { conditions: Record<string, string> }).conditions.Progressing, "False (ProgressDeadlineExceeded)");
  });

  it("fails when replicas are updated but not available", async () => {
    api.state.deployments[KEY] = recorded("deployment-unavailable.json");
    const out = await attempt(api.kubeconfigPath);
    assert.equal(out.status, "failed");
    assert.equal(out.message, "acv2-staging/agent-cellphone-v2 rollout incomplete: available 1/3");
    assert.equal((out.measurements as Record<string, number>).unavailableReplicas, 2);
  });

  it("fails while the controller has not observed the latest generation", () => {
    const d = recorded("deployment-complete.json");
    d.metadata.generation = 4;
    const out = judgeRollout(d);
    assert.equal(out.status, "failed");
    assert.equal(out.message, "acv2-staging/agent-cellphone-v2 rollout incomplete: controller has not observed generation 4 (observed 3)");
  });

  it("fails while old replicas are still terminating", () => {
    const d = recorded("deployment-complete.json");
    d.status.replicas = 4;
    assert.match(judgeRollout(d).message, /1 old replicas pending termination$/);
  });

  it("fails a missing Deployment as not found (404 Status from the API)", async () => {
    const out = await attempt(api.kubeconfigPath, "no-such-app");
    assert.equal(out.status, "failed");
    assert.equal(out.message, "deployment acv2-staging/no-such-app: not found (404)");
  });

  it("is ERROR when the API server is down, naming the refusal and not the token", async () => {
    const port = await closedPort();
    const kubeconfig = path.join(tmp, "down.kubeconfig");
    fs.writeFileSync(kubeconfig, kubeconfigYaml(`https://127.0.0.1:${port}`, api.token, api.ca));
    const out = await attempt(kubeconfig);
    assert.equal(out.status, "error");
    assert.equal(out.message, `deployment acv2-staging/agent-cellphone-v2: Kubernetes API unreachable: connection refused (127.0.0.1:${port})`);
    assert.ok(!JSON.stringify(out).includes(api.token));
  });

  it("is ERROR within the attempt timeout when the API server accepts but never answers", async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as net.AddressInfo).port;
    const kubeconfig = path.join(tmp, "silent.kubeconfig");
    fs.writeFileSync(kubeconfig, kubeconfigYaml(`https://127.0.0.1:${port}`, api.token, api.ca));
    try {
      const t0 = Date.now();
      const out = await attempt(kubeconfig, "agent-cellphone-v2", 800);
      assert.equal(out.status, "error");
      assert.equal(out.message, "deployment acv2-staging/agent-cellphone-v2: timed out after 0.8s");
      assert.ok(Date.now() - t0 < 1500);
    } finally {
      silent.close();
    }
  });

  it("is ERROR when no credentials can be found", async () => {
    const out = await attempt("/nonexistent/kubeconfig");
    assert.equal(out.status, "error");
    assert.equal(out.message, "kubeconfig could not be loaded (ENOENT)");
  });
});
