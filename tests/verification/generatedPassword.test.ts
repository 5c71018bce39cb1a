// The Grafana password generator, serialized exactly as `pulumi.dynamic.Resource` serializes it and
// run in Pulumi's own dynamic provider host over gRPC (only the engine is absent; the real engine
// runs it in tests/integration/grafanaPassword.test.ts).
import { strict as assert } from "assert";
import { generatedPasswordProvider } from "../../components/generatedPassword";
import { DynamicHost, serializeProvider } from "../fixtures/dynamicHost";

const URN = "urn:pulumi:staging::agent-cellphone-v2::acv2:monitoring:Monitoring$pulumi-nodejs:dynamic/password:GeneratedPassword::monitoring-grafana-password";

describe("GeneratedPassword provider in Pulumi's dynamic provider host (serialized)", function () {
  this.timeout(60_000);
  let host: DynamicHost;
  let text: string;
  before(async () => {
    text = await serializeProvider(generatedPasswordProvider);
    host = await DynamicHost.start();
  });
  after(() => host?.stop());

  it("serializes small and self-contained: crypto is required inside the method, nothing captured", () => {
    assert.ok(text.length < 4000, `serialized provider is ${text.length} bytes`);
    assert.match(text, /require\("crypto"\)/);
    assert.doesNotMatch(text, /__pulumi|@pulumi\/pulumi|randomBytes = /, "no module or SDK captured");
  });

  it("creates a 32-character URL-safe password, a different one each time, and never prints it", async () => {
    const a = await host.create(URN, { __provider: text, length: 32 });
    const b = await host.create(URN, { __provider: text, length: 32 });
    assert.ifError(a.error);
    assert.ifError(b.error);
    const pa = a.result!.outs.password as string;
    const pb = b.result!.outs.password as string;
    assert.match(pa, /^[A-Za-z0-9_-]{32}$/);
    assert.match(pb, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(pa, pb);
    assert.notEqual(a.result!.id, b.result!.id);
    assert.ok(!host.output.stderr.includes(pa) && !host.output.stdout.includes(pa), "the provider process printed the password");
  });

  it("check refuses a length outside 16..128, naming the property", async () => {
    const r = await host.check(URN, {}, { __provider: text, length: 8 });
    assert.ifError(r.error);
    assert.deepEqual(r.result!.failures, [{ property: "length", reason: "length: must be an integer from 16 to 128" }]);
  });

  it("diff: an unchanged length keeps the password; a new length replaces it", async () => {
    const same = await host.diff(URN, "id1", { __provider: text, length: 32, password: "x".repeat(32) }, { __provider: text, length: 32 });
    assert.equal(same.result!.changes, "none");
    const longer = await host.diff(URN, "id1", { __provider: text, length: 32, password: "x".repeat(32) }, { __provider: text, length: 40 });
    assert.equal(longer.result!.changes, "some");
    assert.deepEqual(longer.result!.replaces, ["length"]);
  });
});
