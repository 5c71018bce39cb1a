// onFailure: rollback through the serialized gate in Pulumi's dynamic provider host. There is
// no cluster here yet: the Kubernetes API is the recorded-API stand-in (tests/fixtures/kubeApi.ts)
// in writable mode, which plays the controller by marking a replaced Deployment rolled out.
// The real client-node talks HTTPS to it with a bearer token, as it would to an apiserver.
import { strict as assert } from "assert";
import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { previousReplicaSet } from "../../components/gate/rollback";
import { DynamicHost, startGateHarness, stopGateHarness } from "../fixtures/dynamicHost";
import type { Fixture } from "../fixtures/fixtureService";
import { recorded, startKubeApi, type KubeApiStandIn } from "../fixtures/kubeApi";

const ROOT = path.resolve(__dirname, "../..");
const URN = "urn:pulumi:test::agent-cellphone-v2::pulumi-nodejs:dynamic/verification:Verification::gate-run";
const KEY = "acv2-staging/agent-cellphone-v2";

describe("verification gate onFailure: rollback (recorded-API stand-in, no cluster yet)", function () {
  this.timeout(120_000);
  let fixture: Fixture;
  let api: KubeApiStandIn;
  let host: DynamicHost;
  let text: string;

  before(async () => ({ fixture, host, text } = await startGateHarness()));
  after(() => stopGateHarness({ fixture, host }));
  beforeEach(async () => {
    api = await startKubeApi(
      { deployments: { [KEY]: recorded("deployment-complete.json") }, replicaSets: recorded<{ items: any[] }>("replicasets-three-revisions.json").items },
      { writable: true },
    );
  });
  afterEach(() => api.close());

  function gateInputs(onFailure: "fail" | "rollback") {
    return {
      __provider: text,
      config: { baseUrl: fixture.url, reportDir: mkdtempSync(path.join(tmpdir(), "acv2-rb-")), checks: [{ name: "health", type: "health", timeoutSeconds: 2 }] },
      configHash: "c", imageRef: "ghcr.io/example/agent-cellphone-v2:1.3.0", specHash: "s", alwaysRun: false, onFailure,
      target: { namespace: "acv2-staging", deployment: "agent-cellphone-v2", kubeconfig: api.kubeconfigPath },
      projectRoot: ROOT, stack: "test", plannedChecks: ["health (health)"],
    };
  }

  it("picks the newest older revision owned by the Deployment", () => {
    const { current, previous } = previousReplicaSet(recorded("deployment-complete.json"), recorded<{ items: any[] }>("replicasets-three-revisions.json").items);
    assert.equal(current, 3);
    assert.equal(previous?.metadata?.name, "agent-cellphone-v2-84f6c7d9b5");
  });

  it("rolls the Deployment back to the previous revision's template, then fails the update saying so", async () => {
    fixture.knobs.healthStatus = 503;
    const started = Date.now();
    const res = await host.create(URN, gateInputs("rollback"));
    assert.ok(res.error, "a failed verification must still fail the update");
    const msg = res.error!.details ?? res.error!.message;
    assert.match(msg, /rollback: rolled acv2-staging\/agent-cellphone-v2 back from revision 3 to the template of revision 2; rollout complete/);
    const dep = api.state.deployments[KEY];
    assert.equal(dep.spec.template.spec.containers[0].image, "ghcr.io/example/agent-cellphone-v2:1.2.0");
    assert.equal(dep.spec.template.metadata.labels["pod-template-hash"], undefined, "the ReplicaSet's hash label must not be copied");
    const puts = api.requests.filter((r) => r.method === "PUT");
    assert.deepEqual(puts.map((r) => r.path), ["/apis/apps/v1/namespaces/acv2-staging/deployments/agent-cellphone-v2"]);
    console.log(`      failure to rollback accepted: ${Date.now() - started} ms (includes the failing health check)`);
  });

  it("with onFailure: fail it never writes to the API", async () => {
    fixture.knobs.healthStatus = 503;
    const res = await host.create(URN, gateInputs("fail"));
    assert.ok(res.error);
    assert.equal(api.requests.length, 0);
    assert.equal(api.state.deployments[KEY].spec.template.spec.containers[0].image, "ghcr.io/example/agent-cellphone-v2:1.3.0");
  });
});
