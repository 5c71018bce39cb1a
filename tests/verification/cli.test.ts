// The real CLI process (node + ts-node) against the real fixture: exit codes, the example
// config from the docs, report files, --only, and SIGINT writing a partial "aborted" report.
import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { parseCliArgs } from "../../verification/cliArgs";
import { readBaselines, updateBaselines } from "../../verification/baselines";
import type { SuiteReport } from "../../verification/types";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { runCli, tempDir } from "./helpers";

const EXAMPLE_TOKEN = "example-token-change-me";

describe("CLI: argument parsing", () => {
  it("requires --config, defaults the JSON report path, splits --only", () => {
    assert.deepEqual(parseCliArgs(["--config", "v.yaml", "--only", "health, api"]), {
      kind: "run",
      args: { config: "v.yaml", baseUrl: undefined, only: ["health", "api"], json: "verification-results.json", junit: undefined, markdown: undefined, baseline: undefined },
    });
    assert.deepEqual(parseCliArgs(["--help"]), { kind: "help" });
    assert.equal(parseCliArgs([]).kind, "usage-error");
    const bad = parseCliArgs(["--config", "v.yaml", "--bogus", "x"]);
    assert.equal(bad.kind, "usage-error");
    assert.match((bad as { message: string }).message, /--bogus/);
  });
});

describe("CLI: baselines", () => {
  it("only a passing performance check replaces its baseline", () => {
    const report: SuiteReport = { status: "failed", startedAt: "", durationMs: 1, checks: [
      { name: "perf", type: "performance", status: "passed", blocking: true, durationMs: 1, message: "", measurements: { p50Ms: 5, p95Ms: 9, p99Ms: 12, samples: 200 } },
      { name: "slow", type: "performance", status: "failed", blocking: true, durationMs: 1, message: "", measurements: { p50Ms: 50, p95Ms: 90, p99Ms: 120, samples: 200 } },
    ] };
    const old = { slow: { p50Ms: 1, p95Ms: 2, p99Ms: 3, samples: 100, recordedAt: "then" } };
    const next = updateBaselines(report, old, new Date("2026-01-01T00:00:00Z"));
    assert.deepEqual(next, { slow: old.slow, perf: { p50Ms: 5, p95Ms: 9, p99Ms: 12, samples: 200, recordedAt: "2026-01-01T00:00:00.000Z" } });
    assert.deepEqual(readBaselines("/nonexistent/baselines.json"), {});
  });
});

describe("CLI: runs against the fixture", function () {
  this.timeout(60000);
  let fx: Fixture;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    fx = await startFixture({ requireToken: EXAMPLE_TOKEN });
    tmp = tempDir();
  });
  after(async () => {
    await fx.close();
    tmp.cleanup();
  });
  beforeEach(() => fx.reset());

  it("exit 0: the documented example config passes against a healthy service", async () => {
    const json = tmp.file("ok.json");
    const r = await runCli(["--config", "examples/verify.yaml", "--base-url", fx.url, "--json", json]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(json, "utf8")) as SuiteReport;
    assert.equal(report.status, "passed");
    assert.deepEqual(report.checks.map((c) => [c.name, c.status]), [["health", "passed"], ["availability", "passed"], ["api", "passed"], ["dependencies", "passed"]]);
    assert.match(r.stdout, /^✔ api +PASSED {2}\d+ms {2}3\/3 endpoints as expected$/m);
    assert.match(r.stdout, /verification PASSED in .*: 4 passed/);
    assert.ok(fx.requestsByPath()["/health"] >= 201, "health attempts plus 200 availability requests were really sent");
  });

  it("exit 1: a blocking check fails against a broken service, and the reports say why", async () => {
    fx.knobs.healthStatus = 500;
    const json = tmp.file("bad.json");
    const md = tmp.file("bad.md");
    const r = await runCli(["--config", "examples/verify.yaml", "--base-url", fx.url, "--json", json, "--markdown", md]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(json, "utf8")) as SuiteReport;
    assert.equal(report.status, "failed");
    assert.equal(report.checks[0].status, "failed");
    assert.match(report.checks[0].message, /^GET \/health returned 500, expected 200/);
    assert.match(readFileSync(md, "utf8"), /^### ❌ Verification failed/);
  });

  it("--only runs the named checks; an unknown name is a usage error (exit 2) before any request", async () => {
    const json = tmp.file("only.json");
    fx.knobs.healthStatus = 500; // would fail health and availability if they ran
    const r = await runCli(["--config", "examples/verify.yaml", "--base-url", fx.url, "--only", "api", "--json", json]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(json, "utf8")) as SuiteReport;
    assert.deepEqual(report.checks.map((c) => c.status), ["skipped", "skipped", "passed", "skipped"]);
    fx.reset();
    const bad = await runCli(["--config", "examples/verify.yaml", "--base-url", fx.url, "--only", "nosuch"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--only: no check is named or typed "nosuch"/);
    assert.equal(fx.requestCount(), 0);
  });

  it("SIGINT cancels in-flight checks, writes a partial report marked aborted, exits 1", async () => {
    const json = tmp.file("aborted.json");
    const junit = tmp.file("aborted.xml");
    const cfg = tmp.file("slow.yaml", [
      `baseUrl: ${fx.url}`,
      "checks:",
      "  - { name: quick, type: external, targets: [{ name: lo, url: 'dns://localhost' }] }",
      "  - { name: slow, type: health, timeoutSeconds: 30 }",
    ].join("\n"));
    fx.knobs.hang = true;
    let sigintAt = 0;
    const r = await runCli(["--config", cfg, "--json", json, "--junit", junit], {
      killAfterMs: 60_000,
      onStdout: { text: /✔ quick/, then: (child) => setTimeout(() => ((sigintAt = Date.now()), child.kill("SIGINT")), 200) },
    });
    const afterSigint = Date.now() - sigintAt;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    // Timed from the signal, not from spawn (ts-node start-up on a loaded machine took 19 s once);
    // what it rules out is waiting for the slow check's own 30 s timeout.
    assert.ok(sigintAt > 0 && afterSigint < 10_000, `exited ${afterSigint} ms after SIGINT (${r.ms} ms in all)`);
    assert.match(r.stderr, /interrupted: cancelling in-flight checks/);
    const report = JSON.parse(readFileSync(json, "utf8")) as SuiteReport;
    assert.equal(report.status, "aborted");
    assert.deepEqual(report.checks.map((c) => [c.name, c.status]), [["quick", "passed"], ["slow", "error"]]);
    assert.match(report.checks[1].message, /interrupted/);
    assert.ok(existsSync(junit));
  });
});
