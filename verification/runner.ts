// Runs every configured check concurrently under one deadline, applies each check's policy
// (delay, attempts, limits), and returns a report that is already redacted. It never trusts a
// check to honour its abort signal: every wait is raced against the signal, so a hung check
// still ends ERROR on time and the suite stays inside its deadline (fault 1).
import { setMaxListeners } from "node:events";
import { AbortReason, childSignal, deadlineReason, reasonOf, sleep, timeoutReason } from "./abort";
import { describeAttemptBudget, loadWindowMs } from "./limits";
import { collectSecrets, createRedactor, type Redactor } from "./redact";
import { getCheck } from "./registry";
import type { CheckConfig, CheckType, VerificationConfig } from "./schema";
import type { CheckContext, CheckDefinition, CheckResult, PerformanceBaseline, SuiteReport } from "./types";
import { decided, policyOf, verdictOf, type AttemptRecord, type Policy } from "./verdict";

export interface RunOptions {
  /** Cancels the suite (SIGINT); the report is then marked `aborted`. Default none. */
  signal?: AbortSignal;
  /** Last passing performance baselines by check name. Default none. */
  baselines?: Record<string, PerformanceBaseline>;
  /** Only checks whose name or type is listed run; the rest are SKIPPED and do not count. Default all. */
  only?: string[];
  /** Called with each (redacted) result as its check finishes. */
  onResult?: (r: CheckResult) => void;
  /** Called when a check begins (before its initial delay). */
  onStart?: (name: string) => void;
  /** Progress lines from checks, already redacted. */
  log?: (line: string) => void;
  /** Extra values to mask beyond those found in the config (e.g. canaries from the environment). */
  secrets?: string[];
  /** Checks running at once; the others wait and are SKIPPED if the deadline comes first. Default DEFAULT_CONCURRENCY (16). */
  concurrency?: number;
  /** Check implementations by type, replacing the registry's. Default: the registry. For embedders and tests. */
  definitions?: Partial<{ [T in CheckType]: CheckDefinition<T> }>;
  /**
   * Checks (by name or type) that run, and must pass, before the others start. The gate puts its
   * rollout check here: health, availability, performance and the rest then measure the release
   * once it has fully replaced the old pods, never a mix of old and new pods mid-rollout. When a
   * blocking one does not pass, the others are SKIPPED saying why. Default none (all at once).
   */
  first?: string[];
  /** After an attempt is cancelled, how long its own (better-worded) outcome may still arrive. Default 250 ms. */
  abortGraceMs?: number;
}

/** Pure: does `--only` select this check? Matches by name or by type. */
export function isSelected(check: Pick<CheckConfig, "name" | "type">, only?: readonly string[]): boolean {
  return !only || only.length === 0 || only.includes(check.name) || only.includes(check.type);
}

/** Checks running at once unless RunOptions.concurrency says otherwise: hundreds of checks never all open sockets together. */
export const DEFAULT_CONCURRENCY = 16;

/**
 * Pure: the suite verdict. Fails closed: every selected blocking check must have PASSED, and a
 * suite with nothing blocking passes only if some advisory check PASSED (nothing measured is
 * not a pass).
 */
export function suiteStatus(results: readonly CheckResult[], deselected: ReadonlySet<string>, aborted: boolean): SuiteReport["status"] {
  if (aborted) return "aborted";
  const counted = results.filter((r) => !deselected.has(r.name));
  if (counted.length === 0) return "failed"; // verified nothing: no data is never a pass
  if (!counted.some((r) => r.blocking) && !counted.some((r) => r.status === "passed")) return "failed";
  return counted.every((r) => !r.blocking || r.status === "passed") ? "passed" : "failed";
}

