// canary and blueGreen objects (issue 13 point 2) through the real program under MOCKS
// (pulumi.runtime.setMocks: no engine, no cluster): what each strategy registers, that every
// object passes its upstream schema (@kubernetes-models/argo-rollouts, istio, kubernetes-models),
// that nothing promotes on its own, and that rolling registers none of it.
import { strict as assert } from "assert";
import { loadValidator, type Validate } from "./monitoringTestKit";
import { runProgram, type ProgramRun, type RegisteredResource } from "./harness/runProgram";

const CHECKS = [
  { name: "rollout", type: "rollout", namespace: "acv2-dev", deployment: "agent-cellphone-v2", timeoutSeconds: 60 },
  { name: "health", type: "health", advisory: true },
];
const VERIFICATION = { baseUrl: "http://127.0.0.1:9", checks: CHECKS };
const run = (release: unknown, extra: Record<string, unknown> = {}) => runProgram("dev", { config: { verification: VERIFICATION, release, ...extra } });
const ofKind = (r: ProgramRun, kind: string) => r.resources.filter((x) => x.custom && (x.inputs.kind === kind || x.type.endsWith(`:${kind}`)));
const only = (r: ProgramRun, kind: string): RegisteredResource => {
  const found = ofKind(r, kind);
  assert.equal(found.length, 1, `${kind}: ${found.map((f) => f.name).join(", ")}`);
  return found[0];
};
/** A registered object as the API server would receive it. */
const asObject = (x: RegisteredResource, apiVersion: string, kind: string) => ({ apiVersion, kind, ...x.inputs }) as { apiVersion: string; kind: string; [k: string]: any };
const gateInputs = (r: ProgramRun) => r.resources.find((x) => x.name === "verification-run")!.inputs as Record<string, any>;

