// Every Kubernetes object the program registers, per stack, checked against the published
// schemas (kubernetes-models for core, Istio, cert-manager, prometheus-operator) and against the
// manifest posture of DESIGN.md (policy/posture.ts).
import * as assert from "assert";
import { cachedRun, STACKS, type ProgramRun } from "./harness/runProgram";
import { kubernetesManifests, type RegisteredManifest } from "./harness/manifests";
import { modelModules, schemaError } from "./harness/validate";
import { stackPostureViolations } from "../../policy/postureStack";
import { environmentOf } from "../../config/schema";

describe("registered manifests", function () {
  this.timeout(120_000);

  it("the validator rejects a broken Deployment and accepts a fixed one (so a pass means something)", async () => {
    const broken = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "x" },
      spec: { selector: { matchLabels: { a: "b" } }, template: { spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: "8000" }] }] } } },
    };
    assert.match((await schemaError(broken)) ?? "", /containerPort must be integer/);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 8000 as unknown as string;
    assert.strictEqual(await schemaError(broken), undefined);
  });

  it("maps API groups to the model packages", () => {
    assert.deepStrictEqual(modelModules("v1"), ["kubernetes-models/v1"]);
    assert.deepStrictEqual(modelModules("policy/v1"), ["kubernetes-models/policy/v1"]);
    assert.deepStrictEqual(modelModules("networking.istio.io/v1"), ["@kubernetes-models/istio/networking.istio.io/v1", "@kubernetes-models/istio/networking.istio.io/v1beta1"]);
    assert.deepStrictEqual(modelModules("cert-manager.io/v1"), ["@kubernetes-models/cert-manager/cert-manager.io/v1"]);
    assert.deepStrictEqual(modelModules("monitoring.coreos.com/v1"), ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"]);
  });

  for (const stack of STACKS) {
    describe(stack, () => {
      let run: ProgramRun;
      let manifests: RegisteredManifest[];
      before(async () => {
        run = await cachedRun(stack);
        manifests = kubernetesManifests(run);
      });

      it("every Kubernetes object validates against its schema", async () => {
        assert.ok(manifests.length >= 15, `${manifests.length} objects`);
        const errors: string[] = [];
        for (const { resource, manifest } of manifests) {
          const err = await schemaError(manifest);
          if (err) errors.push(`${resource.name} (${manifest.apiVersion} ${manifest.kind}): ${err}`);
        }
        assert.deepStrictEqual(errors, []);
      });

      it("the app's own objects meet the manifest posture", () => {
        const own = manifests.filter((m) => ["app", "autoscaler", "gateway"].includes(m.resource.parent ?? "")).map((m) => m.manifest);
        assert.ok(own.some((m) => m.kind === "Deployment"));
        assert.deepStrictEqual(stackPostureViolations(own, { environment: environmentOf(stack) }), []);
      });

      it("every workload of the stack meets the manifest posture", () => {
        const all = manifests.map((m) => m.manifest);
        assert.deepStrictEqual(stackPostureViolations(all, { environment: environmentOf(stack) }), []);
      });
    });
  }
});
