// What preview shows of a release (issue 13 point 5): the gate's `releasePlan` input lists the
// strategy, each step and the checks planned at each step. Pure builder, then through the real
// program under MOCKS (pulumi.runtime.setMocks) to the gate's registered inputs.
import { strict as assert } from "assert";
import { releaseSchema } from "../../config/sections/release";
import { buildReleasePlan, plannedCheckLabel } from "../../components/specs/releasePlan";
import { runProgram } from "./harness/runProgram";

const CHECKS = [
  { name: "rollout", type: "rollout" },
  { name: "api", type: "api", advisory: true },
];
const SPEC = { job: "acv2", maxErrorRatioIncrease: 0.05, p95FloorSeconds: 0.5 };
const ctx = {
  appName: "acv2", serviceName: "acv2", checks: CHECKS, analysisTemplates: ["acv2-error-ratio", "acv2-p95-latency"],
  analysis: { queried: true, source: "Prometheus at prom.acv2:9090 (release.analysisPrometheusUrl)", spec: SPEC },
};

describe("release plan (what preview shows)", () => {
  it("uses the gate's check label", () => {
    assert.equal(plannedCheckLabel(CHECKS[1]), "api (api, advisory)");
  });

  it("canary: the strategy, each weight with its watch time and checks, the implied 100 %, the header route and the analysis", () => {
    const r = releaseSchema.parse({ strategy: "canary", analysisIntervalSeconds: 15, canary: { steps: [{ setWeight: 10, pauseSeconds: 120 }, { setWeight: 40 }], headerRoute: { name: "x-canary", value: "yes" }, verifyBaseUrl: "http://canary.acv2.svc" } });
    assert.deepEqual(buildReleasePlan(r, ctx), [
      "strategy canary: an Argo Rollout shifts the route's traffic in 3 steps; the gate verifies each step and promotes, or aborts (all traffic back to stable)",
      "header route: requests with header x-canary reach the new version at every step",
      "step 1: 10% to the new version, watched 120 s, then checks at canary.acv2.svc (canary.verifyBaseUrl): api (api, advisory)",
      "step 2: 40% to the new version, watched 60 s, then checks at canary.acv2.svc (canary.verifyBaseUrl): api (api, advisory)",
      "step 3: 100% to the new version (final, implied): the gate waits for the Rollout to become Healthy",
      "not run at steps (they judge the Deployment; the Rollout's progress is waited for, an abort is the rollback): rollout (rollout)",
      "analysis at every step: at least 2 measurement(s), one every 15 s, failure limit 1, queried by the gate at Prometheus at prom.acv2:9090 (release.analysisPrometheusUrl): " +
        "canary 5xx ratio at most 0.05 over stable's, canary p95 at most 1.5x stable's or 0.5 s; declared as AnalysisTemplates acv2-error-ratio, acv2-p95-latency",
    ]);
  });

  it("says when the analysis is declared but not run, and why", () => {
    const r = releaseSchema.parse({ strategy: "canary", failureLimit: 0 });
    const plan = buildReleasePlan(r, { ...ctx, analysis: { queried: false, source: "no Prometheus", spec: SPEC } });
    assert.equal(plan[plan.length - 1], "analysis: not run at the steps (no Prometheus); declared as AnalysisTemplates acv2-error-ratio, acv2-p95-latency");
  });

  it("canary ending at an explicit 100 %: no implied step", () => {
    const r = releaseSchema.parse({ strategy: "canary", canary: { steps: [{ setWeight: 50 }, { setWeight: 100, pauseSeconds: 30 }] } });
    const plan = buildReleasePlan(r, { ...ctx, checks: [] });
    assert.match(plan[0], /in 2 steps/);
    assert.equal(plan[2], "step 2: 100% to the new version, watched 30 s, then checks at the verification baseUrl (both versions answer): none");
    assert.ok(!plan.some((l) => l.includes("implied")));
  });

  it("blueGreen: preview then promotion, each with its checks", () => {
    const r = releaseSchema.parse({ strategy: "blueGreen" });
    assert.deepEqual(buildReleasePlan(r, { ...ctx, analysisTemplates: [] }), [
      "strategy blueGreen: the new version starts behind Service acv2-preview; Service acv2 switches only when the gate promotes it, or never (abort)",
      "step 1: preview, 0% of users (Service acv2-preview), watched 30 s, then checks at the verification baseUrl (the ACTIVE version answers there): api (api, advisory)",
      "step 2: promoted, 100% of users (Service acv2): the gate waits for the Rollout to become Healthy",
      "analysis: none (monitoring.mode is none)",
    ]);
  });

  it("rolling: no plan", () => {
    assert.deepEqual(buildReleasePlan(releaseSchema.parse({}), ctx), []);
  });

  it("reaches the gate's inputs (what `pulumi preview` prints), and stays out of them for rolling", async () => {
    const verification = { baseUrl: "http://127.0.0.1:9", checks: [{ name: "rollout", type: "rollout", namespace: "acv2-dev", deployment: "agent-cellphone-v2", timeoutSeconds: 60 }, { name: "health", type: "health" }] };
    const gate = async (release?: unknown) => {
      const r = await runProgram("dev", { config: { verification, ...(release ? { release } : {}) } });
      return r.resources.find((x) => x.name === "verification-run")!.inputs as Record<string, unknown>;
    };
    const canary = await gate({ strategy: "canary" });
    assert.deepEqual(canary.releasePlan, [
      "strategy canary: an Argo Rollout shifts the route's traffic in 3 steps; the gate verifies each step and promotes, or aborts (all traffic back to stable)",
      "step 1: 10% to the new version, watched 60 s, then checks at the verification baseUrl (both versions answer): health (health)",
      "step 2: 50% to the new version, watched 60 s, then checks at the verification baseUrl (both versions answer): health (health)",
      "step 3: 100% to the new version (final, implied): the gate waits for the Rollout to become Healthy",
      "not run at steps (they judge the Deployment; the Rollout's progress is waited for, an abort is the rollback): rollout (rollout)",
      "analysis: not run at the steps (neither release.analysisPrometheusUrl nor a monitoring check names a Prometheus the gate can query); declared as AnalysisTemplates agent-cellphone-v2-error-ratio, agent-cellphone-v2-p95-latency",
    ]);
    assert.ok(!("releasePlan" in (await gate())));
    // The gate's input names no Prometheus (the monitoring check's URL is read from its own config at run time).
    assert.deepEqual((canary.progressive as { analysis?: unknown }).analysis, { spec: { job: "agent-cellphone-v2", maxErrorRatioIncrease: 0.05, p95FloorSeconds: 0.5 }, intervalSeconds: 30, failureLimit: 1 });
    const withUrl = await gate({ strategy: "canary", analysisPrometheusUrl: "http://127.0.0.1:9090" });
    assert.match((withUrl.releasePlan as string[]).at(-1)!, /^analysis at every step: at least 2 measurement\(s\), one every 30 s, failure limit 1, queried by the gate at Prometheus at 127\.0\.0\.1:9090 \(release\.analysisPrometheusUrl\)/);
    assert.equal((withUrl.progressive as { analysis: { prometheusUrl: string } }).analysis.prometheusUrl, "http://127.0.0.1:9090");
  });
});
