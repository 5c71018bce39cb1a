// Report writers as pure functions over a hand-built report holding hostile text (pipes,
// markup, quotes, control characters), plus the console's TTY/CI behaviour.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { createConsoleReporter, formatProgress, formatResultLine, isInteractive } from "../../verification/console";
import { renderJson, toJsonReport } from "../../verification/reports/json";
import { escapeXml, renderJunit } from "../../verification/reports/junit";
import { appendStepSummary, cell, renderMarkdown } from "../../verification/reports/markdown";
import type { CheckResult, SuiteReport } from "../../verification/types";
import { tempDir, xmlProblem } from "./helpers";

const check = (over: Partial<CheckResult>): CheckResult => ({
  name: "health", type: "health", status: "passed", blocking: true, durationMs: 12, message: "GET /health 200", measurements: { httpStatus: 200 }, ...over,
});

const report: SuiteReport = {
  status: "failed",
  startedAt: "2026-01-02T03:04:05.000Z",
  durationMs: 1534,
  checks: [
    check({}),
    check({ name: "api", type: "api", status: "failed", message: 'GET /a|b: expected "<ok>" & got \'x\'\nline2\u0001', measurements: { endpoints: [] } }),
    check({ name: "deps", type: "external", status: "error", blocking: false, message: "DNS lookup failed for x.invalid (ENOTFOUND)" }),
    check({ name: "perf", type: "performance", status: "inconclusive", message: "only 3 samples, need 100" }),
    check({ name: "db", type: "database", status: "skipped", message: "not selected (--only)" }),
  ],
};

describe("reports: JSON", () => {
  it("holds exactly the contract's fields, in order, dropping extras", () => {
    const withExtra = { ...report, extra: 1, checks: report.checks.map((c) => ({ ...c, secretConfig: "x" })) } as SuiteReport;
    const out = JSON.parse(renderJson(withExtra));
    assert.deepEqual(Object.keys(out), ["status", "startedAt", "durationMs", "checks"]);
    for (const c of out.checks) assert.deepEqual(Object.keys(c), ["name", "type", "status", "blocking", "durationMs", "message", "measurements"]);
    assert.deepEqual(toJsonReport(report).checks[1], report.checks[1]);
  });
});

describe("reports: JUnit XML", () => {
  const xml = renderJunit(report);

  it("is well formed even with markup, quotes and control characters in messages", () => {
    assert.equal(xmlProblem(xml), undefined);
    assert.equal(xmlProblem("<a><b></a></b>"), "mismatched </a>", "the checker itself rejects bad XML");
    assert.equal(xmlProblem('<a x="1 & 2"/>'), "bad entity in attributes of <a>");
    assert.equal(escapeXml('<a href="x">&\u0001'), "&lt;a href=&quot;x&quot;&gt;&amp;");
  });

  it("has one testsuite with counts and one testcase per check", () => {
    assert.match(xml, /<testsuite name="verification" tests="5" failures="1" errors="1" skipped="2" time="1\.534" timestamp="2026-01-02T03:04:05\.000Z">/);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 5);
  });

  it("maps statuses to failure, error and skipped; advisory non-passes are skipped with the reason", () => {
    assert.match(xml, /<testcase name="api" classname="verification\.api" time="0\.012">\n {4}<failure message="GET \/a\|b: expected &quot;&lt;ok&gt;&quot; &amp; got &apos;x&apos;\nline2" type="failed">/);
    assert.match(xml, /<testcase name="perf"[^>]*>\n {4}<error message="only 3 samples, need 100" type="inconclusive">/);
    assert.match(xml, /<testcase name="deps"[^>]*>\n {4}<skipped message="advisory, not blocking: error: DNS lookup failed/);
    assert.match(xml, /<testcase name="db"[^>]*>\n {4}<skipped message="not selected \(--only\)"\/>/);
    assert.match(xml, /<testcase name="health"[^>]*>\n {4}<system-out>PASSED: GET \/health 200<\/system-out>/);
  });
});

describe("reports: Markdown", () => {
  const md = renderMarkdown(report);
  const rows = md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Check"));

  it("starts with the verdict line", () => {
    assert.equal(md.split("\n")[0], "### ❌ Verification failed: 1/5 checks passed, 2 blocking not passed in 1.5 s");
  });

  it("has a header and one row per check with emoji status, duration and message", () => {
    assert.ok(md.includes("| Check | Type | Status | Duration | Message |\n|---|---|---|---|---|"));
    assert.equal(rows.length, 5);
    assert.equal(rows[0], "| health | health | ✅ passed | 12 ms | GET /health 200 |");
    assert.equal(rows[2], "| deps | external | 💥 error (advisory) | 12 ms | DNS lookup failed for x.invalid (ENOTFOUND) |");
  });

  it("escapes pipes and line breaks so a message cannot break the table", () => {
    assert.equal(rows[1].split(/(?<!\\)\|/).length, 7, "five cells between six unescaped pipes");
    assert.ok(rows[1].includes("GET /a\\|b") && rows[1].includes("<br>line2"));
    assert.equal(cell("a|b\nc"), "a\\|b<br>c");
  });

  it("appends to $GITHUB_STEP_SUMMARY only when it is set", () => {
    const tmp = tempDir();
    try {
      const path = tmp.file("summary.md", "earlier step\n");
      assert.equal(appendStepSummary(md, { GITHUB_STEP_SUMMARY: path }), path);
      assert.equal(readFileSync(path, "utf8"), `earlier step\n${md}\n`);
      assert.equal(appendStepSummary(md, {}), undefined);
    } finally {
      tmp.cleanup();
    }
  });
});

describe("reports: console", () => {
  it("prints one aligned line per check: mark, name, STATUS, duration, message", () => {
    assert.equal(formatResultLine(check({})), "✔ health  PASSED  12ms  GET /health 200");
    assert.equal(formatResultLine(check({ name: "db", status: "failed", message: "refused" }), 6), "✖ db      FAILED  12ms  refused");
    assert.equal(formatResultLine(check({ blocking: false, status: "error", message: "m" })), "! health  ERROR (advisory)  12ms  m");
    assert.equal(formatProgress(3, 7, ["performance", "security"]), "[3/7] running: performance, security");
  });

  it("redraws progress in place only on a TTY outside CI", () => {
    assert.equal(isInteractive({ isTTY: true }, {}), true);
    assert.equal(isInteractive({ isTTY: true }, { CI: "true" }), false);
    assert.equal(isInteractive({ isTTY: false }, {}), false);
    const sink = (isTTY: boolean) => {
      let text = "";
      return { out: { isTTY, write: (s: string) => (text += s) }, text: () => text };
    };
    for (const tty of [true, false]) {
      const s = sink(tty);
      const r = createConsoleReporter({ out: s.out, names: ["health", "perf"], interactive: tty, redact: (x) => x.replace("tok", "***") });
      r.onStart("health");
      r.onStart("perf");
      r.onResult(check({ message: "with tok" }));
      r.finish({ ...report, checks: [check({})] });
      if (tty) {
        assert.ok(s.text().includes("\r\x1b[K[0/2] running: health, perf"));
        assert.ok(s.text().includes("\r\x1b[K[1/2] running: perf"));
      } else {
        assert.ok(!/[\r\x1b]/.test(s.text()), "no control characters in CI logs");
        assert.equal(s.text(), "✔ health  PASSED  12ms  with ***\nverification FAILED in 1.5 s: 1 passed\n");
      }
    }
  });
});
