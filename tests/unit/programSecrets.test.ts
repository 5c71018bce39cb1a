// Secrets under mocks: canary values set as secret config stay secret Outputs all the way into
// the Kubernetes Secret, and never appear in any non-secret input or output of anything the
// program registers (fault 13 of DESIGN.md, at the program level).
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { cachedRun, runProgram, type ProgramRun, type RegisteredResource } from "./harness/runProgram";
import { canaryForms, CANARIES, isSecretWrapper, secretPaths, stripSecrets, unwrapSecrets } from "./harness/secrets";

const find = (run: ProgramRun, name: string): RegisteredResource => {
  const r = run.resources.find((x) => x.name === name);
  assert.ok(r, `${name} registered`);
  return r;
};

/** Every canary form that shows up outside a secret, with where. */
function plainLeaks(run: ProgramRun): string[] {
  const forms = canaryForms();
  const leaks: string[] = [];
  for (const r of run.resources) {
    const text = JSON.stringify(stripSecrets(r.inputs));
    for (const f of forms) if (text.includes(f)) leaks.push(`${r.type} ${r.name} inputs contain ${f.slice(0, 12)}...`);
  }
  for (const [k, v] of Object.entries(run.outputs)) {
    if (run.secretOutputs.has(k)) continue;
    const text = JSON.stringify(v) ?? "";
    for (const f of forms) if (text.includes(f)) leaks.push(`output ${k} contains ${f.slice(0, 12)}...`);
  }
  return leaks;
}

describe("secrets under mocks", function () {
  this.timeout(120_000);

  it("the leak detector finds a planted canary in plain data, in base64, and ignores it inside a secret", () => {
    const wrapped = { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: CANARIES.apiToken };
    const fake = (inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}): ProgramRun =>
      ({ stack: "x", resources: [{ type: "t", name: "n", custom: true, inputs, dependencies: [] }], outputs, secretOutputs: new Set(), durationMs: 0 });
    assert.strictEqual(plainLeaks(fake({ a: { b: `x${CANARIES.apiToken}y` } })).length, 1);
    assert.strictEqual(plainLeaks(fake({ data: { k: Buffer.from(CANARIES.grafanaAdminPassword).toString("base64") } })).length, 1);
    assert.strictEqual(plainLeaks(fake({}, { out: CANARIES.databaseUrl })).length, 1);
    assert.deepStrictEqual(plainLeaks(fake({ s: wrapped })), []);
  });

  for (const stack of ["staging", "production"]) {
    describe(stack, () => {
      let run: ProgramRun;
      before(async () => {
        run = await cachedRun(stack);
      });

      it("puts DATABASE_URL and API_TOKEN into the Secret's stringData as secrets", () => {
        const secret = find(run, "app-secret");
        // stringData as a whole is the secret (the SDK lifts nested secrets to the top-level input).
        assert.deepStrictEqual(secretPaths(secret.inputs), ["stringData"]);
        const data = (secret.inputs.stringData as { value: Record<string, string> }).value;
        assert.deepStrictEqual(data, { DATABASE_URL: CANARIES.databaseUrl, API_TOKEN: CANARIES.apiToken });
        assert.strictEqual(secret.inputs.data, undefined, "no base64 copy outside stringData");
      });

      it("keeps the config checksum (a hash over secret values) secret, which makes the spec secret", () => {
        const dep = find(run, "app-deployment");
        // The SDK lifts a nested secret to the top-level input: the whole spec is the secret.
        assert.deepStrictEqual(secretPaths(dep.inputs), ["spec"]);
        const spec = (dep.inputs.spec as { value: any }).value; // eslint-disable-line @typescript-eslint/no-explicit-any
        assert.match(spec.template.metadata.annotations["checksum/config"], /^[0-9a-f]{64}$/);
        assert.strictEqual(typeof dep.inputs.metadata, "object", "metadata stays plain");
        assert.ok(!isSecretWrapper(dep.inputs.metadata));
      });

      it("leaks no canary into any non-secret input or output", () => {
        assert.ok(run.resources.length > 20);
        assert.deepStrictEqual(plainLeaks(run), []);
      });
    });
  }

  it("dev holds no secrets: no Secret for the app and a plain checksum", async () => {
    const run = await cachedRun("dev");
    assert.strictEqual(run.resources.find((r) => r.name === "app-secret"), undefined);
    const ann = (find(run, "app-deployment").inputs.spec as any).template.metadata.annotations; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.match(ann["checksum/config"], /^[0-9a-f]{64}$/);
    const allSecretPaths = run.resources.flatMap((r) => secretPaths(r.inputs).map((p) => `${r.name}:${p}`));
    assert.ok(!allSecretPaths.some((p) => p.startsWith("app-")), `app objects carry no secrets in dev: ${allSecretPaths}`);
  });

  it("the checksum follows the secret values, so a rotated secret rolls the pods", async () => {
    const checksum = (run: ProgramRun): string => (unwrapSecrets(find(run, "app-deployment").inputs.spec) as any).template.metadata.annotations["checksum/config"]; // eslint-disable-line @typescript-eslint/no-explicit-any
    const base = await cachedRun("staging");
    const rotated = await runProgram("staging", {
      secrets: { databaseUrl: CANARIES.databaseUrl.replace("7f3a9c", "000000"), apiToken: CANARIES.apiToken, grafanaAdminPassword: CANARIES.grafanaAdminPassword },
    });
    assert.notStrictEqual(checksum(rotated), checksum(base));
  });

  describe("a verification key set with --secret --path", () => {
    let run: ProgramRun;
    const checks = [
      { name: "db", type: "database", url: CANARIES.databaseUrl },
      { name: "api", type: "api", endpoints: [{ path: "/v1/me", headers: { authorization: `Bearer ${CANARIES.apiToken}` } }] },
    ];
    before(async () => {
      run = await runProgram("staging", { config: { verification: { baseUrl: "https://staging.acv2.example.com", checks } }, secretKeys: ["verification"] });
    });

    it("hands the gate its config as a secret", () => {
      const gateRun = run.resources.find((r) => r.parent === "verification" && r.custom);
      assert.ok(gateRun, "the gate registered its dynamic resource");
      assert.ok(isSecretWrapper(gateRun.inputs.config), "config input is secret");
      assert.strictEqual(((gateRun.inputs.config as { value: { checks: Array<{ url?: string }> } }).value.checks[0].url), CANARIES.databaseUrl);
    });

    it("still shows the planned checks, and leaks no canary anywhere plain", () => {
      assert.deepStrictEqual(run.outputs.verificationPlan, ["db (database)", "api (api)"]);
      assert.deepStrictEqual(plainLeaks(run), []);
    });
  });
});
