// Bounds and feasibility rules of the verification config, in one place so the schema, the
// runner, the docs (docs/verification.md "Limits") and the tests read the same numbers.
//   - Every number is finite and bounded: `.inf`, 1e308 and values that would overflow Node's
//     timers (2^31-1 ms, about 24.8 days) are refused by the schema, never clamped at run time.
//   - A config that can never pass is refused before anything is sent (feasibilityIssues).
// The one timeout rule for checks whose attempt contains a load window lives in loadWindowMs.

/** Node's setTimeout fires at once for delays above this (ms); no timer we start may exceed it. */
export const NODE_TIMER_MAX_MS = 2 ** 31 - 1;

/** Documented maxima (docs/verification.md "Limits"). */
export const LIMITS = {
  /** Suite deadline: one day. */
  deadlineSeconds: 86_400,
  /** timeoutSeconds, intervalSeconds, initialDelaySeconds, durationSeconds: one hour each. */
  seconds: 3_600,
  /** Attempts per check. */
  count: 1_000,
  /** failureLimit and consecutiveErrorLimit. */
  attemptLimit: 1_000,
  /** Checks in one suite. */
  checks: 1_000,
  /** Availability requests per attempt. */
  requests: 100_000,
  /** Performance send rate (requests per second). */
  ratePerSecond: 10_000,
  /** ratePerSecond x durationSeconds: one latency sample is kept per request, so this bounds memory. */
  scheduledRequests: 1_000_000,
  /** p95Ms / p99Ms thresholds: one hour in ms. */
  latencyMs: 3_600_000,
  /** maxRegression: 100 = 10,000 % slower. */
  maxRegression: 100,
  /** minCertDays: ten years. */
  certDays: 3_650,
  /** endpoints, targets, requiredMetrics, requiredHeaders. */
  listItems: 100,
} as const;

/** Requests availability keeps in flight at once (small: it measures availability, not capacity). */
export const AVAILABILITY_CONCURRENCY = 4;

/**
 * The fastest an HTTP request and its answer can complete, for the feasibility rule of
 * availability only. Loopback round trips measured here take 0.3-1 ms (tests/verification/
 * limits.test.ts prints the figure), so 0.1 ms refuses only configs that no target could meet.
 */
export const MIN_REQUEST_MS = 0.1;

/** Requests an open-model run of this rate and duration schedules: floor(rate x duration). */
export function scheduledRequests(ratePerSecond: number, durationSeconds: number): number {
  if (!(ratePerSecond > 0) || !(durationSeconds > 0)) return 0;
  // The epsilon keeps 0.1/s * 30 s from rounding down to 2 through float error.
  return Math.floor(ratePerSecond * durationSeconds + 1e-9);
}

/** The fields the rules read; a structural subset of a parsed check. */
export interface CheckShape {
  name: string;
  type: string;
  timeoutSeconds?: number;
  count?: number;
  intervalSeconds?: number;
  initialDelaySeconds?: number;
  failureLimit?: number;
  consecutiveErrorLimit?: number;
  ratePerSecond?: number;
  durationSeconds?: number;
  minSamples?: number;
  requests?: number;
}

export const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * THE timeout rule for checks whose attempt contains a load window. timeoutSeconds is each
 * request's timeout; an attempt may last its load window plus timeoutSeconds (the window, then
 * up to one request timeout for the last requests to answer).
 *   performance: the window is durationSeconds (requests leave on a fixed schedule).
 *   availability and every other check: no window; the whole attempt (for availability, all its
 *   requests, AVAILABILITY_CONCURRENCY at a time) fits in timeoutSeconds.
 */
export function loadWindowMs(check: Pick<CheckShape, "type" | "durationSeconds">): number {
  return check.type === "performance" ? (check.durationSeconds ?? 0) * 1000 : 0;
}

/** The attempt budget in words, for reports: "40s (load window 30s + timeoutSeconds 10s)". */
export function describeAttemptBudget(check: Pick<CheckShape, "type" | "durationSeconds" | "timeoutSeconds">): string {
  const t = check.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const w = loadWindowMs(check) / 1000;
  return w > 0 ? `${+(w + t).toFixed(3)}s (load window ${w}s + timeoutSeconds ${t}s)` : `${t}s (timeoutSeconds)`;
}

