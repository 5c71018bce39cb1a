// A Markdown summary for PR comments and the GitHub Actions job summary: the verdict first,
// then one table row per check.
import { appendFileSync } from "node:fs";
import type { CheckResult, CheckStatus, SuiteReport } from "../types";

export const STATUS_EMOJI: Record<CheckStatus, string> = {
  passed: "✅",
  failed: "❌",
  error: "💥",
  inconclusive: "❔",
  skipped: "⏭️",
};

const VERDICT: Record<SuiteReport["status"], string> = {
  passed: "✅ Verification passed",
  failed: "❌ Verification failed",
  aborted: "🛑 Verification aborted",
};

/** Pure: text safe inside one table cell (no pipes breaking columns, no line breaks). */
export function cell(text: string): string {
  return String(text)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "")
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/\r?\n/g, "<br>");
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function row(c: CheckResult): string {
  const status = `${STATUS_EMOJI[c.status]} ${c.status}${c.blocking ? "" : " (advisory)"}`;
  return `| ${cell(c.name)} | ${c.type} | ${status} | ${formatDuration(c.durationMs)} | ${cell(c.message)} |`;
}

/** Pure: the whole summary. */
export function renderMarkdown(report: SuiteReport): string {
  const checks = report.checks.filter(Boolean);
  const passed = checks.filter((c) => c.status === "passed").length;
  const blockingBad = checks.filter((c) => c.blocking && c.status !== "passed" && c.status !== "skipped").length;
  const head = `### ${VERDICT[report.status]}: ${passed}/${checks.length} checks passed` +
    `${blockingBad > 0 ? `, ${blockingBad} blocking not passed` : ""} in ${formatDuration(report.durationMs)}`;
  const lines = [
    head,
    "",
    `Started ${report.startedAt}.`,
    "",
    "| Check | Type | Status | Duration | Message |",
    "|---|---|---|---|---|",
    ...checks.map(row),
    "",
  ];
  return lines.join("\n");
}

/** Appends to `$GITHUB_STEP_SUMMARY` when set; returns the path written, if any. */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return undefined;
  appendFileSync(path, `${markdown}\n`);
  return path;
}
