// Performance: open-model load at a fixed rate against `${baseUrl}${path}`; judged on tail
// latency and error rate, and against the last passing baseline when one exists.
// Rules, in order:
//   - aborted (timeout, deadline, SIGINT) -> ERROR; a partial run is not a measurement.
//   - no request got any HTTP answer (all refused/reset/timed out/dropped) -> ERROR: nothing was measured.
//   - samples < minSamples -> INCONCLUSIVE, message states the count (fault 10).
//   - any threshold broken (maxErrorRate defaults to 1%), or p95 regressed beyond maxRegression -> FAILED,
//     unless only latency broke and this process's own stall explains it (clientStallExplains) -> INCONCLUSIVE.
//   - otherwise PASSED; the measurements carry p50/p95/p99 so the gate can store a new baseline.
import { errorOutcome, isSuccessStatus, joinUrl } from "../http";
import { describeAttemptBudget } from "../limits";
import { compareBaseline, summarize, thresholdViolations, type BaselineComparison } from "../load";
import { DEFAULT_MAX_IN_FLIGHT, runOpenLoad, type OpenLoadResult } from "../loadRunner";
import type { CheckConfigOf } from "../schema";
import type { AttemptOutcome, CheckContext, CheckDefinition } from "../types";

type Config = CheckConfigOf<"performance">;

/**
 * Error rate tolerated when `thresholds.maxErrorRate` is unset: 1%. Without a default, a run in
 * which every request answered 500 would pass on latency alone.
 */
export const DEFAULT_MAX_ERROR_RATE = 0.01;

/**
 * Pure: does the measuring process's own stall explain the latency breaches? A stall of S ms (its
 * event loop held up by GC or blocking work) delays each request due or in flight during it by at
 * most S, so it can lift any percentile by at most S. When every broken latency criterion is
 * exceeded by no more than S, the run cannot tell a slow target from a stalled client. An error
 * rate is never explained this way (a stall does not make the target answer 5xx).
 */
export function clientStallExplains(excessesMs: readonly number[], stallMs: number): boolean {
  return excessesMs.length > 0 && stallMs > 0 && excessesMs.every((e) => e <= stallMs);
}

