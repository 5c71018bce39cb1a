// The JSON report is a contract (DESIGN.md "CLI contract"): exactly these fields, in this order,
// whatever extra properties a result object picked up on the way.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
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

/**
 * Writes the file, creating its directory: to a hidden temporary file first, renamed over `path`
 * at the end, so a run killed mid-write never leaves a half report, and a reader never sees one.
 */
export function writeReportFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Removes reports an earlier run left at these paths, so nothing from before this run can be
 * mistaken for its result, whatever happens next (invalid config, crash, SIGKILL). Returns the
 * paths it removed.
 */
export function removeStaleReports(paths: Array<string | undefined>): string[] {
  const removed: string[] = [];
  for (const p of paths) {
    if (!p) continue;
    try {
      rmSync(p);
      removed.push(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return removed;
}
