// The gate's metric analysis (components/gate/analysis.ts, analysisStep.ts) against a real
// Prometheus of the test's own, scraping loopback servers that stand in for a release's versions
// with the app's own series, under bounded traffic: a healthy canary passes with both versions'
// figures, a canary with 20 % 5xx or an 800 ms p95 fails after failureLimit + 1 measurements, a
// canary Prometheus does not scrape and an unreachable Prometheus are ERROR, never a pass. The
// Rollout is a stand-in here (a `read` returning the two hashes): the real controller drives it in
// tests/e2e/nodeCanary.test.ts.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { analyzeStep, instantQuery, type StepAnalysisArgs } from "../../components/gate/analysis";
import { ANALYSIS_CHECK, analysedStep } from "../../components/gate/analysisStep";
import type { CanaryPlan } from "../../components/gate/canary";
import type { VerificationConfig } from "../../verification/schema";
import type { SuiteReport } from "../../verification/types";
import { freePort, startTestPrometheus, traffic, versionServer, type TestPrometheus, type VersionServer } from "../fixtures/analysisProm";

const JOB = "acv2-analysis";
const SPEC = { job: JOB, maxErrorRatioIncrease: 0.05, p95FloorSeconds: 0.5 };
const INTERVAL_MS = 2_000;