describe("progressive release objects (mocks)", () => {
  let validate: Validate;
  before(async () => {
    validate = await loadValidator();
  });

  it("rolling (every committed stack's default) declares no Rollout, AnalysisTemplate, preview Service or release plan", async () => {
    const r = await runProgram("dev", { config: { verification: VERIFICATION } });
    assert.deepEqual(r.resources.filter((x) => x.type.includes("argoproj.io") || x.type.startsWith("acv2:release")), []);
    assert.equal(gateInputs(r).releasePlan, undefined);
    const vs = asObject(only(r, "VirtualService"), "networking.istio.io/v1beta1", "VirtualService");
    assert.equal(vs.spec.http[0].route.length, 1);
  });

  it("canary: a Rollout over the Deployment steering the existing route's subsets, pausing until promoted", async () => {
    const r = await run({ strategy: "canary", canary: { steps: [{ setWeight: 20, pauseSeconds: 90 }, { setWeight: 60 }], headerRoute: { name: "x-canary", value: "1" } } });
    const component = r.resources.filter((x) => x.type === "acv2:release:ProgressiveRelease");
    assert.equal(component.length, 1);
    const rollout = asObject(only(r, "Rollout"), "argoproj.io/v1alpha1", "Rollout");
    validate(rollout);
    assert.equal(only(r, "Rollout").parent, "release");
    assert.deepEqual(rollout.spec.workloadRef, { apiVersion: "apps/v1", kind: "Deployment", name: "agent-cellphone-v2", scaleDown: "progressively" });
    assert.deepEqual(rollout.spec.selector.matchLabels, { "app.kubernetes.io/name": "agent-cellphone-v2", "app.kubernetes.io/instance": "dev" });
    const deployment = r.resources.find((x) => x.name === "app-deployment")!.inputs as any;
    assert.deepEqual(rollout.spec.selector.matchLabels, deployment.spec.selector.matchLabels, "the Rollout selects exactly the Deployment's pods");
    assert.equal(rollout.spec.template, undefined, "the pod template stays the Deployment's");
    const canary = rollout.spec.strategy.canary;
    assert.deepEqual(canary.trafficRouting.istio, {
      virtualService: { name: "agent-cellphone-v2-route", routes: ["app"] },
      destinationRule: { name: "agent-cellphone-v2-traffic", stableSubsetName: "stable", canarySubsetName: "canary" },
    });
    assert.deepEqual(canary.trafficRouting.managedRoutes, [{ name: "canary-header" }]);
    assert.deepEqual(canary.steps, [
      { setHeaderRoute: { name: "canary-header", match: [{ headerName: "x-canary", headerValue: { exact: "1" } }] } },
      { setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} },
    ]);
    // No step resumes on its own: every pause is indefinite.
    assert.ok(canary.steps.every((s: any) => !s.pause || s.pause.duration === undefined));

    const vs = asObject(only(r, "VirtualService"), "networking.istio.io/v1beta1", "VirtualService");
    validate(vs);
    assert.deepEqual(vs.spec.http[0].route.map((d: any) => [d.destination.host, d.destination.subset, d.weight]), [
      ["agent-cellphone-v2.acv2-dev.svc.cluster.local", "stable", 100],
      ["agent-cellphone-v2.acv2-dev.svc.cluster.local", "canary", 0],
    ]);
    const dr = asObject(only(r, "DestinationRule"), "networking.istio.io/v1beta1", "DestinationRule");
    validate(dr);
    assert.deepEqual(dr.spec.subsets, [{ name: "stable" }, { name: "canary" }]);
    assert.equal(dr.spec.trafficPolicy.tls.mode, "ISTIO_MUTUAL", "the policy still covers both subsets");
    const rolling = await runProgram("dev", { config: { verification: VERIFICATION } });
    // One Service more: the canary Service the gate's per-step checks may reach (not used for
    // routing; the controller narrows its selector to the canary's pod-template hash).
    assert.equal(ofKind(r, "Service").length, ofKind(rolling, "Service").length + 1);
    assert.equal(canary.canaryService, "agent-cellphone-v2-canary");
    const svc = r.resources.find((x) => x.name === "release-canary")!;
    assert.equal(svc.parent, "release");
    assert.deepEqual((svc.inputs as any).spec.selector, rollout.spec.selector.matchLabels);
    // The Rollout runs the pods: the Deployment applies no replica count of its own.
    assert.equal(deployment.spec.replicas, undefined);
    assert.equal(typeof (rolling.resources.find((x) => x.name === "app-deployment")!.inputs as any).spec.replicas, "number");
    // The gate gets the steps it drives the Rollout through.
    assert.deepEqual(gateInputs(r).progressive, {
      strategy: "canary",
      rollout: "agent-cellphone-v2",
      steps: [{ setWeight: 20, pauseSeconds: 90 }, { setWeight: 60, pauseSeconds: 60 }],
      leadingSteps: 1,
      // The metric analysis at each step: the dev stack's alert thresholds; Prometheus is the monitoring check's at run time.
      analysis: { spec: { job: "agent-cellphone-v2", maxErrorRatioIncrease: 0.05, p95FloorSeconds: 0.5 }, intervalSeconds: 30, failureLimit: 1 },
    });
    assert.equal(gateInputs(rolling).progressive, undefined);
  });

  it("canary: AnalysisTemplates compare the canary's 5xx ratio and p95 with stable's, from the app's series in bundled Prometheus", async () => {
    const r = await run({ strategy: "canary", analysisIntervalSeconds: 20, failureLimit: 2 });
    const templates = ofKind(r, "AnalysisTemplate").map((x) => asObject(x, "argoproj.io/v1alpha1", "AnalysisTemplate"));
    assert.deepEqual(templates.map((t) => t.metadata.name).sort(), ["agent-cellphone-v2-error-ratio", "agent-cellphone-v2-p95-latency"]);
    for (const t of templates) {
      validate(t);
      assert.deepEqual(t.spec.args, [{ name: "canary-hash" }, { name: "stable-hash" }]);
      const [m] = t.spec.metrics;
      assert.equal(m.interval, "20s");
      assert.equal(m.failureLimit, 2);
      assert.equal(m.provider.prometheus.address, "http://agent-cellphone-v2-prometheus.acv2-dev.svc.cluster.local:9090");
      assert.match(m.provider.prometheus.query, /rollouts_pod_template_hash="\{\{args\.canary-hash\}\}"/);
      assert.match(m.provider.prometheus.query, /rollouts_pod_template_hash="\{\{args\.stable-hash\}\}"/);
    }
    const byName = Object.fromEntries(templates.map((t) => [t.metadata.name, t.spec.metrics[0]]));
    assert.match(byName["agent-cellphone-v2-error-ratio"].provider.prometheus.query, /http_requests_total\{job="agent-cellphone-v2",rollouts_pod_template_hash="\{\{args\.canary-hash\}\}",status=~"5\.\."\}/);
    assert.equal(byName["agent-cellphone-v2-error-ratio"].successCondition, "result[0] <= 0.05");
    assert.match(byName["agent-cellphone-v2-p95-latency"].provider.prometheus.query, /histogram_quantile\(0\.95, sum by \(le\) \(rate\(http_request_duration_seconds_bucket\{job="agent-cellphone-v2"/);
  });

  it("without monitoring there is nothing to query: no AnalysisTemplates, and the plan says so", async () => {
    const r = await run({ strategy: "canary" }, { monitoring: { mode: "none" } });
    assert.equal(ofKind(r, "AnalysisTemplate").length, 0);
    assert.ok((gateInputs(r).releasePlan as string[]).includes("analysis: none (monitoring.mode is none)"));
  });

  it("blueGreen: the app Service is active, a preview Service reaches the new version, promotion is manual; the route is untouched", async () => {
    const r = await run({ strategy: "blueGreen", blueGreen: { previewService: "acv2-next" } });
    const rollout = asObject(only(r, "Rollout"), "argoproj.io/v1alpha1", "Rollout");
    validate(rollout);
    assert.deepEqual(rollout.spec.strategy, {
      blueGreen: { activeService: "agent-cellphone-v2", previewService: "acv2-next", autoPromotionEnabled: false, scaleDownDelaySeconds: 30 },
    });
    const preview = ofKind(r, "Service").find((s) => s.name === "release-preview")!;
    const svc = asObject(preview, "v1", "Service");
    validate(svc);
    assert.equal(svc.metadata.name, "acv2-next");
    assert.equal(svc.spec.type, "ClusterIP");
    assert.deepEqual(svc.spec.selector, rollout.spec.selector.matchLabels);
    assert.ok(only(r, "Rollout").dependencies.includes("release-preview"), "the Rollout waits for its preview Service");
    const vs = asObject(only(r, "VirtualService"), "networking.istio.io/v1beta1", "VirtualService");
    assert.equal(vs.spec.http[0].route.length, 1);
    assert.equal(asObject(only(r, "DestinationRule"), "networking.istio.io/v1beta1", "DestinationRule").spec.subsets, undefined);
    assert.equal(ofKind(r, "Service").filter((x) => x.name === "release-canary").length, 0, "no canary Service for blueGreen");
    // The controller owns the active Service's selector: nothing in the Service changes per release
    // (a re-apply would conflict with it under server-side apply, found on the real node).
    const active = r.resources.find((x) => x.name === "app-service")!.inputs as any;
    assert.equal(active.metadata.labels["app.kubernetes.io/version"], undefined);
    assert.ok(active.metadata.labels["app.kubernetes.io/name"]);
    // The gate promotes the preview after watching and verifying it (one step at 0 % of users).
    const g = await run({ strategy: "blueGreen", blueGreen: { pauseSeconds: 45, verifyBaseUrl: "http://acv2-next.acv2-dev.svc" } });
    assert.deepEqual(gateInputs(g).progressive, {
      strategy: "blueGreen", rollout: "agent-cellphone-v2", steps: [{ setWeight: 0, pauseSeconds: 45 }], leadingSteps: 0, verifyBaseUrl: "http://acv2-next.acv2-dev.svc",
      analysis: { spec: { job: "agent-cellphone-v2", maxErrorRatioIncrease: 0.05, p95FloorSeconds: 0.5 }, intervalSeconds: 30, failureLimit: 1 },
    });
  });

  it("the release objects are a gate trigger, and the gate registers after them", async () => {
    const base = gateInputs(await runProgram("dev", { config: { verification: VERIFICATION } }));
    const r = await run({ strategy: "canary" });
    const gate = gateInputs(r);
    assert.notEqual(gate.servingHash, base.servingHash);
    assert.ok(r.resources.find((x) => x.name === "verification-run")!.dependencies.includes("release-rollout"));
    const other = gateInputs(await run({ strategy: "canary", canary: { steps: [{ setWeight: 30 }] } }));
    assert.notEqual(other.servingHash, gate.servingHash, "a new step list re-runs verification");
  });
});
