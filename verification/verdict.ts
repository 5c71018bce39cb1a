// Policy arithmetic, kept pure so tests can walk every attempt sequence without a server:
// how long to wait, how many attempts, when the outcome is already decided, and the verdict.
import { DEFAULT_TIMEOUT_SECONDS, loadWindowMs } from "./limits";
import type { CheckConfig } from "./schema";
import type { AttemptOutcome, CheckStatus, Measurements } from "./types";

/** A check's policy with defaults applied, in ms. */
export interface Policy {
  /** Attempts to make. Default 1. */
  count: number;
  /** Between attempts. Default 1000. */
  intervalMs: number;
  /** Before the first attempt. Default 0. */
  initialDelayMs: number;
  /** Per-request budget handed to the check (timeoutSeconds). Default 10000. */
  timeoutMs: number;
  /** When the runner cancels one attempt: the load window plus timeoutMs (limits.ts loadWindowMs, the one rule). */
  attemptTimeoutMs: number;
  /** Failed attempts tolerated. Default 0. */
  failureLimit: number;
  /** Consecutive ERROR attempts tolerated. Default 0. */
  consecutiveErrorLimit: number;
  /** Default false. */
  advisory: boolean;
}

export { DEFAULT_TIMEOUT_SECONDS };

export function policyOf(check: CheckConfig): Policy {
  const timeoutMs = (check.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const loadMs = loadWindowMs(check);
  return {
    count: check.count ?? 1,
    intervalMs: (check.intervalSeconds ?? 1) * 1000,
    initialDelayMs: (check.initialDelaySeconds ?? 0) * 1000,
    timeoutMs,
    attemptTimeoutMs: timeoutMs + loadMs,
    failureLimit: check.failureLimit ?? 0,
    consecutiveErrorLimit: check.consecutiveErrorLimit ?? 0,
    advisory: check.advisory ?? false,
  };
}

export interface AttemptRecord extends AttemptOutcome {
  durationMs: number;
}

interface Tally {
  passed: number;
  failed: number;
  errors: number;
  inconclusive: number;
  /** ERROR attempts at the end of the sequence, uninterrupted. */
  trailingErrors: number;
  /** Longest run of consecutive ERROR attempts anywhere in the sequence. */
  maxErrorRun: number;
}

function tally(attempts: readonly AttemptOutcome[]): Tally {
  const t: Tally = { passed: 0, failed: 0, errors: 0, inconclusive: 0, trailingErrors: 0, maxErrorRun: 0 };
  for (const a of attempts) {
    if (a.status === "error") {
      t.errors += 1;
      t.trailingErrors += 1;
      t.maxErrorRun = Math.max(t.maxErrorRun, t.trailingErrors);
      continue;
    }
    t.trailingErrors = 0;
    if (a.status === "passed") t.passed += 1;
    else if (a.status === "failed") t.failed += 1;
    else t.inconclusive += 1;
  }
  return t;
}

/**
 * The status once nothing the `remaining` attempts return could change it, else undefined.
 * FAILED as soon as failures exceed failureLimit; ERROR as soon as consecutive errors exceed
 * consecutiveErrorLimit; PASSED early only when even all-bad remaining attempts stay within
 * both limits.
 */
export function decided(attempts: readonly AttemptOutcome[], policy: Pick<Policy, "failureLimit" | "consecutiveErrorLimit">, remaining: number): Exclude<CheckStatus, "skipped"> | undefined {
  const t = tally(attempts);
  if (t.failed > policy.failureLimit) return "failed";
  if (t.maxErrorRun > policy.consecutiveErrorLimit) return "error";
  if (remaining <= 0) return finalStatus(t);
  if (t.passed > 0 && t.failed + remaining <= policy.failureLimit && t.trailingErrors + remaining <= policy.consecutiveErrorLimit) return "passed";
  return undefined;
}

/** With every attempt made and no limit exceeded: any pass counts; otherwise the worst kind seen. */
function finalStatus(t: Tally): Exclude<CheckStatus, "skipped"> {
  if (t.passed > 0) return "passed";
  if (t.failed > 0) return "failed";
  if (t.errors > 0) return "error";
  return "inconclusive"; // only inconclusive attempts, or none at all: no data is never PASSED
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export interface Verdict {
  status: Exclude<CheckStatus, "skipped">;
  message: string;
  measurements: Measurements;
}

/**
 * The check's verdict from the attempts made. The message is the deciding attempt's, plus what
 * the other attempts did, so a tolerated failure stays visible in a PASSED result (fault 3).
 */
export function verdictOf(attempts: readonly AttemptRecord[], policy: Pick<Policy, "failureLimit" | "consecutiveErrorLimit" | "count">): Verdict {
  if (attempts.length === 0) return { status: "error", message: "no attempt was made", measurements: {} };
  const status = decided(attempts, policy, 0) as Verdict["status"];
  const deciding = [...attempts].reverse().find((a) => a.status === status) ?? attempts[attempts.length - 1];
  const t = tally(attempts);
  let message = deciding.message;
  const measurements: Measurements = { ...(deciding.measurements ?? {}) };
  if (attempts.length > 1 || policy.count > 1) {
    measurements.attempts = attempts.length;
    measurements.failedAttempts = t.failed;
    measurements.erroredAttempts = t.errors;
    measurements.attemptLog = attempts.map((a) => ({ status: a.status, message: a.message, durationMs: Math.round(a.durationMs) }));
  }
  if (status === "passed") {
    const firstBad = attempts.find((a) => a.status === "failed" || a.status === "error");
    const notes: string[] = [];
    if (t.failed > 0) notes.push(`${plural(t.failed, "failed attempt")} within failureLimit ${policy.failureLimit}`);
    if (t.errors > 0) notes.push(`${plural(t.errors, "errored attempt")} within consecutiveErrorLimit ${policy.consecutiveErrorLimit}`);
    if (t.inconclusive > 0) notes.push(`${plural(t.inconclusive, "inconclusive attempt")}`);
    if (notes.length > 0) message += ` (tolerated ${notes.join(", ")}${firstBad ? `; first: ${firstBad.message}` : ""})`;
  } else if (status === "failed" && attempts.length > 1) {
    message += ` (${t.failed} of ${plural(attempts.length, "attempt")} failed, failureLimit ${policy.failureLimit})`;
  } else if (status === "error" && attempts.length > 1) {
    message += ` (${t.maxErrorRun} consecutive errors, consecutiveErrorLimit ${policy.consecutiveErrorLimit})`;
  }
  return { status, message, measurements };
}
