// The gate inside the program, under Pulumi mocks (pulumi.runtime.setMocks, dryRun false): it
// waits for every other component, receives the triggers, and is absent when disabled.
// Mocks never run the provider; tests/verification/gateProvider.test.ts and the integration
// tests do.
import { strict as assert } from "assert";
import { loadStackYaml, runProgram, type ProgramRun } from "./harness/runProgram";
import { unwrapSecrets } from "./harness/secrets";

const GATE_RUN = "pulumi-nodejs:dynamic/verification:Verification";

describe("verification gate in the program (mocks)", () => {
  let staging: ProgramRun;
  before(async () => {
    staging = await runProgram("staging");
  });

  it("runs after every workload and object the other components declare", () => {
    const run = staging.resources.find((r) => r.type === GATE_RUN);
    assert.ok(run, "the gate registered its dynamic resource");
    assert.equal(run.name, "verification-run");
    assert.equal(run.parent, "verification");
    const kinds = new Set(
      staging.resources.filter((r) => run.dependencies.includes(r.name)).map((r) => r.type),
    );
    for (const kind of [
      "kubernetes:apps/v1:Deployment",
      "kubernetes:core/v1:Service",
      "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
      "kubernetes:networking.istio.io/v1:Gateway",
      "kubernetes:networking.istio.io/v1:VirtualService",
    ].filter((k) => staging.resources.some((r) => r.type === k))) {
      assert.ok(kinds.has(kind), `gate does not wait for ${kind}`);
    }
    // Depending on a component means depending on everything under it: every Kubernetes object
    // the other components declare must be in the gate's dependencies.
    const byName = new Map(staging.resources.map((r) => [r.name, r]));
    const topOf = (name: string): string => {
      const r = byName.get(name)!;
      return r.parent && byName.has(r.parent) ? topOf(r.parent) : r.name;
    };
    const objects = staging.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && topOf(r.name) !== "verification");
    assert.ok(objects.length > 20, `only ${objects.length} objects found`);
    const missing = objects.filter((o) => !run.dependencies.includes(o.name)).map((o) => `${o.type} ${o.name}`);
    assert.deepEqual(missing, []);
  });

  it("receives the image, the Deployment spec hash and the config hash as triggers", () => {
    const run = staging.resources.find((r) => r.type === GATE_RUN)!;
    const inputs = unwrapSecrets(run.inputs) as Record<string, any>;
    const deployment = unwrapSecrets(staging.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs) as any;
    assert.equal(inputs.imageRef, deployment.spec.template.spec.containers[0].image);
    assert.match(inputs.specHash, /^[0-9a-f]{64}$/);
    assert.match(inputs.configHash, /^[0-9a-f]{64}$/);
    assert.equal(inputs.stack, "staging");
    assert.equal(inputs.target.deployment, deployment.metadata.name);
    assert.ok(Array.isArray(inputs.plannedChecks) && inputs.plannedChecks.length > 0);
    assert.equal(typeof inputs.__provider, "string");
  });

  it("changes the image and spec hash triggers when the image tag changes (fault 15)", async () => {
    const app = loadStackYaml("staging").app as Record<string, any>;
    const other = await runProgram("staging", { config: { app: { ...app, image: { ...app.image, tag: "9.9.9" } } } });
    const a = unwrapSecrets(staging.resources.find((r) => r.type === GATE_RUN)!.inputs) as any;
    const b = unwrapSecrets(other.resources.find((r) => r.type === GATE_RUN)!.inputs) as any;
    assert.match(b.imageRef, /:9\.9\.9$/);
    assert.notEqual(a.imageRef, b.imageRef);
    assert.notEqual(a.specHash, b.specHash);
    assert.equal(a.configHash, b.configHash, "the verification config did not change");
  });

  it("a change to what serves traffic re-runs verification: servingHash moves, image and spec do not (point 7)", async () => {
    const stack = loadStackYaml("staging") as Record<string, any>;
    const gateOf = (run: ProgramRun) => unwrapSecrets(run.resources.find((r) => r.type === GATE_RUN)!.inputs) as any;
    const base = gateOf(staging);
    assert.match(base.servingHash, /^[0-9a-f]{64}$/);
    const variants: Array<[string, Record<string, unknown>]> = [
      ["VirtualService (gateway.timeoutSeconds)", { gateway: { ...stack.gateway, timeoutSeconds: 29 } }],
      ["Gateway (gateway.host)", { gateway: { ...stack.gateway, host: "other.acv2.example.com" } }],
      ["NetworkPolicy (app.database.port)", { app: { ...stack.app, database: { port: 6543 } } }],
      ["HPA (autoscaling.maxReplicas)", { autoscaling: { ...stack.autoscaling, maxReplicas: 7 } }],
    ];
    for (const [what, config] of variants) {
      const other = gateOf(await runProgram("staging", { config }));
      assert.notEqual(other.servingHash, base.servingHash, `${what} must change servingHash`);
      assert.equal(other.imageRef, base.imageRef, what);
      if (!what.startsWith("HPA")) assert.equal(other.configHash, base.configHash, what);
    }
    const same = gateOf(await runProgram("staging"));
    assert.equal(same.servingHash, base.servingHash, "stable when nothing changed");
  });

  it("hands the gate the Kubernetes provider's context (point 6)", async () => {
    const gateOf = (run: ProgramRun) => unwrapSecrets(run.resources.find((r) => r.type === GATE_RUN)!.inputs) as any;
    assert.equal(gateOf(staging).target.context, undefined, "no kubernetes.context: the current context, as the provider");
    const run = await runProgram("staging", { config: { kubernetes: { context: "prod-eu" } } });
    const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    assert.equal(provider.inputs.context, "prod-eu");
    assert.equal(gateOf(run).target.context, "prod-eu");
  });

  it("the provider does not await the Deployment when the gate judges the rollout (point 5)", async () => {
    const annotationsOf = (run: ProgramRun) => (unwrapSecrets(run.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs) as any).metadata.annotations;
    assert.deepEqual(annotationsOf(staging), { "pulumi.com/skipAwait": "true" }, "staging: the gate's rollout check waits instead");
    // production rolls back on failure: the next apply must take the template back (no SSA conflict).
    assert.deepEqual(annotationsOf(await runProgram("production")), { "pulumi.com/skipAwait": "true", "pulumi.com/patchForce": "true" });
    const verification = loadStackYaml("staging").verification as Record<string, any>;
    const noRolloutCheck = await runProgram("staging", { config: { verification: { ...verification, checks: verification.checks.filter((c: any) => c.type !== "rollout") } } });
    assert.equal(annotationsOf(noRolloutCheck), undefined, "without a rollout check the provider awaits, as before");
    const off = await runProgram("staging", { config: { verification: { ...verification, enabled: false } } });
    assert.equal(annotationsOf(off), undefined, "without the gate the provider awaits");
  });

  it("nor the Service: its await holds `pulumi up` while the selected pods are not ready, so the gate would never judge a never-ready release (point 5)", async () => {
    const serviceAnnotations = (run: ProgramRun) =>
      (unwrapSecrets(run.resources.find((r) => r.type === "kubernetes:core/v1:Service" && (r.inputs as any).metadata.name === "agent-cellphone-v2")!.inputs) as any).metadata.annotations;
    assert.deepEqual(serviceAnnotations(staging), { "pulumi.com/skipAwait": "true" });
    assert.deepEqual(serviceAnnotations(await runProgram("production")), { "pulumi.com/skipAwait": "true" }, "no patchForce: the rollback never touches the Service");
    const verification = loadStackYaml("staging").verification as Record<string, any>;
    const off = await runProgram("staging", { config: { verification: { ...verification, enabled: false } } });
    assert.equal(serviceAnnotations(off), undefined, "without the gate the provider awaits the Service's endpoints, as before");
  });

  it("is absent when verification.enabled is false", async () => {
    const off = await runProgram("dev", { config: { verification: { enabled: false } } });
    assert.equal(off.resources.filter((r) => r.type === GATE_RUN || r.type === "acv2:verification:VerificationGate").length, 0);
    assert.ok(off.resources.some((r) => r.type === "kubernetes:apps/v1:Deployment"), "the rest still registers");
  });
});
