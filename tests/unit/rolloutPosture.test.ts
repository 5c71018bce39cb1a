// Posture rules extended to Argo Rollouts (issue 13 point 2): an inline pod template is held to
// the pod rules like a Deployment's; promotion is the gate's, so a Rollout that would promote on
// its own is refused; the product's own Rollouts (releaseSpecs) meet every rule.
import { strict as assert } from "assert";
import { postureFindings } from "../../policy/posture";
import { releaseSchema } from "../../config/sections/release";
import { buildRollout } from "../../components/specs/releaseSpecs";
import * as fx from "./policyFixtures";

const rules = (m: fx.Any) => postureFindings(m).map((f) => `${f.rule}: ${f.message}`);

describe("posture of Argo Rollouts", () => {
  it("a Rollout with workloadRef has no pod of its own to check, and the fixture's waits for the gate", () => {
    assert.deepEqual(rules(fx.rollout()), []);
  });

  it("an inline pod template gets the pod rules and the spread rule, as a Deployment's does", () => {
    const r = fx.rollout();
    delete r.spec.workloadRef;
    r.spec.template = JSON.parse(JSON.stringify(fx.deployment().spec.template));
    assert.deepEqual(rules(r), []);
    fx.containerOf(r).securityContext.runAsNonRoot = false;
    delete fx.podOf(r).topologySpreadConstraints;
    assert.deepEqual(rules(r), [
      "run-as-non-root: container app: runAsNonRoot must be true",
      "topology-spread: 2 replicas need a topologySpreadConstraint on kubernetes.io/hostname",
    ]);
  });

  it("refuses a Rollout that promotes on its own", () => {
    const bg = { ...fx.rollout(), spec: { ...fx.rollout().spec, strategy: { blueGreen: { activeService: "web", autoPromotionSeconds: 30 } } } };
    assert.deepEqual(rules(bg), [
      "rollout-gate-promotion: strategy.blueGreen.autoPromotionEnabled must be false: promotion is the gate's",
      "rollout-gate-promotion: strategy.blueGreen.autoPromotionSeconds must be unset: promotion is the gate's",
    ]);
    const canary = fx.rollout();
    canary.spec.strategy.canary.steps = [{ setWeight: 20 }, { pause: { duration: "1m" } }, { setWeight: 50 }, { pause: {} }];
    assert.deepEqual(rules(canary), ["rollout-gate-promotion: strategy.canary.steps[1].pause.duration must be unset: promotion is the gate's"]);
    // No pause at all (or no steps): the controller goes straight to 100 %.
    for (const steps of [[{ setWeight: 20 }, { setHeaderRoute: { name: "ab-cohort" } }], [], undefined]) {
      const c = fx.rollout();
      c.spec.strategy.canary.steps = steps;
      assert.deepEqual(rules(c), ["rollout-gate-promotion: strategy.canary.steps must include a pause: without one the controller promotes to 100% on its own"], JSON.stringify(steps));
    }
  });

  it("the product's canary, blueGreen and abTest Rollouts meet every rule", () => {
    const target = {
      appName: "web", namespace: "web", deploymentName: "web", serviceName: "web", selectorLabels: fx.LABELS, labels: fx.LABELS,
      replicas: 2, revisionHistoryLimit: 5, virtualServiceName: "web-route", destinationRuleName: "web-traffic", metricsJob: "web", errorRateRatio: 0.05, p95LatencySeconds: 0.5,
    };
    for (const release of [{ strategy: "canary" }, { strategy: "blueGreen" }, { strategy: "abTest", abTest: { cohort: { cookie: { name: "ab", value: "b" } }, verifyBaseUrl: "http://web-canary.web.svc" } }]) {
      assert.deepEqual(rules(buildRollout(releaseSchema.parse(release), target)), [], release.strategy);
    }
  });
});
