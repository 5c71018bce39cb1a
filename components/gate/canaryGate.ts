// The gate's run for a canary release: canary.ts drives the Argo Rollout step by step and this
// module supplies what it runs at each step, the suite against the new version. The rollout and
// rollback checks are left out of the steps (they judge the Deployment, whose pods the Rollout
// runs; the Rollout's own progress is what the loop waits for, and an abort is the rollback).
import { DEPLOYMENT_CHECK_TYPES } from "../../config/sections/release";
import type { VerificationConfig } from "../../verification/schema";
import type { CheckResult, PerformanceBaseline, SuiteReport } from "../../verification/types";
import { driveCanary, stepLabel, stepsTable, type CanaryOutcome, type CanaryPlan, type RolloutControl } from "./canary";
import { analysedStep } from "./analysisStep";
import type { GateInputs } from "./impl";
import { failureTable, summarize, type GateSummary } from "./logic";
import { nextFailedImages, type ReleaseRecord, type VerifiedRelease } from "./release";


export interface CanaryGateArgs {
  config: VerificationConfig;
  plan: CanaryPlan;
  control: RolloutControl;
  /** Kubeconfig path for the Kubernetes checks (security). */
  kubeconfig?: string;
  baselines?: Record<string, PerformanceBaseline>;
  log: (line: string) => void;
  onStart?: (name: string) => void;
  onResult?: (r: CheckResult) => void;
}

/** The step's config: the suite minus the Deployment checks, sent to the new version. */
export function stepConfig(config: VerificationConfig, plan: Pick<CanaryPlan, "verifyBaseUrl">): { config: VerificationConfig; only: string[]; leftOut: string[] } {
  const leftOut = config.checks.filter((c) => DEPLOYMENT_CHECK_TYPES.has(c.type)).map((c) => c.name);
  const only = config.checks.filter((c) => !DEPLOYMENT_CHECK_TYPES.has(c.type)).map((c) => c.name);
  return { config: { ...config, baseUrl: plan.verifyBaseUrl ?? config.baseUrl }, only, leftOut };
}

/** How long the loop waits for a step: the rollout check's timeout when there is one, else 300 s. */
export function stepWaitMs(config: VerificationConfig): number {
  const rollout = config.checks.find((c) => c.type === "rollout");
  return ((rollout as { timeoutSeconds?: number } | undefined)?.timeoutSeconds ?? 300) * 1000;
}

export async function runCanaryGate(args: CanaryGateArgs): Promise<CanaryOutcome> {
  const suite = await import("../../verification");
  const { withKubeconfig } = await import("../../verification/k8sTarget");
  const step = stepConfig(args.config, args.plan);
  const who = args.plan.strategy;
  if (step.only.length === 0) throw new Error(`${who}: no check verifies the new version at a step (only rollout/rollback checks are configured)`);
  if (step.leftOut.length > 0) args.log(`${who}: ${step.leftOut.join(", ")} judge the Deployment and are not run at the steps; the Rollout's progress is waited for instead`);
  const target = step.config.baseUrl ? new URL(step.config.baseUrl).host : "(no baseUrl)";
  const leftOut = new Set(step.leftOut);
  // The Deployment checks are said once above and left out of every step's report (not SKIPPED rows).
  const runStep = async (signal?: AbortSignal): Promise<SuiteReport> => {
    if (step.config.baseUrl) args.log(`${who}: ${target} ${await answering(step.config.baseUrl, signal)}`);
    const r = await suite.runSuite({ ...step.config, checks: withKubeconfig(step.config.checks, args.kubeconfig) }, {
      signal, only: step.only, baselines: args.baselines, log: args.log, onStart: args.onStart,
      onResult: (x) => (leftOut.has(x.name) ? undefined : args.onResult?.(x)),
    });
    return { ...r, checks: r.checks.filter((c) => !leftOut.has(c.name)) };
  };
  const outcome = await driveCanary(args.control, args.plan, {
    waitTimeoutMs: stepWaitMs(args.config),
    log: args.log,
    verify: async (n, _weight, signal) => {
      args.log(`${who}: verifying ${stepLabel(args.plan, n - 1)} against ${target}${args.plan.verifyBaseUrl ? ` (release.${who}.verifyBaseUrl)` : " (the verification baseUrl: it does not reach only the new version)"}`);
      const windowMs = args.plan.steps[n - 1].pauseSeconds * 1000;
      const inner = (s?: AbortSignal) => (args.plan.strategy !== "abTest" || !args.plan.cohort ? runStep(s) : cohortStep(args, step.config, windowMs, runStep, s));
      return analysedStep({ plan: args.plan, config: args.config, control: args.control, windowMs, log: args.log, onResult: args.onResult }, inner, signal);
    },
  });
  if (outcome.outcome === "unchanged") {
    // Nothing to promote (the Rollout's first release, or a config or serving-object change):
    // verify what serves, through the same address as the steps (the canary Service selects the
    // stable pods once a Rollout is fully promoted; the app Service may still reach the Deployment's
    // own pods while the controller scales them down).
    args.log(`${who}: ${outcome.message}; verifying it at ${target}`);
    outcome.report = await runStep();
  }
  return outcome;
}

