// Shapes shared by the runner, the checks, the reports, the CLI and the gate.
import type { CheckConfig, CheckConfigOf, CheckType } from "./schema";

export type CheckStatus = "passed" | "failed" | "error" | "inconclusive" | "skipped";
export type SuiteStatus = "passed" | "failed" | "aborted";

/** Numbers a check measured; values are plain JSON (numbers, strings, booleans, arrays). */
export type Measurements = Record<string, unknown>;

/** What one attempt of a check concluded. */
export interface AttemptOutcome {
  status: Exclude<CheckStatus, "skipped">;
  message: string;
  measurements?: Measurements;
}

export interface CheckResult {
  name: string;
  type: CheckType;
  status: CheckStatus;
  /** False for advisory checks: reported, never blocks. */
  blocking: boolean;
  durationMs: number;
  message: string;
  measurements: Measurements;
}

export interface SuiteReport {
  status: SuiteStatus;
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
}

/** Performance baseline carried between runs (the gate stores it in its outputs). */
export interface PerformanceBaseline {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  samples: number;
  recordedAt: string;
}

/** Everything a check may use beyond its own config. */
export interface CheckContext {
  /** Suite base URL (already validated), if configured. */
  baseUrl?: string;
  /** Aborted on the per-attempt timeout, the suite deadline, or SIGINT. */
  signal: AbortSignal;
  /** Per-attempt timeout in ms (policy timeoutSeconds). */
  timeoutMs: number;
  /** Last passing baselines by check name. */
  baselines?: Record<string, PerformanceBaseline>;
  /**
   * Masks the suite's secrets. Checks call it on text they are about to cut short (previews), so
   * a secret is masked whole before any prefix of it could survive a cut. Default identity.
   */
  redact?: (text: string) => string;
  /** Progress/log sink; messages must already be redacted-safe. */
  log?: (line: string) => void;
}

/** A check type: one file per type under verification/checks/, registered by `type`. */
export interface CheckDefinition<T extends CheckType = CheckType> {
  type: T;
  /**
   * Set-up the runner does before any check's clock starts: synchronous work (loading a client
   * library) that would otherwise stall the event loop while other checks' timeouts run. Called
   * once per check type in a suite, with every selected check of that type (never empty).
   */
  prepare?(configs: ReadonlyArray<CheckConfigOf<T>>): void;
  /** One attempt. Must resolve (not throw) with ERROR when it could not measure. */
  attempt(config: CheckConfigOf<T>, ctx: CheckContext): Promise<AttemptOutcome>;
}

export type AnyCheckConfig = CheckConfig;
