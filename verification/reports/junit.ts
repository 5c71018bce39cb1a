// JUnit XML so CI systems show one test case per check. Its verdict matches the exit code: an
// advisory check that did not pass is reported as skipped with the reason, not as a failure.
import type { CheckResult, SuiteReport } from "../types";

/** Pure: XML 1.0 text/attribute escaping, dropping characters XML cannot carry at all. */
export function escapeXml(text: string): string {
  return String(text)
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(c: CheckResult): string {
  const head = `  <testcase name="${escapeXml(c.name)}" classname="verification.${escapeXml(c.type)}" time="${seconds(c.durationMs)}"`;
  const details = escapeXml(JSON.stringify(c.measurements ?? {}, null, 2));
  const msg = escapeXml(c.message);
  let body: string;
  if (c.status === "passed") body = "";
  else if (c.status === "skipped") body = `    <skipped message="${msg}"/>\n`;
  else if (!c.blocking) body = `    <skipped message="advisory, not blocking: ${c.status}: ${msg}"/>\n`;
  else if (c.status === "failed") body = `    <failure message="${msg}" type="failed">${details}</failure>\n`;
  else body = `    <error message="${msg}" type="${c.status}">${details}</error>\n`;
  const out = `    <system-out>${escapeXml(`${c.status.toUpperCase()}: ${c.message}`)}</system-out>\n`;
  return `${head}>\n${body}${out}  </testcase>`;
}

/** Pure: one testsuite, one testcase per check. */
export function renderJunit(report: SuiteReport, suiteName = "verification"): string {
  const checks = report.checks.filter(Boolean);
  const blockingBad = (s: string) => checks.filter((c) => c.blocking && c.status === s).length;
  const failures = blockingBad("failed");
  const errors = blockingBad("error") + blockingBad("inconclusive");
  const skipped = checks.filter((c) => c.status === "skipped" || (!c.blocking && c.status !== "passed")).length;
  const attrs = [
    `name="${escapeXml(suiteName)}"`,
    `tests="${checks.length}"`,
    `failures="${failures}"`,
    `errors="${errors}"`,
    `skipped="${skipped}"`,
    `time="${seconds(report.durationMs)}"`,
    `timestamp="${escapeXml(report.startedAt)}"`,
  ].join(" ");
  const props = `  <properties>\n    <property name="status" value="${escapeXml(report.status)}"/>\n  </properties>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite ${attrs}>\n${props}\n${checks.map(testcase).join("\n")}\n</testsuite>\n`;
}