describe("metric analysis at a step (real Prometheus scraping two versions)", function () {
  this.timeout(120_000);
  let prom: TestPrometheus | undefined;
  let load: { stop(): Promise<number> } | undefined;
  const v: Record<string, VersionServer> = {};

  before(async function () {
    if (spawnSync("prometheus", ["--version"]).error) {
      console.log("      SKIPPED: prometheus is not installed (Debian package `prometheus`; .ci/run installs it)");
      this.skip();
    }
    v.stable = await versionServer("s0stable", { errorRatio: 0, delayMs: 0 });
    v.healthy = await versionServer("c1healthy", { errorRatio: 0, delayMs: 0 });
    v.errors = await versionServer("c2errors", { errorRatio: 0.2, delayMs: 0 });
    v.slow = await versionServer("c3slow", { errorRatio: 0, delayMs: 800 });
    prom = await startTestPrometheus(JOB, Object.values(v));
    load = traffic(Object.values(v), 100, 100_000);
    // Every version scraped with traffic behind it (a rate) before the first measurement window opens.
    const ready = `count(count by (rollouts_pod_template_hash) (rate(http_requests_total{job="${JOB}"}[1m]) > 0))`;
    const deadline = Date.now() + 30_000;
    let seen: number[] = [];
    while ((seen[0] ?? 0) < Object.keys(v).length) {
      if (Date.now() > deadline) throw new Error(`Prometheus did not see traffic on every version within 30 s (${seen[0] ?? 0} of ${Object.keys(v).length})`);
      await new Promise((r) => setTimeout(r, 500));
      seen = await instantQuery(prom.url, ready).catch(() => []);
    }
  });
  after(async () => {
    const sent = await load?.stop();
    if (sent !== undefined) console.log(`      traffic: ${sent} requests to ${Object.keys(v).length} versions`);
    await prom?.stop();
    await Promise.all(Object.values(v).map((s) => s.close()));
  });

  const args = (canary: string, extra: Partial<StepAnalysisArgs> = {}): StepAnalysisArgs => ({
    prometheusUrl: prom!.url, spec: SPEC, canaryHash: canary, stableHash: v.stable.hash, intervalMs: INTERVAL_MS, failureLimit: 1, measurements: 2, ...extra,
  });

  it("a healthy canary passes, with each version's figures measured", async () => {
    const r = await analyzeStep(args(v.healthy.hash));
    console.log(`      healthy: ${r.verdict}: ${r.message}`);
    assert.equal(r.verdict, "passed", r.message);
    assert.equal(r.measurements.length, 2);
    for (const m of r.measurements) {
      assert.equal(m.verdict, "passed");
      const err = m.metrics.find((x) => x.name === "error-ratio-excess")!;
      assert.equal(err.canary, 0);
      assert.equal(err.stable, 0);
      const p95 = m.metrics.find((x) => x.name === "p95-latency-ratio")!;
      assert.ok(p95.canary !== null && p95.canary < 0.5 && p95.stable !== null, JSON.stringify(p95));
    }
  });

  it("a canary answering 20 % 5xx fails at its second failed measurement, with its ratio next to stable's", async () => {
    const t0 = Date.now();
    const r = await analyzeStep(args(v.errors.hash, { measurements: 5 }));
    const ms = Date.now() - t0;
    console.log(`      20 % 5xx: ${r.verdict} after ${ms} ms: ${r.message}`);
    assert.equal(r.verdict, "failed");
    assert.equal(r.measurements.length, 2, "failure limit 1: the second failed measurement ends the run");
    assert.ok(ms < 2 * INTERVAL_MS + 3_000, `${ms} ms`);
    const err = r.measurements[1].metrics.find((x) => x.name === "error-ratio-excess")!;
    assert.ok(err.canary! > 0.1 && err.canary! < 0.3, `canary ratio ${err.canary}`);
    assert.equal(err.stable, 0);
    assert.match(r.message, /error-ratio-excess 0\.\d+ > 0\.05 \(canary \d+\.\d\d%, stable 0\.00%\)/);
  });

  it("a canary whose p95 is 800 ms (stable's a few ms, the floor 0.5 s) fails on latency", async () => {
    const r = await analyzeStep(args(v.slow.hash));
    console.log(`      slow: ${r.verdict}: ${r.message}`);
    assert.equal(r.verdict, "failed");
    const p95 = r.measurements[1].metrics.find((x) => x.name === "p95-latency-ratio")!;
    assert.equal(p95.passed, false);
    assert.ok(p95.canary! > 0.5, `canary p95 ${p95.canary}`);
    assert.ok(r.measurements[1].metrics.find((x) => x.name === "error-ratio-excess")!.passed, "no 5xx: the error ratio passes");
  });

  it("a canary Prometheus does not scrape is ERROR, not a pass (no figures would pass every threshold)", async () => {
    const r = await analyzeStep(args("c9notscraped"));
    assert.equal(r.verdict, "error");
    assert.match(r.message, /no scrape target of job acv2-analysis with rollouts_pod_template_hash=c9notscraped/);
  });

  it("an unreachable Prometheus is ERROR, naming where it was asked", async () => {
    const port = await freePort();
    const r = await analyzeStep(args(v.healthy.hash, { prometheusUrl: `http://127.0.0.1:${port}`, intervalMs: 200 }));
    assert.equal(r.verdict, "error");
    assert.match(r.message, new RegExp(`Prometheus at 127\\.0\\.0\\.1:${port}`));
  });

  it("refuses a hash that is not one before asking anything (nothing is put into PromQL unchecked)", async () => {
    await assert.rejects(analyzeStep(args('x"} or vector(1) #', { intervalMs: 10 })), /not a pod-template hash/);
  });

  describe("beside the step's suite (analysedStep)", () => {
    const plan = (prometheusUrl?: string): CanaryPlan => ({
      strategy: "canary", rollout: "app", steps: [{ setWeight: 25, pauseSeconds: 4 }], leadingSteps: 0,
      analysis: { ...(prometheusUrl ? { prometheusUrl } : {}), spec: SPEC, intervalSeconds: INTERVAL_MS / 1000, failureLimit: 1 },
    });
    const config = { baseUrl: "http://127.0.0.1:1", checks: [] } as unknown as VerificationConfig;
    const control = (canary: string) => ({ read: async () => ({ observed: true, pausedAtStep: true, aborted: false, currentPodHash: canary, stableHash: v.stable.hash }) });
    /** A suite that passes after 15 s unless stopped; says whether it was stopped. */
    const slowSuite = () => {
      const seen = { stopped: false };
      const run = (signal?: AbortSignal) =>
        new Promise<SuiteReport>((resolve) => {
          const done = () => resolve({ status: "passed", startedAt: new Date().toISOString(), durationMs: 0, checks: [] });
          const t = setTimeout(done, 15_000);
          signal?.addEventListener("abort", () => { seen.stopped = true; clearTimeout(t); done(); }, { once: true });
        });
      return { seen, run };
    };

    it("a failing analysis stops the suite and fails the step with a metric-analysis row", async () => {
      const s = slowSuite();
      const lines: string[] = [];
      const t0 = Date.now();
      const report = await analysedStep({ plan: plan(prom!.url), config, control: control(v.errors.hash), windowMs: 4_000, log: (l) => lines.push(l) }, s.run);
      assert.equal(report.status, "failed");
      assert.ok(s.seen.stopped, "the suite was stopped when the analysis failed");
      assert.ok(Date.now() - t0 < 10_000, `the step ended in ${Date.now() - t0} ms, not after the suite's 15 s`);
      const row = report.checks.find((c) => c.name === ANALYSIS_CHECK)!;
      assert.equal(row.status, "failed");
      assert.equal(row.blocking, true);
      assert.equal((row.measurements as { canaryHash: string }).canaryHash, v.errors.hash);
      assert.ok(lines.some((l) => /^analysis: canary c2errors against stable s0stable at Prometheus 127\.0\.0\.1:\d+, 2 measurement\(s\) every 2 s/.test(l)), lines.join("\n"));
    });

    it("a healthy canary: the step passes once both are done", async () => {
      const report = await analysedStep({ plan: plan(prom!.url), config, control: control(v.healthy.hash), windowMs: 4_000, log: () => undefined }, async () => ({ status: "passed", startedAt: "", durationMs: 0, checks: [] }));
      assert.equal(report.status, "passed");
      assert.equal(report.checks.find((c) => c.name === ANALYSIS_CHECK)!.status, "passed");
    });

    it("the monitoring check's Prometheus is used when the plan names none; with neither, the row is SKIPPED saying why", async () => {
      const withCheck = { ...config, checks: [{ name: "mon", type: "monitoring", prometheusUrl: prom!.url, job: JOB }] } as unknown as VerificationConfig;
      const used = await analysedStep({ plan: plan(), config: withCheck, control: control(v.errors.hash), windowMs: 4_000, log: () => undefined }, async () => ({ status: "passed", startedAt: "", durationMs: 0, checks: [] }));
      assert.equal(used.checks.find((c) => c.name === ANALYSIS_CHECK)!.status, "failed");
      const none = await analysedStep({ plan: plan(), config, control: control(v.errors.hash), windowMs: 4_000, log: () => undefined }, async () => ({ status: "passed", startedAt: "", durationMs: 0, checks: [] }));
      const row = none.checks.find((c) => c.name === ANALYSIS_CHECK)!;
      assert.equal(row.status, "skipped");
      assert.match(row.message, /neither release\.analysisPrometheusUrl nor a monitoring check/);
      assert.equal(none.status, "passed");
    });
  });
});

