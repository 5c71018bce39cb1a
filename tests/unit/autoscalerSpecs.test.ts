// Pure HPA builder, without Pulumi: defaults, explicit behaviour, exact errors.
import * as assert from "assert";
import { buildHpaSpec, resolveHpaOptions } from "../../components/specs/autoscalerSpecs";

describe("autoscaler spec builder", () => {
  it("defaults to 1..3 at 70% CPU / 80% memory with a 300 s scale-down window", () => {
    assert.deepStrictEqual(resolveHpaOptions({}), {
      minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 70, targetMemoryUtilization: 80, scaleDownStabilizationSeconds: 300,
    });
  });

  it("targets the Deployment on CPU and memory utilization with explicit behaviour", () => {
    const spec = JSON.parse(JSON.stringify(buildHpaSpec(resolveHpaOptions({ minReplicas: 3, maxReplicas: 10 }), "acv2")));
    assert.deepStrictEqual(spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "acv2" });
    assert.strictEqual(spec.minReplicas, 3);
    assert.strictEqual(spec.maxReplicas, 10);
    assert.deepStrictEqual(spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]), [["cpu", 70], ["memory", 80]]); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.strictEqual(spec.behavior.scaleUp.stabilizationWindowSeconds, 0);
    assert.strictEqual(spec.behavior.scaleDown.stabilizationWindowSeconds, 300);
    assert.strictEqual(spec.behavior.scaleDown.selectPolicy, "Min");
    assert.ok(spec.behavior.scaleUp.policies.length >= 1 && spec.behavior.scaleDown.policies.length >= 1);
  });

  it("rejects min above max with both numbers", () => {
    assert.throws(() => resolveHpaOptions({ minReplicas: 5, maxReplicas: 3 }), { message: "Autoscaler: minReplicas: must be <= maxReplicas (5 > 3)" });
  });

  it("rejects a utilization outside 1..100", () => {
    assert.throws(() => resolveHpaOptions({ targetCpuUtilization: 0 }), { message: "Autoscaler: targetCpuUtilization: must be within 1..100 (got 0)" });
  });
});
