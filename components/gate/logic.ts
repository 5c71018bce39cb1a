// Pure decisions of the verification gate: when to verify again, what to store, how to
// explain a failure. The dynamic provider (provider.ts) only moves data between the engine
// and these functions, so everything here is testable without Pulumi.
import { createHash } from "crypto";
import type { CheckResult, PerformanceBaseline, SuiteReport } from "../../verification/types";

/** What makes a new verification necessary. */
export interface GateTriggers {
  /** Image reference (`repo:tag` or `repo@sha256:...`). */
  imageRef: string;
  /** sha256 of the Deployment spec the program declared. */
  specHash: string;
  /** sha256 of the verification config (secret values included, so a rotated secret re-verifies). */
  configHash: string;
  /** sha256 of what serves traffic besides the Deployment (Service, Istio objects, NetworkPolicy, HPA). */
  servingHash?: string;
}

/** The gate's stored outputs: a summary only, never config or secrets. */
export interface GateSummary {
  /** "failed" only in the record a failing run leaves (impl.ts failedRun); a pass says "passed". */
  verdict: "passed" | "failed";
  passed: number;
  failed: number;
  errored: number;
  inconclusive: number;
  skipped: number;
  durationMs: number;
  checks: Array<{ name: string; type: string; status: string; blocking: boolean; durationMs: number }>;
  /** Last passing performance baselines by check name; the next run compares against them. */
  baselines: Record<string, PerformanceBaseline>;
  reportDigest: string;
  reportPath: string;
  verifiedAt: string;
  verifiedImage: string;
}

/** Stable JSON: sorted keys, so equal configs hash equally. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Which trigger fields differ between the last run and this one. */
export function changedTriggers(olds: Partial<GateTriggers>, news: Partial<GateTriggers>): string[] {
  const keys: Array<keyof GateTriggers> = ["imageRef", "specHash", "configHash", "servingHash"];
  return keys.filter((k) => olds[k] !== news[k]);
}

/**
 * Verify again when a trigger changed, when the last run never completed (no stored verdict:
 * a failed or interrupted run leaves none), or when `alwaysRun` is set.
 */
export function needsVerification(
  olds: Partial<GateTriggers> & { verdict?: string },
  news: Partial<GateTriggers> & { alwaysRun?: boolean },
): { verify: boolean; reason: string } {
  if (news.alwaysRun) return { verify: true, reason: "alwaysRun is set" };
  if (olds.verdict !== "passed") return { verify: true, reason: "no passing verification on record" };
  const changed = changedTriggers(olds, news);
  if (changed.length > 0) return { verify: true, reason: `changed: ${changed.join(", ")}` };
  return { verify: false, reason: "nothing changed since the last passing verification" };
}

/** Performance checks that passed become the new baselines; the rest keep the old ones. */
export function nextBaselines(
  report: SuiteReport,
  previous: Record<string, PerformanceBaseline> = {},
): Record<string, PerformanceBaseline> {
  const out: Record<string, PerformanceBaseline> = { ...previous };
  for (const c of report.checks) {
    if (c.type !== "performance" || c.status !== "passed") continue;
    const m = c.measurements as Record<string, unknown>;
    const p50 = Number(m.p50Ms);
    const p95 = Number(m.p95Ms);
    const p99 = Number(m.p99Ms);
    const samples = Number(m.samples);
    if ([p50, p95, p99, samples].every(Number.isFinite)) {
      out[c.name] = { p50Ms: p50, p95Ms: p95, p99Ms: p99, samples, recordedAt: new Date().toISOString() };
    }
  }
  return out;
}

function count(checks: CheckResult[], status: string): number {
  return checks.filter((c) => c.status === status).length;
}

export function summarize(
  report: SuiteReport,
  reportPath: string,
  reportText: string,
  imageRef: string,
  previousBaselines?: Record<string, PerformanceBaseline>,
): GateSummary {
  return {
    verdict: "passed",
    passed: count(report.checks, "passed"),
    failed: count(report.checks, "failed"),
    errored: count(report.checks, "error"),
    inconclusive: count(report.checks, "inconclusive"),
    skipped: count(report.checks, "skipped"),
    durationMs: report.durationMs,
    checks: report.checks.map(({ name, type, status, blocking, durationMs }) => ({ name, type, status, blocking, durationMs })),
    baselines: nextBaselines(report, previousBaselines),
    reportDigest: `sha256:${sha256(reportText)}`,
    reportPath,
    verifiedAt: new Date().toISOString(),
    verifiedImage: imageRef,
  };
}

/** A fixed-width table cell: whitespace flattened, cut with an ellipsis. */
export function cell(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const cut = flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
  return cut.padEnd(width);
}

/**
 * The error `pulumi up` shows: one row per check that did not pass (advisory ones marked),
 * and where the full report is. Kept compact: engine diagnostics are read in a terminal.
 */
export function failureTable(report: SuiteReport, reportPath: string, extra: string[] = []): string {
  const notPassed = report.checks.filter((c) => c.status !== "passed");
  const blocking = notPassed.filter((c) => c.blocking);
  const head = `verification ${report.status}: ${blocking.length} blocking check(s) did not pass (of ${report.checks.length})`;
  const rows = notPassed.map(
    (c) => `  ${cell(c.name, 22)} ${cell(c.type, 12)} ${cell(c.status.toUpperCase() + (c.blocking ? "" : " (advisory)"), 24)} ${cell(c.message, 90)}`,
  );
  const header = `  ${cell("CHECK", 22)} ${cell("TYPE", 12)} ${cell("STATUS", 24)} MESSAGE`;
  return [head, header, ...rows, ...extra, `full report: ${reportPath}`].join("\n");
}