/** The name of the A/B comparison's row in the step's report. */
export const COHORT_CHECK = "ab-cohort";

/**
 * abTest's step: the suite against the candidate and, for the cohort's whole window, the same
 * requests to the candidate and to stable side by side (cohort.ts); a failing suite stops the
 * comparison. The comparison is a blocking row of the step's report (type availability: it
 * compares the two versions' answers).
 */
async function cohortStep(args: CanaryGateArgs, config: VerificationConfig, windowMs: number, runStep: (signal?: AbortSignal) => Promise<SuiteReport>, signal?: AbortSignal): Promise<SuiteReport> {
  const { compareCohort } = await import("./cohort");
  const cohort = args.plan.cohort!;
  const stableUrl = cohort.stableBaseUrl ?? args.config.baseUrl;
  if (!config.baseUrl || !stableUrl) throw new Error("abTest: the cohort comparison needs release.abTest.verifyBaseUrl and a stable address (release.abTest.stableBaseUrl or verification.baseUrl)");
  const stop = new AbortController();
  signal?.addEventListener("abort", () => stop.abort(signal.reason), { once: true });
  const health = config.checks.find((c) => c.type === "health") as { path?: string } | undefined;
  const t0 = Date.now();
  args.log(`abTest: comparing the candidate with stable (${new URL(stableUrl).host}) for ${Math.round(windowMs / 1000)} s`);
  const suite = runStep(signal).then((r) => {
    if (r.status !== "passed") stop.abort(new Error("the suite failed"));
    return r;
  });
  const [report, cmp] = await Promise.all([
    suite,
    compareCohort({ cohortUrl: config.baseUrl, stableUrl, path: health?.path, durationMs: windowMs, maxErrorRatioIncrease: cohort.maxErrorRatioIncrease, signal: stop.signal }),
  ]);
  // Stopped early (the suite failed, or the step was aborted): the figures are partial and decide nothing.
  const cut = stop.signal.aborted && cmp.verdict === "passed";
  const message = cut ? `stopped after ${((Date.now() - t0) / 1000).toFixed(1)} s (${(stop.signal.reason as Error)?.message ?? "aborted"}): ${cmp.message}` : cmp.message;
  args.log(`abTest: ${cut ? "cohort comparison stopped" : cmp.verdict === "passed" ? "cohort compared" : "cohort FAILED"}: ${message}`);
  const row: CheckResult = {
    name: COHORT_CHECK, type: "availability", status: cut ? "skipped" : cmp.verdict, blocking: true, durationMs: Date.now() - t0, message,
    measurements: { path: cmp.path, cohort: cmp.cohort, stable: cmp.stable, maxErrorRatioIncrease: cmp.maxErrorRatioIncrease },
  };
  args.onResult?.(row);
  return { ...report, status: report.status === "passed" && cmp.verdict !== "passed" ? "failed" : report.status, checks: [...report.checks, row] };
}

/**
 * Waits (at most `timeoutMs`) until the address answers HTTP at all, any status: the controller
 * marks the new pods available a moment before the Service's endpoints reach kube-proxy (seen on
 * the node with blueGreen's preview: a connection reset on the first request). The checks then
 * judge the answers; an address that never answers is theirs to report.
 */