/** Pure: the verdict for a finished (or aborted) run. */
export function judgePerformance(config: Config, run: OpenLoadResult, baseline?: { p95Ms: number }): AttemptOutcome {
  const s = summarize(run.latenciesMs);
  const errorRate = run.scheduled > 0 ? run.errors / Math.max(1, run.sent + run.dropped) : 0;
  const measurements: Record<string, unknown> = {
    ...s,
    errorRate: Math.round(errorRate * 10000) / 10000,
    errors: run.errors,
    dropped: run.dropped,
    scheduled: run.scheduled,
    sent: run.sent,
    targetRate: config.ratePerSecond,
    // Sends over the window they went out in (plus one interval, so a perfect run reads exactly the target rate).
    achievedRate: run.sent > 0 ? Math.round((run.sent / (run.sendWindowMs / 1000 + 1 / config.ratePerSecond)) * 100) / 100 : 0,
    elapsedMs: run.elapsedMs,
    maxSendLagMs: run.maxSendLagMs,
    clientLoopDelay: run.clientLoopDelay,
    // The longest this process was held up: its loop's worst delay or its latest send, whichever is larger.
    clientStallMs: Math.max(run.clientLoopDelay.maxMs, run.maxSendLagMs),
    statusCounts: run.statusCounts,
    errorKinds: run.errorKinds,
    maxInFlight: DEFAULT_MAX_IN_FLIGHT,
    attemptBudget: describeAttemptBudget(config),
  };
  const fmt = `p50 ${s.p50Ms}ms p95 ${s.p95Ms}ms p99 ${s.p99Ms}ms, errors ${(errorRate * 100).toFixed(2)}% over ${s.samples} samples`;
  if (run.aborted) {
    return { status: "error", message: `load run ${run.aborted.message} (${run.sent} of ${run.scheduled} requests sent)`, measurements };
  }
  // No HTTP answer at all (refused, reset, or every request timed out: fault 1) is ERROR, not a
  // 100 % error rate: nothing about the app's latency was measured.
  if (run.sent > 0 && Object.keys(run.statusCounts).length === 0) {
    const kinds = Object.keys(run.errorKinds).join(", ") || "no response";
    return { status: "error", message: `no request got a response (${kinds}); ${run.sent} sent`, measurements };
  }
  if (s.samples < config.minSamples) {
    return { status: "inconclusive", message: `only ${s.samples} samples, fewer than minSamples ${config.minSamples}`, measurements };
  }
  const thresholds = { ...config.thresholds, maxErrorRate: config.thresholds?.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE };
  const problems = thresholdViolations(s, errorRate, thresholds);
  // How far over its limit each broken latency criterion went.
  const excessesMs: number[] = [];
  if (thresholds.p95Ms !== undefined && s.p95Ms > thresholds.p95Ms) excessesMs.push(s.p95Ms - thresholds.p95Ms);
  if (thresholds.p99Ms !== undefined && s.p99Ms > thresholds.p99Ms) excessesMs.push(s.p99Ms - thresholds.p99Ms);
  let comparison: BaselineComparison | undefined;
  if (baseline) {
    comparison = compareBaseline(s.p95Ms, baseline.p95Ms, config.maxRegression);
    measurements.baseline = comparison;
    if (comparison.regressed) {
      problems.push(`p95 regressed ${(comparison.regression * 100).toFixed(1)}% over baseline ${comparison.baselineP95Ms}ms (max ${((config.maxRegression ?? 0) * 100).toFixed(1)}%)`);
      excessesMs.push(s.p95Ms - comparison.baselineP95Ms * (1 + (config.maxRegression ?? 0)));
    }
  } else if (config.maxRegression !== undefined) {
    measurements.baseline = "none recorded yet";
  }
  const errorRateBroken = errorRate > thresholds.maxErrorRate;
  const stallMs = measurements.clientStallMs as number;
  if (problems.length > 0 && !errorRateBroken && clientStallExplains(excessesMs, stallMs)) {
    const loop = run.clientLoopDelay;
    return {
      status: "inconclusive",
      message: `client stall, not a verdict on the target: the measuring process's event loop was held up to ${stallMs}ms (loop delay p99 ${loop.p99Ms}ms), enough to explain ${problems.join("; ")} (${fmt})`,
      measurements,
    };
  }
  if (problems.length > 0) return { status: "failed", message: `${problems.join("; ")} (${fmt})`, measurements };
  return { status: "passed", message: fmt, measurements };
}

export const definition: CheckDefinition<"performance"> = {
  type: "performance",
  async attempt(config, ctx: CheckContext): Promise<AttemptOutcome> {
    if (!ctx.baseUrl) return { status: "error", message: "baseUrl is required for a performance check" };
    // The one timeout rule (limits.ts loadWindowMs): the runner gives this attempt the load
    // window plus timeoutSeconds, and each request times out after timeoutSeconds, so the last
    // request sent inside the window can still answer before the attempt ends.
    let run: OpenLoadResult;
    try {
      run = await runOpenLoad({
        url: joinUrl(ctx.baseUrl, config.path),
        ratePerSecond: config.ratePerSecond,
        durationSeconds: config.durationSeconds,
        signal: ctx.signal,
        requestTimeoutMs: ctx.timeoutMs,
        // 2xx only, as availability counts: a 3xx is an answer, not a success.
        isSuccess: isSuccessStatus,
      });
    } catch (err) {
      return errorOutcome(err, "load run failed");
    }
    ctx.log?.(`performance ${config.name}: ${run.sent} sent, ${run.errors} errors in ${run.elapsedMs}ms`);
    return judgePerformance(config, run, ctx.baselines?.[config.name]);
  },
};
