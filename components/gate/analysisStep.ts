// A step of a progressive release with its metric analysis (analysis.ts) beside the suite: both
// run for the step's window, either failing stops the other, and the analysis is one more blocking
// row of the step's report ("metric-analysis"), with every measurement's figures for canary and
// stable side by side.
import type { VerificationConfig } from "../../verification/schema";
import type { CheckResult, SuiteReport } from "../../verification/types";
import { analyzeStep, type AnalysisResult } from "./analysis";
import type { CanaryPlan, RolloutControl } from "./canary";

/** The name of the analysis's row in a step's report. */
export const ANALYSIS_CHECK = "metric-analysis";

/** Prometheus for the analysis: the plan's, else the monitoring check's (it may carry credentials: never logged whole). */
export function analysisPrometheusUrl(plan: Pick<CanaryPlan, "analysis">, config: VerificationConfig): string | undefined {
  if (!plan.analysis) return undefined;
  const check = config.checks.find((c) => c.type === "monitoring") as { prometheusUrl?: string } | undefined;
  return plan.analysis.prometheusUrl ?? check?.prometheusUrl;
}

export interface AnalysedStepArgs {
  plan: CanaryPlan;
  config: VerificationConfig;
  control: Pick<RolloutControl, "read">;
  /** The step's watch time: the analysis takes one measurement per interval in it (at least failureLimit + 1). */
  windowMs: number;
  log: (line: string) => void;
  onResult?: (r: CheckResult) => void;
}

/**
 * Runs `inner` (the step's suite) and the analysis together. Without an analysis in the plan (no
 * monitoring) `inner` runs alone; with one but no Prometheus to query, the row is SKIPPED saying
 * why, so the report never implies metrics were judged.
 */
export async function analysedStep(a: AnalysedStepArgs, inner: (signal?: AbortSignal) => Promise<SuiteReport>, signal?: AbortSignal): Promise<SuiteReport> {
  const plan = a.plan.analysis;
  if (!plan) return inner(signal);
  const t0 = Date.now();
  const url = analysisPrometheusUrl(a.plan, a.config);
  if (!url) {
    const report = await inner(signal);
    return withRow(a, report, { status: "skipped", durationMs: 0, message: "not run: neither release.analysisPrometheusUrl nor a monitoring check names a Prometheus the gate can query" });
  }
  const v = await a.control.read();
  if (!v.currentPodHash || !v.stableHash || v.currentPodHash === v.stableHash) {
    const report = await inner(signal);
    return withRow(a, report, { status: "error", durationMs: 0, message: `no two versions to compare (new ${v.currentPodHash ?? "none"}, stable ${v.stableHash ?? "none"})` });
  }
  const host = new URL(url).host;
  const measurements = Math.max(1, Math.floor(a.windowMs / (plan.intervalSeconds * 1000)));
  a.log(`analysis: canary ${v.currentPodHash} against stable ${v.stableHash} at Prometheus ${host}, ${Math.max(measurements, plan.failureLimit + 1)} measurement(s) every ${plan.intervalSeconds} s, failure limit ${plan.failureLimit}`);
  // Either side failing ends the step for both: an abort is due, and its timing is the point.
  const stopSuite = new AbortController();
  const stopAnalysis = new AbortController();
  signal?.addEventListener("abort", () => { stopSuite.abort(signal.reason); stopAnalysis.abort(signal.reason); }, { once: true });
  const suite = inner(stopSuite.signal).then((r) => {
    if (r.status !== "passed") stopAnalysis.abort(new Error("the suite failed"));
    return r;
  });
  const analysis = analyzeStep({
    prometheusUrl: url, spec: plan.spec, canaryHash: v.currentPodHash, stableHash: v.stableHash,
    intervalMs: plan.intervalSeconds * 1000, failureLimit: plan.failureLimit, measurements, signal: stopAnalysis.signal, log: a.log,
  }).then((r) => {
    if (r.verdict !== "passed") stopSuite.abort(new Error(`the metric analysis ${r.verdict === "failed" ? "failed" : "could not be taken"}`));
    return r;
  });
  const [report, result] = await Promise.all([suite, analysis]);
  return withRow(a, report, rowOf(result, host, v.currentPodHash, v.stableHash, Date.now() - t0));
}

function rowOf(r: AnalysisResult, host: string, canary: string, stable: string, durationMs: number): RowPart {
  const status = r.cut ? "skipped" : r.verdict;
  return {
    status,
    durationMs,
    message: r.cut ? `not decided, the step ended first: ${r.message}` : r.message,
    measurements: { prometheus: host, canaryHash: canary, stableHash: stable, measurements: r.measurements },
  };
}

type RowPart = Omit<CheckResult, "name" | "type" | "blocking" | "measurements"> & { measurements?: CheckResult["measurements"] };

function withRow(a: AnalysedStepArgs, report: SuiteReport, part: RowPart): SuiteReport {
  const row: CheckResult = { name: ANALYSIS_CHECK, type: "monitoring", blocking: true, measurements: {}, ...part };
  a.log(`analysis: ${row.status.toUpperCase()}: ${row.message}`);
  a.onResult?.(row);
  const failing = row.status === "failed" || row.status === "error";
  return { ...report, status: report.status === "passed" && failing ? "failed" : report.status, checks: [...report.checks, row] };
}