/** Resolves with the promise, or rejects with the signal's reason once it aborted and `graceMs` passed. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(reasonOf(signal)), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

const STATUSES = new Set(["passed", "failed", "error", "inconclusive"]);

interface CheckRun {
  check: CheckConfig;
  policy: Policy;
  suiteSignal: AbortSignal;
  redactor: Redactor;
  config: VerificationConfig;
  opts: RunOptions;
}

async function runAttempt(run: CheckRun, def: CheckDefinition, index: number): Promise<AttemptRecord> {
  const { check, policy, suiteSignal, redactor, opts } = run;
  // With a load window the report states the budget the one timeout rule gave (limits.ts).
  const onTimeout = loadWindowMs(check) > 0
    ? () => new AbortReason("timeout", `timed out after ${describeAttemptBudget(check)}`)
    : () => timeoutReason(policy.attemptTimeoutMs);
  const attempt = childSignal(suiteSignal, policy.attemptTimeoutMs, onTimeout);
  const ctx: CheckContext = {
    baseUrl: run.config.baseUrl,
    signal: attempt.signal,
    timeoutMs: policy.timeoutMs,
    baselines: opts.baselines,
    redact: redactor.redact,
    log: (line) => opts.log?.(redactor.redact(`${check.name}: ${line}`)),
  };
  const started = performance.now();
  let outcome: AttemptRecord;
  try {
    const raw = await raceAbort(Promise.resolve().then(() => def.attempt(check as never, ctx)), attempt.signal, opts.abortGraceMs ?? 250);
    if (!raw || !STATUSES.has(raw.status)) throw new Error("check returned no valid outcome");
    outcome = { ...raw, message: String(raw.message ?? ""), durationMs: performance.now() - started };
  } catch (err) {
    const message = err instanceof AbortReason ? err.message : `check threw: ${(err as Error)?.message ?? String(err)}`;
    outcome = { status: "error", message, measurements: {}, durationMs: performance.now() - started };
  } finally {
    attempt.dispose();
  }
  if (policy.count > 1) opts.log?.(redactor.redact(`${check.name}: attempt ${index + 1}/${policy.count} ${outcome.status}: ${outcome.message}`));
  return outcome;
}

async function runCheck(run: CheckRun): Promise<Omit<CheckResult, "durationMs" | "name" | "type" | "blocking">> {
  const { check, policy, suiteSignal } = run;
  const def = (run.opts.definitions?.[check.type] as CheckDefinition | undefined) ?? getCheck(check.type);
  try {
    await sleep(policy.initialDelayMs, suiteSignal);
  } catch (reason) {
    return { status: "skipped", message: `${(reason as AbortReason).message} before the first attempt`, measurements: {} };
  }
  const attempts: AttemptRecord[] = [];
  for (let i = 0; i < policy.count; i++) {
    if (i > 0) {
      try {
        await sleep(policy.intervalMs, suiteSignal);
      } catch {
        break;
      }
    }
    attempts.push(await runAttempt(run, def, i));
    if (suiteSignal.aborted) break;
    if (decided(attempts, policy, policy.count - i - 1)) break;
  }
  if (suiteSignal.aborted && !decided(attempts, policy, policy.count - attempts.length)) {
    // Cut short: whatever the attempts said, the check did not finish, so it cannot pass.
    const reason = reasonOf(suiteSignal).message;
    const last = attempts[attempts.length - 1];
    const lastSaid = last && last.status === "error" && last.message.includes(reason) ? last.message : reason;
    const note = policy.count > 1 ? ` (${attempts.length} of ${policy.count} attempts made)` : "";
    return { status: "error", message: `${lastSaid}${note}`, measurements: attempts.length > 0 ? verdictOf(attempts, policy).measurements : {} };
  }
  return verdictOf(attempts, policy);
}

export async function runSuite(config: VerificationConfig, opts: RunOptions = {}): Promise<SuiteReport> {
  const redactor = createRedactor(collectSecrets(config, opts.secrets ?? []));
  const deselected = new Set(config.checks.filter((c) => !isSelected(c, opts.only)).map((c) => c.name));
  // Load every selected check type before any timer starts: a check module's first require is
  // synchronous (the Kubernetes client takes seconds on a busy machine) and would otherwise stall
  // the event loop while other checks' attempt timeouts run, failing a healthy target.
  // The same for what a check prepares (the Kubernetes client: 2 s at load 8 was measured, which
  // timed out a 2 s health check running beside the rollout check).
  // A definition prepares per type, not per check: once, with every selected check of its type.
  const byType = new Map<CheckType, CheckConfig[]>();
  for (const check of config.checks.filter((c) => !deselected.has(c.name))) {
    const same = byType.get(check.type);
    if (same) same.push(check);
    else byType.set(check.type, [check]);
  }
  for (const [type, checks] of byType) {
    try {
      const def = (opts.definitions?.[type] as CheckDefinition | undefined) ?? getCheck(type);
      def.prepare?.(checks as never);
    } catch {
      // reported by those checks when they run ("check could not run")
    }
  }
  // The suite's clock starts after loading, like its deadline: loading is set-up, as parsing is.
  const startedAt = new Date();
  const t0 = performance.now();
  const suite = childSignal(opts.signal, config.deadlineSeconds * 1000, deadlineReason);
  const results: CheckResult[] = new Array(config.checks.length);
  const limit = Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY));
  // Each running check holds at most two listeners on the suite signal (its attempt's child
  // signal, or a sleep between attempts, and a queued wake-up), plus the runner's own: the bound
  // is known, so raise Node's warning threshold to it instead of tripping
  // MaxListenersExceededWarning at 11 checks (issue 11.7).
  setMaxListeners(2 * Math.min(limit, config.checks.length) + 8, suite.signal);
  let running = 0;
  const waiting: Array<() => void> = [];

  const finish = (i: number, r: Omit<CheckResult, "name" | "type" | "blocking">) => {
    const c = config.checks[i];
    const result: CheckResult = redactor.redactDeep({
      name: c.name,
      type: c.type,
      status: r.status,
      blocking: !(c.advisory ?? false),
      durationMs: Math.round(r.durationMs),
      message: r.message,
      measurements: r.measurements ?? {},
    });
    results[i] = result;
    opts.onResult?.(result);
  };

  const one = async (i: number) => {
    const check = config.checks[i];
    if (deselected.has(check.name)) return finish(i, { status: "skipped", message: "not selected (--only)", measurements: {}, durationMs: 0 });
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    if (suite.signal.aborted) {
      return finish(i, { status: "skipped", message: `${reasonOf(suite.signal).message} before the check started`, measurements: {}, durationMs: 0 });
    }
    running += 1;
    const started = performance.now();
    opts.onStart?.(check.name);
    const run: CheckRun = { check, policy: policyOf(check), suiteSignal: suite.signal, redactor, config, opts };
    try {
      const r = await runCheck(run);
      finish(i, { ...r, durationMs: performance.now() - started });
    } catch (err) {
      // Only the registry or a broken definition gets here; the check itself is already guarded.
      finish(i, { status: "error", message: `check could not run: ${(err as Error).message}`, measurements: {}, durationMs: performance.now() - started });
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };

  // Queued checks must also wake at the deadline so they can report SKIPPED.
  suite.signal.addEventListener("abort", () => waiting.splice(0).forEach((wake) => wake()), { once: true });
  const first = new Set(opts.first ?? []);
  const phase1 = config.checks.map((c, i) => (first.has(c.name) || first.has(c.type) ? i : -1)).filter((i) => i >= 0);
  const phase2 = config.checks.map((_, i) => i).filter((i) => !phase1.includes(i));
  await Promise.all(phase1.map(one));
  const blockers = phase1.map((i) => results[i]).filter((r) => r.blocking && r.status !== "passed" && r.status !== "skipped");
  if (blockers.length > 0) {
    const why = `not run: ${blockers.map((r) => `${r.name} ${r.status.toUpperCase()}`).join(", ")}, so there was no complete release to verify`;
    for (const i of phase2) {
      if (deselected.has(config.checks[i].name)) await one(i);
      else finish(i, { status: "skipped", message: why, measurements: {}, durationMs: 0 });
    }
  } else await Promise.all(phase2.map(one));
  suite.dispose();

  return {
    status: suiteStatus(results, deselected, opts.signal?.aborted ?? false),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    checks: results,
  };
}
