// What `pulumi preview` shows of a canary, blueGreen or abTest release (issue 13, point 5): the
// strategy, each step and the checks planned at each step, as lines on the gate's `releasePlan`
// input. Pure. The gate runs these checks at each step and promotes or aborts
// (components/gate/canary.ts).
import { BLUE_GREEN_DEFAULT_PAUSE_SECONDS, DEPLOYMENT_CHECK_TYPES, canaryStepsOf, type ReleaseConfig } from "../../config/sections/release";
import { MAX_P95_RATIO, type AnalysisSpec } from "./releaseAnalysis";
import { COHORT_REPLICAS, cohortLabel, previewServiceName } from "./releaseSpecs";

export interface PlannedCheck {
  name: string;
  type: string;
  advisory?: boolean;
}

/** The label the gate's plannedChecks input uses for a check: `name (type[, advisory])`. */
export function plannedCheckLabel(c: PlannedCheck): string {
  return `${c.name} (${c.type}${c.advisory ? ", advisory" : ""})`;
}

export interface ReleasePlanContext {
  appName: string;
  /** The app's Service (blueGreen's active Service). */
  serviceName: string;
  checks: PlannedCheck[];
  /** Names of the declared AnalysisTemplates (none without monitoring). */
  analysisTemplates: string[];
  /** Whether the gate queries Prometheus at the steps, and where (or why not); with its thresholds. */
  analysis?: { queried: boolean; source: string; spec: AnalysisSpec };
}

function analysisLine(r: ReleaseConfig, ctx: ReleasePlanContext): string {
  if (ctx.analysisTemplates.length === 0) return "analysis: none (monitoring.mode is none)";
  const declared = `declared as AnalysisTemplates ${ctx.analysisTemplates.join(", ")}`;
  if (!ctx.analysis?.queried) return `analysis: not run at the steps (${ctx.analysis?.source ?? "no Prometheus to query"}); ${declared}`;
  const s = ctx.analysis.spec;
  return (
    `analysis at every step: at least ${r.failureLimit + 1} measurement(s), one every ${r.analysisIntervalSeconds} s, failure limit ${r.failureLimit}, ` +
    `queried by the gate at ${ctx.analysis.source}: canary 5xx ratio at most ${s.maxErrorRatioIncrease} over stable's, canary p95 at most ${MAX_P95_RATIO}x stable's or ${s.p95FloorSeconds} s; ${declared}`
  );
}

/** Lines for the plan; empty for `rolling` (whose gate input stays exactly as before). */
export function buildReleasePlan(r: ReleaseConfig, ctx: ReleasePlanContext): string[] {
  if (r.strategy === "rolling") return [];
  const checks = ctx.checks.length > 0 ? ctx.checks.map(plannedCheckLabel).join(", ") : "none";
  const lines: string[] = [];
  if (r.strategy === "canary") {
    const steps = canaryStepsOf(r);
    const atSteps = ctx.checks.filter((c) => !DEPLOYMENT_CHECK_TYPES.has(c.type));
    const stepChecks = atSteps.length > 0 ? atSteps.map(plannedCheckLabel).join(", ") : "none";
    const where = r.canary?.verifyBaseUrl ? `at ${new URL(r.canary.verifyBaseUrl).host} (canary.verifyBaseUrl)` : "at the verification baseUrl (both versions answer)";
    lines.push(`strategy canary: an Argo Rollout shifts the route's traffic in ${steps.length + (steps[steps.length - 1].setWeight === 100 ? 0 : 1)} steps; the gate verifies each step and promotes, or aborts (all traffic back to stable)`);
    if (r.canary?.headerRoute) lines.push(`header route: requests with header ${r.canary.headerRoute.name} reach the new version at every step`);
    steps.forEach((s, i) => lines.push(`step ${i + 1}: ${s.setWeight}% to the new version, watched ${s.pauseSeconds} s, then checks ${where}: ${stepChecks}`));
    if (steps[steps.length - 1].setWeight !== 100) lines.push(`step ${steps.length + 1}: 100% to the new version (final, implied): the gate waits for the Rollout to become Healthy`);
    const deploymentChecks = ctx.checks.filter((c) => DEPLOYMENT_CHECK_TYPES.has(c.type));
    if (deploymentChecks.length > 0) lines.push(`not run at steps (they judge the Deployment; the Rollout's progress is waited for, an abort is the rollback): ${deploymentChecks.map(plannedCheckLabel).join(", ")}`);
  } else if (r.strategy === "abTest") {
    const ab = r.abTest!;
    const atStep = ctx.checks.filter((c) => !DEPLOYMENT_CHECK_TYPES.has(c.type));
    const window = ab.intervals * r.analysisIntervalSeconds;
    lines.push(`strategy abTest: an Argo Rollout routes one cohort (${cohortLabel(ab.cohort)}) to the new version and no one else; the gate compares it with stable and promotes, or aborts (the cohort back on stable)`);
    lines.push(`step 1: the cohort on ${COHORT_REPLICAS} new pod(s), 0% of other users, for ${ab.intervals} analysis interval(s) of ${r.analysisIntervalSeconds} s (${window} s): checks at ${new URL(ab.verifyBaseUrl).host} (abTest.verifyBaseUrl): ${atStep.length > 0 ? atStep.map(plannedCheckLabel).join(", ") : "none"}; and the health check's path (default /health) side by side with stable at ${ab.stableBaseUrl ? `${new URL(ab.stableBaseUrl).host} (abTest.stableBaseUrl)` : "the verification baseUrl"}: the cohort's error ratio may exceed stable's by at most ${ab.maxErrorRatioIncrease}`);
    lines.push("step 2: promoted, 100% of users, the cohort route removed: the gate waits for the Rollout to become Healthy");
  } else {
    const preview = previewServiceName(r, ctx.appName);
    const atPreview = ctx.checks.filter((c) => !DEPLOYMENT_CHECK_TYPES.has(c.type));
    const where = r.blueGreen?.verifyBaseUrl ? `at ${new URL(r.blueGreen.verifyBaseUrl).host} (blueGreen.verifyBaseUrl)` : "at the verification baseUrl (the ACTIVE version answers there)";
    lines.push(`strategy blueGreen: the new version starts behind Service ${preview}; Service ${ctx.serviceName} switches only when the gate promotes it, or never (abort)`);
    lines.push(`step 1: preview, 0% of users (Service ${preview}), watched ${r.blueGreen?.pauseSeconds ?? BLUE_GREEN_DEFAULT_PAUSE_SECONDS} s, then checks ${where}: ${atPreview.length > 0 ? atPreview.map(plannedCheckLabel).join(", ") : "none"}`);
    lines.push(`step 2: promoted, 100% of users (Service ${ctx.serviceName}): the gate waits for the Rollout to become Healthy`);
  }
  lines.push(analysisLine(r, ctx));
  return lines;
}