export async function answering(baseUrl: string, signal?: AbortSignal, timeoutMs = 15_000): Promise<string> {
  const t0 = Date.now();
  let last = "no answer";
  while (Date.now() - t0 < timeoutMs && !signal?.aborted) {
    try {
      const res = await fetch(baseUrl, { redirect: "manual", signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return `answers (HTTP ${res.status} after ${((Date.now() - t0) / 1000).toFixed(1)} s)`;
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      last = cause?.code ?? (e as Error).name;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return `did not answer within ${timeoutMs / 1000} s (${last}); the checks run anyway`;
}

/** The JSON report of a canary run: the last verified step's suite plus the steps. */
export function canaryReport(outcome: CanaryOutcome, started: number, strategy: CanaryPlan["strategy"] = "canary"): SuiteReport & { release: unknown } {
  const report: SuiteReport = outcome.report ?? { status: "failed", startedAt: new Date(started).toISOString(), durationMs: 0, checks: [] };
  return {
    ...report,
    status: outcome.outcome === "aborted" || outcome.outcome === "failed" ? "failed" : report.status,
    durationMs: Date.now() - started,
    release: { strategy, outcome: outcome.outcome, message: outcome.message, stableHash: outcome.stableHash, elapsedMs: outcome.elapsedMs, steps: outcome.steps },
  };
}

/** What canaryRun needs of impl.ts (handed in: impl imports this module lazily). */
export interface CanaryRunArgs {
  id: string;
  inputs: GateInputs;
  olds: (ReleaseRecord & { baselines?: Record<string, PerformanceBaseline> }) | undefined;
  config: VerificationConfig;
  dir: string;
  started: number;
  newRelease: boolean;
  kubeconfig?: string;
  writeReports: (dir: string, report: SuiteReport, markdown: string, junit: string) => { path: string; text: string };
  failedRun: (id: string, inputs: GateInputs, olds: CanaryRunArgs["olds"], message: string, record: Partial<ReleaseRecord> & Partial<GateSummary>) => Error;
}

/**
 * The whole gate run for a canary: drive, write the reports, and either store the promoted
 * release as verified or fail the update. An abort leaves stable serving every request, so the
 * record says the image does not run (rolledBack): the same image is not verified again without
 * the opt-in, and a re-run does not silently promote it.
 */
export async function canaryRun(a: CanaryRunArgs): Promise<Omit<GateInputs, "config"> & GateSummary & ReleaseRecord> {
  const suite = await import("../../verification");
  const { rolloutControl } = await import("./canaryKube");
  const plan = a.inputs.progressive as CanaryPlan;
  const say = (line: string) => process.stderr.write(`[verification] ${line}\n`);
  const control = rolloutControl({ namespace: a.inputs.target.namespace, rollout: plan.rollout, kubeconfig: a.kubeconfig });
  const outcome = await runCanaryGate({
    config: a.config, plan, control, kubeconfig: a.kubeconfig, baselines: a.olds?.baselines, log: say,
    onResult: (r) => say(`${r.name} (${r.type}) ${r.status.toUpperCase()}${r.blocking ? "" : " (advisory)"}: ${r.message}`),
  });
  const report = canaryReport(outcome, a.started, plan.strategy);
  const { path, text } = a.writeReports(a.dir, report, suite.renderMarkdown(report), suite.renderJunit(report));
  say(`${plan.strategy}: ${outcome.message}\n${stepsTable(outcome.steps)}`);
  if (report.status !== "passed") {
    const failedImages = nextFailedImages(a.olds?.failedImages, a.inputs.imageRef, "failed", a.newRelease);
    const table = outcome.report ? failureTable(outcome.report, path) : `full report: ${path}`;
    // An abort keeps the new version off every request; any other failure touched nothing.
    const rolledBack = outcome.outcome === "aborted" ? true : Boolean(a.olds?.rolledBack) && !a.newRelease;
    throw a.failedRun(a.id, a.inputs, a.olds, [outcome.message, stepsTable(outcome.steps), table].join("\n"), { failedImages, rolledBack, reportPath: path });
  }
  const summary = summarize(report, path, text, a.inputs.imageRef, a.olds?.baselines);
  const release: VerifiedRelease = { imageRef: a.inputs.imageRef, verifiedAt: summary.verifiedAt, ...(outcome.stableHash ? { podTemplateHash: outcome.stableHash } : {}) };
  const { config: _omitted, ...triggersAndTarget } = a.inputs;
  return {
    ...triggersAndTarget,
    ...summary,
    verifiedRelease: JSON.parse(JSON.stringify(release)),
    failedImages: nextFailedImages(a.olds?.failedImages, a.inputs.imageRef, "passed", a.newRelease),
    rolledBack: false,
  };
}

/**
 * A refused image (it failed verification here before) must get no traffic: when the Rollout is
 * stepping it (its template is not the stable one), abort it. Waits up to `timeoutMs` for the
 * controller to see the template. Returns the line for the error.
 */
export async function abortRefused(plan: CanaryPlan, namespace: string, kubeconfig: string | undefined, timeoutMs = 30_000): Promise<string> {
  const { rolloutControl } = await import("./canaryKube");
  const ctl = rolloutControl({ namespace, rollout: plan.rollout, kubeconfig });
  const deadline = Date.now() + timeoutMs;
  let v = await ctl.read();
  while (!v.observed && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    v = await ctl.read();
  }
  if (!v.observed) return `${plan.strategy}: the controller did not see the template within ${timeoutMs / 1000} s; the Rollout was left as it is`;
  if (v.aborted) return `${plan.strategy}: the Rollout stays aborted; stable ${v.stableHash ?? ""} serves`;
  if (v.currentPodHash && v.currentPodHash === v.stableHash) return `${plan.strategy}: the Rollout runs its stable template ${v.stableHash}; nothing was stepped`;
  await ctl.abort();
  return `${plan.strategy}: the refused release was aborted before it got more traffic; stable ${v.stableHash ?? ""} serves`;
}
