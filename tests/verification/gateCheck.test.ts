// The gate's `check` in Pulumi's own dynamic provider host (serialized, over gRPC). The engine
// passes check the old *inputs*, which hold a configHash but never a verdict; an unchanged
// configHash must be answered without loading the implementation (ts-node, zod and the suite cost
// seconds in every preview and up). The tripwire: a projectRoot where nothing can be loaded, so
// any attempt to load impl.ts fails the call.
import { strict as assert } from "assert";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { DynamicHost, serializeProvider } from "../fixtures/dynamicHost";
import { gateInputs, gateUrn, PROJECT_ROOT as ROOT } from "../fixtures/gateHarness";
import { gateProvider } from "../../components/gate/provider";
import { plannedCheckLabel } from "../../components/verificationGate";

const URN = gateUrn();

/** Inputs as the component registers them (what the engine stores as the resource's inputs). */
function inputs(text: string, projectRoot: string, configHash: string, config = { checks: [{ name: "health", type: "health" }] }) {
  return gateInputs(text, config, { projectRoot, configHash });
}

describe("verification gate check: unchanged config answered without loading the suite", function () {
  this.timeout(120_000);
  let host: DynamicHost;
  let text: string;
  let empty: string;

  before(async () => {
    text = await serializeProvider(gateProvider);
    host = await DynamicHost.start();
    empty = mkdtempSync(path.join(tmpdir(), "acv2-no-impl-"));
  });
  after(async () => {
    await host?.stop();
    if (empty) rmSync(empty, { recursive: true, force: true });
  });

  it("same configHash as the stored inputs: accepted, nothing loaded", async () => {
    const olds = inputs(text, empty, "hash-a");
    const { __provider: _p, ...stored } = olds;
    const res = await host.check(URN, stored, inputs(text, empty, "hash-a"));
    assert.ifError(res.error);
    assert.deepEqual(res.result!.failures, []);
    assert.equal(res.result!.inputs.configHash, "hash-a");
  });

  it("changed configHash: the implementation is loaded (the tripwire fires)", async () => {
    const res = await host.check(URN, inputs(text, empty, "hash-a"), inputs(text, empty, "hash-b"));
    assert.ok(res.error, "check of a changed config must load impl.ts, which cannot load from an empty root");
    assert.match(res.error!.details ?? res.error!.message, /ts-node/);
  });

  it("first check (no stored inputs) and a changed, invalid config are validated, naming the field", async () => {
    const bad = { baseUrl: "http://127.0.0.1:1", checks: [{ name: "h", type: "health", timeoutSeconds: -1 }] };
    const expected = [{ property: "verification.checks[0].timeoutSeconds", reason: "verification.checks[0].timeoutSeconds: must be > 0" }];
    for (const olds of [{}, inputs(text, ROOT, "hash-a")]) {
      const res = await host.check(URN, olds, inputs(text, ROOT, "hash-c", bad));
      assert.ifError(res.error);
      assert.deepEqual(res.result!.failures, expected);
    }
  });
});

// The harness registers plannedChecks with the component's own labelling (no copy to drift).
describe("planned checks as the component lists them", () => {
  it("labels each check `name (type)`, advisory ones `name (type, advisory)`, and the harness uses that", () => {
    assert.equal(plannedCheckLabel({ name: "health", type: "health" }), "health (health)");
    assert.equal(plannedCheckLabel({ name: "deps", type: "external", advisory: true }), "deps (external, advisory)");
    assert.equal(plannedCheckLabel({ name: "perf", type: "performance", advisory: false }), "perf (performance)");
    const config = { checks: [{ name: "health", type: "health" }, { name: "deps", type: "external", advisory: true }] };
    assert.deepEqual(gateInputs("", config).plannedChecks, ["health (health)", "deps (external, advisory)"]);
  });
});
