// The whole program under Pulumi mocks (no engine, no cluster), once per stack with the real
// Pulumi.<stack>.yaml: what gets registered, under which parent and name, and how the
// environments differ.
import * as assert from "assert";
import { cachedRun, STACKS, type ProgramRun } from "./harness/runProgram";
import { manifestsOfKind } from "./harness/manifests";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const count = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type).length;
const byName = (run: ProgramRun, name: string) => run.resources.find((r) => r.name === name);

const COMPONENTS: Record<string, string> = {
  app: "acv2:app:AppDeployment",
  autoscaler: "acv2:autoscaling:Autoscaler",
  gateway: "acv2:gateway:IstioGateway",
  monitoring: "acv2:monitoring:Monitoring",
  verification: "acv2:verification:VerificationGate",
};

describe("program under mocks: every stack", function () {
  this.timeout(120_000);
  for (const stack of STACKS) {
    describe(stack, () => {
      let run: ProgramRun;
      before(async () => {
        run = await cachedRun(stack);
      });

      it("registers the app's objects exactly once each", () => {
        const appChildren = run.resources.filter((r) => r.parent === "app").map((r) => `${r.type} ${r.name}`).sort();
        assert.deepStrictEqual(appChildren, [
          "kubernetes:apps/v1:Deployment app-deployment",
          "kubernetes:core/v1:ConfigMap app-config",
          "kubernetes:core/v1:Namespace app-namespace",
          // dev holds no secrets, so it has no Secret for DATABASE_URL/API_TOKEN.
          ...(stack === "dev" ? [] : ["kubernetes:core/v1:Secret app-secret"]),
          "kubernetes:core/v1:Service app-service",
          "kubernetes:core/v1:ServiceAccount app-serviceaccount",
          "kubernetes:networking.k8s.io/v1:NetworkPolicy app-netpol-allow",
          "kubernetes:networking.k8s.io/v1:NetworkPolicy app-netpol-default-deny",
          "kubernetes:policy/v1:PodDisruptionBudget app-pdb",
        ]);
        const hpas = run.resources.filter((r) => r.parent === "autoscaler").map((r) => `${r.type} ${r.name}`);
        assert.deepStrictEqual(hpas, stack === "dev" ? [] : ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler autoscaler-hpa"]);
        assert.strictEqual(count(run, "pulumi:providers:kubernetes"), 1);
      });

      it("parents every child to its component and prefixes its name with the component's", () => {
        const components = run.resources.filter((r) => r.type.startsWith("acv2:"));
        for (const c of components) assert.strictEqual(c.parent, undefined, `${c.name} is top-level`);
        const children = run.resources.filter((r) => r.parent !== undefined);
        assert.ok(children.length > 10);
        for (const r of run.resources) {
          if (r.type.startsWith("acv2:") || r.type === "pulumi:providers:kubernetes") continue;
          assert.ok(r.parent, `${r.type} ${r.name} has a parent component`);
          assert.ok(r.name.startsWith(`${r.parent}-`), `${r.name} starts with "${r.parent}-"`);
          assert.ok(r.parentType!.startsWith("acv2:") || r.parentType!.startsWith("kubernetes:"), `${r.name} parent type ${r.parentType}`);
        }
      });

      it("registers the components with their type tokens, the gate last", () => {
        const expected = Object.entries(COMPONENTS).filter(([n]) => n !== "autoscaler" || stack !== "dev");
        for (const [name, type] of expected) assert.strictEqual(byName(run, name)?.type, type, name);
        if (stack === "dev") assert.strictEqual(count(run, COMPONENTS.autoscaler), 0);
        const order = run.resources.filter((r) => r.type.startsWith("acv2:")).map((r) => r.name);
        assert.strictEqual(order[order.length - 1], "verification");
      });

      it("passes the one kubernetes provider to every Kubernetes object", () => {
        const objects = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(objects.length >= 10);
        for (const r of objects) {
          assert.match(r.provider ?? "", /::pulumi:providers:kubernetes::k8s::/, `${r.name} uses the program's provider, not a default one`);
        }
      });

      it("exports the documented outputs", () => {
        for (const k of ["publicUrl", "namespace", "deploymentName", "imageRef", "grafanaUrl", "monitoringMode", "verificationPlan", "verification"]) {
          assert.ok(k in run.outputs, `export ${k}`);
        }
        assert.strictEqual(run.outputs.deploymentName, "agent-cellphone-v2");
        assert.strictEqual(run.outputs.namespace, `acv2-${stack}`);
      });
    });
  }
});

describe("program under mocks: per-environment differences", function () {
  this.timeout(120_000);
  let dev: ProgramRun, staging: ProgramRun, production: ProgramRun;
  before(async () => {
    dev = await cachedRun("dev");
    staging = await cachedRun("staging");
    production = await cachedRun("production");
  });
  const deployment = (run: ProgramRun): Any => manifestsOfKind(run, "Deployment").find((d) => d.metadata?.name === "agent-cellphone-v2");
  const hpa = (run: ProgramRun): Any => manifestsOfKind(run, "HorizontalPodAutoscaler")[0];

  it("dev renders to rendered/dev with one fixed replica and no HPA", () => {
    const provider = dev.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    assert.strictEqual(provider.inputs.renderYamlToDirectory, "rendered/dev");
    assert.strictEqual(deployment(dev).spec.replicas, 1);
    assert.strictEqual(hpa(dev), undefined);
    assert.strictEqual(deployment(dev).spec.template.spec.topologySpreadConstraints, undefined);
    assert.strictEqual(dev.outputs.publicUrl, "https://acv2.dev.local");
  });

  it("staging autoscales 1-3, production 3-10; neither pins spec.replicas", () => {
    assert.deepStrictEqual([hpa(staging).spec.minReplicas, hpa(staging).spec.maxReplicas], [1, 3]);
    assert.deepStrictEqual([hpa(production).spec.minReplicas, hpa(production).spec.maxReplicas], [3, 10]);
    assert.ok(!("replicas" in deployment(staging).spec));
    assert.ok(!("replicas" in deployment(production).spec));
    assert.strictEqual(hpa(production).spec.scaleTargetRef.name, "agent-cellphone-v2");
  });

  it("sizes the PDB to the minimum: one may always go in staging (min 1), two must stay in production (min 3)", () => {
    const pdb = (run: ProgramRun): Any => manifestsOfKind(run, "PodDisruptionBudget")[0].spec;
    assert.strictEqual(pdb(staging).maxUnavailable, 1);
    assert.strictEqual(pdb(production).minAvailable, 2);
  });

  it("gives production larger resources and a digest-pinned image", () => {
    const res = (run: ProgramRun) => deployment(run).spec.template.spec.containers[0].resources;
    assert.deepStrictEqual(res(production), { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
    assert.deepStrictEqual(res(dev), { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "250m", memory: "256Mi" } });
    assert.match(String(production.outputs.imageRef), /^ghcr\.io\/dadudekc\/agent-cellphone-v2@sha256:[0-9a-f]{64}$/);
    assert.strictEqual(staging.outputs.imageRef, "ghcr.io/dadudekc/agent-cellphone-v2:2.0.0-rc.1");
  });

  it("uses the environment's issuer, host and monitoring mode", () => {
    const issuer = (run: ProgramRun): Any => manifestsOfKind(run, "ClusterIssuer")[0];
    assert.ok(issuer(dev).spec.selfSigned);
    assert.match(issuer(staging).spec.acme.server, /staging/);
    assert.doesNotMatch(issuer(production).spec.acme.server, /staging/);
    assert.deepStrictEqual([dev.outputs.publicUrl, staging.outputs.publicUrl, production.outputs.publicUrl],
      ["https://acv2.dev.local", "https://staging.acv2.example.com", "https://acv2.example.com"]);
    assert.deepStrictEqual([dev.outputs.monitoringMode, staging.outputs.monitoringMode, production.outputs.monitoringMode], ["bundled", "bundled", "operator"]);
    assert.strictEqual(manifestsOfKind(production, "ServiceMonitor").length, 1);
    assert.strictEqual(manifestsOfKind(staging, "ServiceMonitor").length, 0);
  });

  it("only the real clusters get no render directory", () => {
    for (const run of [staging, production]) {
      assert.strictEqual(run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!.inputs.renderYamlToDirectory, undefined);
    }
  });
});
