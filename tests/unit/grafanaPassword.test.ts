// MOCKS: the program per stack under pulumi.runtime.setMocks: where the Grafana admin password
// comes from. Staging without a configured password registers a GeneratedPassword under
// Monitoring and exports its value as a secret; a configured one wins; dev and production (no
// bundled admin login) have none. The generator itself runs serialized in
// tests/verification/generatedPassword.test.ts and under the real engine in tests/integration.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { GeneratedPassword } from "../../components/generatedPassword";
import { runProgram, type ProgramRun } from "./harness/runProgram";
import { CANARIES, CANARY_SECRETS, isSecretWrapper } from "./harness/secrets";

const GENERATOR = "pulumi-nodejs:dynamic/password:GeneratedPassword";
const generators = (run: ProgramRun) => run.resources.filter((r) => r.type === GENERATOR);
const adminSecret = (run: ProgramRun) => run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "monitoring-grafana-admin");

describe("Grafana admin password: generated unless configured (mocks)", function () {
  this.timeout(60_000);

  it("staging without grafanaAdminPassword: one GeneratedPassword under Monitoring, the Secret and the export secret", async () => {
    const { grafanaAdminPassword: _configured, ...others } = CANARY_SECRETS;
    const run = await runProgram("staging", { secrets: others });
    const gens = generators(run);
    assert.equal(gens.length, 1);
    assert.equal(gens[0].name, "monitoring-grafana-password");
    assert.equal(gens[0].parent, "monitoring");
    assert.equal(gens[0].parentType, "acv2:monitoring:Monitoring");
    assert.equal(gens[0].inputs.length, 32);
    const secret = adminSecret(run);
    assert.ok(secret, "the Grafana admin Secret is registered");
    // The SDK wraps a Secret's stringData whole; the value inside it is the generator's output.
    assert.ok(isSecretWrapper(secret!.inputs.stringData), `stringData is not secret: ${JSON.stringify(secret!.inputs.stringData)}`);
    assert.ok("grafanaAdminPassword" in run.outputs, "the stack exports grafanaAdminPassword");
    assert.ok(run.secretOutputs.has("grafanaAdminPassword"), "the export is a secret Output");
  });

  it("GeneratedPassword.password is the provider's output (not shadowed by a class field)", async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (a) => ({ id: `${a.name}-id`, state: a.type === GENERATOR ? { ...a.inputs, password: "mock-generated-pw" } : a.inputs }),
        call: (a) => a.inputs,
      },
      "agent-cellphone-v2",
      "staging",
      false,
    );
    const gen = new GeneratedPassword("pw");
    const value = await new Promise((resolve) => gen.password.apply(resolve));
    assert.equal(value, "mock-generated-pw");
    // Secrecy comes from the engine (additionalSecretOutputs), which mocks do not apply; the real
    // engine test checks the ciphertext in state.
    assert.equal(await new Promise((resolve) => gen.length.apply(resolve)), 32);
  });

  it("a configured password wins: no generator, the export is the configured value, secret", async () => {
    const run = await runProgram("staging");
    assert.equal(generators(run).length, 0);
    assert.equal(run.outputs.grafanaAdminPassword, CANARIES.grafanaAdminPassword);
    assert.ok(run.secretOutputs.has("grafanaAdminPassword"));
  });

  it("dev (no secrets, read-only Grafana) and production (operator monitoring) generate nothing", async () => {
    for (const stack of ["dev", "production"]) {
      const run = await runProgram(stack);
      assert.equal(generators(run).length, 0, stack);
      assert.equal(adminSecret(run), undefined, stack);
      assert.equal(run.outputs.grafanaAdminPassword, undefined, stack);
    }
  });
});
