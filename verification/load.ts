// Pure parts of the open-model load generator: the send schedule and the latency statistics.
// Kept free of I/O so the numbers the performance check judges by are unit-tested exactly.

/** An open-model send schedule, generated on demand: request i goes at i/rate seconds. O(1) memory. */
export interface Schedule {
  /** floor(rate * duration) requests. */
  readonly count: number;
  /** 1000 / rate. */
  readonly stepMs: number;
  /** Offset of request i in ms from t0. */
  offsetMs(i: number): number;
}

/**
 * The schedule for an open-model run, never materialized: memory stays flat whatever rate x
 * duration the schema allows. The count is floor(rate * duration), so 10/s for 2 s is 20 requests
 * at 0, 100, ..., 1900 ms (the last one still inside the window).
 */
export function openSchedule(ratePerSecond: number, durationSeconds: number): Schedule {
  const ok = ratePerSecond > 0 && durationSeconds > 0 && Number.isFinite(ratePerSecond * durationSeconds);
  // The epsilon keeps 0.1/s * 30 s from rounding down to 2 through float error.
  const count = ok ? Math.floor(ratePerSecond * durationSeconds + 1e-9) : 0;
  const stepMs = ok ? 1000 / ratePerSecond : 0;
  return { count, stepMs, offsetMs: (i) => i * stepMs };
}

/** The schedule as an array, for tests and small tools only (the runner never builds it). */
export function scheduleOffsetsMs(ratePerSecond: number, durationSeconds: number): number[] {
  const s = openSchedule(ratePerSecond, durationSeconds);
  return Array.from({ length: s.count }, (_, i) => s.offsetMs(i));
}

/**
 * Indices of the schedule that are due at `elapsedMs`, starting from `next`. A timer that wakes
 * late fires every request whose time has passed at once, instead of silently thinning the rate
 * (thinning would hide a stall: the classic coordinated-omission mistake). On a lazy schedule the
 * end is computed, not scanned, so a long stall costs no loop over the requests it skipped.
 */
export function dueRange(schedule: Schedule | readonly number[], next: number, elapsedMs: number): { from: number; to: number } {
  if (Array.isArray(schedule)) {
    const offsets = schedule as readonly number[];
    let to = next;
    while (to < offsets.length && offsets[to] <= elapsedMs) to++;
    return { from: next, to };
  }
  const s = schedule as Schedule;
  if (s.count === 0 || elapsedMs < 0) return { from: next, to: next };
  let to = Math.min(s.count, Math.floor(elapsedMs / s.stepMs) + 1);
  // Float guard: the same comparison as the array form decides the edge.
  while (to > 0 && s.offsetMs(to - 1) > elapsedMs) to--;
  while (to < s.count && s.offsetMs(to) <= elapsedMs) to++;
  return { from: next, to: Math.max(next, to) };
}

/**
 * Nearest-rank percentile of an ascending array: the smallest value with at least p% of the
 * samples at or below it. No interpolation, so a reported p99 is a latency that really occurred.
 */
export function percentile(sortedAsc: readonly number[], p: number): number {
  if (sortedAsc.length === 0) return NaN;
  if (p <= 0) return sortedAsc[0];
  if (p >= 100) return sortedAsc[sortedAsc.length - 1];
  const rank = Math.ceil((p / 100) * sortedAsc.length);
  return sortedAsc[Math.max(0, rank - 1)];
}

export interface LatencySummary {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  minMs: number;
}

const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : n);

/** Percentiles, mean and max of latencies in ms (input order does not matter; not mutated). */
export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n === 0 ? NaN : sorted.reduce((a, b) => a + b, 0) / n;
  return {
    samples: n,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    meanMs: round(mean),
    maxMs: n === 0 ? NaN : round(sorted[n - 1]),
    minMs: n === 0 ? NaN : round(sorted[0]),
  };
}

export interface Thresholds {
  p95Ms?: number;
  p99Ms?: number;
  maxErrorRate?: number;
}

/** Pure: which thresholds a run broke, as readable phrases (empty when none). */
export function thresholdViolations(summary: Pick<LatencySummary, "p95Ms" | "p99Ms">, errorRate: number, t: Thresholds): string[] {
  const out: string[] = [];
  if (t.p95Ms !== undefined && summary.p95Ms > t.p95Ms) out.push(`p95 ${summary.p95Ms}ms > ${t.p95Ms}ms`);
  if (t.p99Ms !== undefined && summary.p99Ms > t.p99Ms) out.push(`p99 ${summary.p99Ms}ms > ${t.p99Ms}ms`);
  if (t.maxErrorRate !== undefined && errorRate > t.maxErrorRate) {
    out.push(`error rate ${(errorRate * 100).toFixed(2)}% > ${(t.maxErrorRate * 100).toFixed(2)}%`);
  }
  return out;
}

export interface BaselineComparison {
  baselineP95Ms: number;
  p95Ms: number;
  /** (p95 - baseline) / baseline; negative means faster. */
  regression: number;
  maxRegression?: number;
  regressed: boolean;
}

/**
 * Pure: p95 against the last passing baseline. A zero or missing baseline p95 cannot express a
 * ratio, so it never regresses (the comparison is still reported).
 */
export function compareBaseline(p95Ms: number, baselineP95Ms: number, maxRegression?: number): BaselineComparison {
  const regression = baselineP95Ms > 0 ? (p95Ms - baselineP95Ms) / baselineP95Ms : 0;
  return {
    baselineP95Ms,
    p95Ms,
    regression: Math.round(regression * 1000) / 1000,
    maxRegression,
    regressed: maxRegression !== undefined && baselineP95Ms > 0 && regression > maxRegression,
  };
}
