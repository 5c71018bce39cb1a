// The JSON report is a contract (DESIGN.md "CLI contract"): exactly these fields, in this order,
// whatever extra properties a result object picked up on the way.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CheckResult, SuiteReport } from "../types";

export const DEFAULT_JSON_REPORT = "verification-results.json";

/** Pure: a copy holding only the contract's fields. */
export function toJsonReport(report: SuiteReport): SuiteReport {
  const check = (c: CheckResult): CheckResult => ({
    name: c.name,
    type: c.type,
    status: c.status,
    blocking: c.blocking,
    durationMs: c.durationMs,
    message: c.message,
    measurements: c.measurements ?? {},
  });
  return {
    status: report.status,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    checks: report.checks.filter(Boolean).map(check),
  };
}

export function renderJson(report: SuiteReport): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}

/** Writes the file, creating its directory. */
export function writeReportFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
