// The gate's run for a canary release: canary.ts drives the Argo Rollout step by step and this
// module supplies what it runs at each step, the suite against the new version. The rollout and
// rollback checks are left out of the steps (they judge the Deployment, whose pods the Rollout
// runs; the Rollout's own progress is what the loop waits for, and an abort is the rollback).
import type { VerificationConfig } from "../../verification/schema";
import type { CheckResult, PerformanceBaseline, SuiteReport } from "../../verification/types";
import { driveCanary, stepLabel, stepsTable, type CanaryOutcome, type CanaryPlan, type RolloutControl } from "./canary";
import type { GateInputs } from "./impl";
import { failureTable, summarize, type GateSummary } from "./logic";
import { nextFailedImages, type ReleaseRecord, type VerifiedRelease } from "./release";

/** Check types that judge the Deployment, not the new version: not run at the steps. */
export const DEPLOYMENT_CHECK_TYPES = new Set(["rollout", "rollback"]);

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
      return runStep(signal);
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