/**
 * The shortest time in which a check could reach PASSED: its initial delay, then the fewest
 * attempts that can decide PASSED (count minus what failureLimit and consecutiveErrorLimit let
 * it skip; runner verdict.ts `decided`), each at least as long as its load window, with the
 * pauses between them. For performance the window's floor is the last scheduled send.
 */
export function minSecondsToPass(check: CheckShape): { seconds: number; attempts: number; windowSeconds: number } {
  const count = check.count ?? 1;
  const tolerated = Math.min(check.failureLimit ?? 0, check.consecutiveErrorLimit ?? 0);
  const attempts = Math.max(1, count - tolerated);
  let windowSeconds = 0;
  if (check.type === "performance" && check.ratePerSecond && check.durationSeconds) {
    const n = scheduledRequests(check.ratePerSecond, check.durationSeconds);
    windowSeconds = n > 1 ? (n - 1) / check.ratePerSecond : 0;
  }
  const seconds = (check.initialDelaySeconds ?? 0) + attempts * windowSeconds + (attempts - 1) * (check.intervalSeconds ?? 1);
  return { seconds, attempts, windowSeconds };
}

export interface FeasibilityIssue {
  /** Key path below `checks[i]`. */
  path: Array<string | number>;
  message: string;
}

const fmt = (n: number) => String(+n.toFixed(3));

/** Pure: why this check can never pass under this deadline (empty when it can). */
export function feasibilityIssues(check: CheckShape, deadlineSeconds: number): FeasibilityIssue[] {
  const out: FeasibilityIssue[] = [];
  if (check.type === "performance" && check.ratePerSecond !== undefined && check.durationSeconds !== undefined) {
    const n = scheduledRequests(check.ratePerSecond, check.durationSeconds);
    if (n > LIMITS.scheduledRequests) {
      out.push({ path: ["durationSeconds"], message: `ratePerSecond x durationSeconds must be <= ${LIMITS.scheduledRequests} requests (this schedules ${n})` });
    } else if (n < 1) {
      out.push({ path: ["durationSeconds"], message: "ratePerSecond x durationSeconds must schedule at least 1 request" });
    } else if ((check.minSamples ?? 100) > n) {
      out.push({ path: ["minSamples"], message: `must be <= ratePerSecond x durationSeconds (${n} requests scheduled): the check could never have enough samples to pass` });
    }
  }
  if (check.type === "availability") {
    const requests = check.requests ?? 20;
    const neededMs = Math.ceil(requests / AVAILABILITY_CONCURRENCY) * MIN_REQUEST_MS;
    const timeoutMs = (check.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
    if (neededMs > timeoutMs) {
      out.push({ path: ["requests"], message: `cannot fit in timeoutSeconds ${fmt(timeoutMs / 1000)}s at ${AVAILABILITY_CONCURRENCY} in flight (at least ${fmt(neededMs / 1000)}s at ${MIN_REQUEST_MS} ms per request): raise timeoutSeconds or lower requests` });
    }
  }
  const min = minSecondsToPass(check);
  if (min.seconds > deadlineSeconds) {
    const field = check.type === "performance" ? "durationSeconds" : (check.count ?? 1) > 1 ? "count" : "initialDelaySeconds";
    const parts = [`initialDelaySeconds ${fmt(check.initialDelaySeconds ?? 0)}s`];
    if (min.windowSeconds > 0) parts.push(`${min.attempts} x load window ${fmt(min.windowSeconds)}s`);
    if (min.attempts > 1) parts.push(`${min.attempts - 1} x intervalSeconds ${fmt(check.intervalSeconds ?? 1)}s`);
    out.push({ path: [field], message: `cannot fit the suite deadline: passing takes at least ${fmt(min.seconds)}s (${parts.join(" + ")}) > deadlineSeconds ${fmt(deadlineSeconds)}s` });
  }
  return out;
}
