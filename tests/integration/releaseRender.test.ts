// A canary release through the real engine (CLI, language host, Kubernetes provider in render
// mode, the gate in the dynamic provider host against the fixture service): `pulumi preview`
// prints the release plan, and `pulumi up` renders a schema-valid Rollout, AnalysisTemplates and
// the split route. Nothing here is mocked; no cluster and no controller are involved.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { schemaError } from "../unit/harness/validate";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { readRendered, Workspace } from "./engine";

/** Each rendered manifest's upstream-schema error, if any. */
async function schemaErrors(manifests: Array<Record<string, any>>): Promise<string[]> {
  const errors: string[] = [];
  for (const m of manifests) {
    const e = await schemaError(m as { apiVersion: string; kind: string });
    if (e) errors.push(`${m.kind}/${m.metadata?.name}: ${e}`);
  }
  return errors;
}

describe("real Pulumi engine: the dev stack with release.strategy canary, then abTest (render mode)", function () {
  this.timeout(900_000);
  let fixture: Fixture;
  let ws: Workspace;
  const stack = "dev";

  before(async () => {
    fixture = await startFixture();
    ws = new Workspace("release");
    // The committed dev stack's salt belongs to another passphrase: this copy gets its own.
    const file = path.join(ws.dir, `Pulumi.${stack}.yaml`);
    const doc = YAML.parse(fs.readFileSync(file, "utf8"));
    delete doc.encryptionsalt;
    fs.writeFileSync(file, YAML.stringify(doc));
    ws.editStack(stack, (c) => {
      c.kubernetes = { renderYamlToDirectory: path.join(ws.dir, "rendered", stack) };
      c.verification = { baseUrl: fixture.url, deadlineSeconds: 60, checks: [{ name: "health", type: "health", timeoutSeconds: 3 }] };
      c.release = { strategy: "canary", canary: { steps: [{ setWeight: 25, pauseSeconds: 120 }] } };
    });
    await ws.initStack(stack);
  });
  after(async () => {
    await fixture?.close();
    if (ws && !process.env.ACV2_KEEP_WORKSPACE) ws.remove();
  });

  it("preview prints the plan: strategy, each step with its checks", async () => {
    const r = await ws.must(["preview", "--diff", "--stack", stack]);
    assert.match(r.stdout, /strategy canary: an Argo Rollout shifts the route's traffic in 2 steps/);
    assert.match(r.stdout, /step 1: 25% to the new version, watched 120 s, then checks at the verification baseUrl \(both versions answer\): health \(health\)/);
    assert.match(r.stdout, /step 2: 100% to the new version \(final, implied\): the gate waits for the Rollout to become Healthy/);
    assert.match(r.stdout, /kubernetes:argoproj.io\/v1alpha1:Rollout/);
  });

  it("up renders a schema-valid Rollout, two AnalysisTemplates and the route split between subsets", async () => {
    const r = await ws.must(["up", "--yes", "--stack", stack]);
    console.log(`      pulumi up (dev, canary, render mode): ${r.ms} ms`);
    const manifests = readRendered(path.join(ws.dir, "rendered", stack));
    assert.deepEqual(await schemaErrors(manifests), []);
    const kinds = (k: string) => manifests.filter((m) => m.kind === k);
    assert.equal(kinds("Rollout").length, 1);
    assert.deepEqual(kinds("Rollout")[0].spec.strategy.canary.steps, [{ setWeight: 25 }, { pause: {} }]);
    assert.equal(kinds("AnalysisTemplate").length, 2);
    const route = kinds("VirtualService")[0].spec.http[0].route;
    assert.deepEqual(route.map((d: any) => `${d.destination.subset}=${d.weight}`), ["stable=100", "canary=0"]);
    assert.deepEqual(kinds("DestinationRule")[0].spec.subsets, [{ name: "stable" }, { name: "canary" }]);
    const out = await ws.outputs(stack);
    assert.equal(out.verification.verdict, "passed");
  });

  it("switched to abTest: preview shows the cohort and its comparison, up renders the cohort's Rollout and a Service per version", async () => {
    ws.editStack(stack, (c) => {
      c.release = { strategy: "abTest", analysisIntervalSeconds: 10, abTest: { cohort: { cookie: { name: "ab", value: "b" } }, intervals: 2, verifyBaseUrl: fixture.url } };
    });
    const p = await ws.must(["preview", "--diff", "--stack", stack]);
    assert.match(p.stdout, /strategy abTest: an Argo Rollout routes one cohort \(cookie ab=b\) to the new version and no one else/);
    assert.match(p.stdout, /step 1: the cohort on 1 new pod\(s\), 0% of other users, for 2 analysis interval\(s\) of 10 s \(20 s\)/);
    const r = await ws.must(["up", "--yes", "--stack", stack]);
    console.log(`      pulumi up (dev, canary -> abTest, render mode): ${r.ms} ms`);
    const manifests = readRendered(path.join(ws.dir, "rendered", stack));
    assert.deepEqual(await schemaErrors(manifests), []);
    const [rollout] = manifests.filter((m) => m.kind === "Rollout");
    assert.deepEqual(rollout.spec.strategy.canary.steps, [
      { setCanaryScale: { replicas: 1 } },
      { setHeaderRoute: { name: "ab-cohort", match: [{ headerName: "cookie", headerValue: { regex: "^(.*;\\s*)?ab=b(;.*)?$" } }] } },
      { pause: {} },
    ]);
    const services = manifests.filter((m) => m.kind === "Service").map((m) => m.metadata.name);
    assert.ok(services.includes("agent-cellphone-v2-canary") && services.includes("agent-cellphone-v2-stable"), services.join(", "));
  });
});