// Argo's counting rules, with a scripted stand-in for Prometheus (a real one cannot be made to
// answer a pass, then a failure, then an outage on demand): each measurement's error-ratio-excess
// comes from the script, "down" answers 503, "none" has no canary target.
describe("metric analysis counting (scripted Prometheus stand-in)", () => {
  async function scripted(script: Array<number | "down" | "none">): Promise<{ url: string; close(): Promise<void> }> {
    let n = -1;
    const srv = http.createServer((req, res) => {
      const q = new URL(req.url ?? "/", "http://x").searchParams.get("query") ?? "";
      if (q.startsWith("count(up")) n += 1;
      const step = script[Math.min(n, script.length - 1)];
      if (step === "down") {
        res.writeHead(503).end("unavailable");
        return;
      }
      const value = q.startsWith("count(up") ? (step === "none" ? undefined : "2") : q.includes(") - ((") ? String(step) : "0.001";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: value === undefined ? [] : [{ metric: {}, value: [0, value] }] } }));
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise((r) => srv.close(() => r())) };
  }
  const run = async (script: Array<number | "down" | "none">, failureLimit = 1, measurements = 3) => {
    const p = await scripted(script);
    try {
      return await analyzeStep({ prometheusUrl: p.url, spec: SPEC, canaryHash: "c1", stableHash: "s1", intervalMs: 20, failureLimit, measurements });
    } finally {
      await p.close();
    }
  };

  it("one failure within the limit, then passes: PASSED, the failure counted in the message", async () => {
    const r = await run([0, 0.2, 0]);
    assert.equal(r.verdict, "passed");
    assert.equal(r.measurements.length, 3);
    assert.match(r.message, /^2 of 3 measurements passed \(1 failed, within the limit 1\); last: error-ratio-excess 0\.000 <= 0\.05/);
  });

  it("a failing last measurement is never promoted on: one more is taken, and its verdict decides", async () => {
    const recovered = await run([0, 0, 0.2, 0]);
    assert.equal(recovered.verdict, "passed");
    assert.equal(recovered.measurements.length, 4);
    assert.match(recovered.message, /^3 of 4 measurements passed \(1 failed, within the limit 1\)/);
    const still = await run([0, 0, 0.2, 0.2]);
    assert.equal(still.verdict, "failed");
    assert.equal(still.measurements.length, 4);
    assert.match(still.message, /^2 of 4 measurements failed \(failure limit 1\): error-ratio-excess 0\.200 > 0\.05/);
  });

  it("failureLimit 0: the first failed measurement fails it at once", async () => {
    const r = await run([0.2, 0, 0], 0);
    assert.equal(r.verdict, "failed");
    assert.equal(r.measurements.length, 1);
  });

  it("at least failureLimit + 1 measurements even when the step asks for fewer, so the analysis can fail", async () => {
    const r = await run([0.2, 0.2], 1, 1);
    assert.equal(r.verdict, "failed");
    assert.equal(r.measurements.length, 2);
  });

  it("one failure, then outages: ERROR once the outages pass the limit, never PASSED", async () => {
    const r = await run([0.2, "down"], 1, 2);
    assert.equal(r.verdict, "error");
    assert.equal(r.measurements.length, 3);
    assert.match(r.message, /^2 of 3 measurements could not be taken \(limit 1\)/);
  });

  it("outages past the limit: ERROR naming Prometheus's answer; a canary without targets likewise", async () => {
    const down = await run(["down"]);
    assert.equal(down.verdict, "error");
    assert.match(down.message, /^2 of 2 measurements could not be taken \(limit 1\): Prometheus at 127\.0\.0\.1:\d+: Prometheus answered 503/);
    const none = await run(["none"]);
    assert.equal(none.verdict, "error");
    assert.match(none.message, /no scrape target of job acv2-analysis with rollouts_pod_template_hash=c1/);
  });
});
