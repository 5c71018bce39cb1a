// The performance check against the real fixture service on loopback: open-model load, tail
// latency from scheduled send times, thresholds, baselines, and the faults it must survive
// (2: a few percent of 500s; 10: too few samples; 11: a 2 s stall; 1: a hanging target).
import { strict as assert } from "node:assert";
import { performance } from "node:perf_hooks";
import { childSignal, timeoutReason } from "../../verification/abort";
import { definition } from "../../verification/checks/performance";
import { runOpenLoad } from "../../verification/loadRunner";
import { runSuite } from "../../verification/runner";
import { checkSchema, type CheckConfigOf } from "../../verification/schema";
import type { CheckContext } from "../../verification/types";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { config } from "./helpers";

function perf(fields: Record<string, unknown>): CheckConfigOf<"performance"> {
  return checkSchema.parse({ name: "perf", type: "performance", ...fields }) as CheckConfigOf<"performance">;
}

function ctxFor(baseUrl: string, timeoutMs = 20_000, extra: Partial<CheckContext> = {}): { ctx: CheckContext; dispose(): void } {
  const child = childSignal(undefined, timeoutMs, () => timeoutReason(timeoutMs));
  return { ctx: { baseUrl, signal: child.signal, timeoutMs, ...extra }, dispose: child.dispose };
}

async function attempt(config: CheckConfigOf<"performance">, baseUrl: string, timeoutMs?: number, extra?: Partial<CheckContext>) {
  const { ctx, dispose } = ctxFor(baseUrl, timeoutMs, extra);
  try {
    return await definition.attempt(config, ctx);
  } finally {
    dispose();
  }
}

describe("performance check (real fixture on 127.0.0.1)", function () {
  this.timeout(30_000);
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());
  beforeEach(() => fx.reset());

  it("passes a healthy target and sends exactly the scheduled number of requests", async () => {
    // The load and the fixture share this test process: a GC pause there (seen once in CI: p50
    // 1.6 ms, p95 488 ms) counts against every request due during it. The check now watches its
    // own event loop, so such a run is INCONCLUSIVE naming the stall (performanceStall.test.ts),
    // never FAILED; on a quiet run it must PASS at the check's own 250 ms bound.
    const out = await attempt(perf({ ratePerSecond: 200, durationSeconds: 1.5, minSamples: 250, thresholds: { p95Ms: 250 } }), fx.url);
    const m = out.measurements as Record<string, number>;
    const stall = m.clientStallMs;
    if (out.status === "inconclusive") {
      assert.match(out.message, /^client stall, not a verdict on the target: .* enough to explain p95 [\d.]+ms > 250ms/);
      assert.ok(stall >= m.p95Ms - 250, `stall ${stall}ms explains p95 ${m.p95Ms}ms`);
      console.log(`      client stalled ${stall}ms: ${out.message}`);
    } else {
      assert.equal(out.status, "passed", out.message);
      assert.match(out.message, /^p50 [\d.]+ms p95 [\d.]+ms p99 [\d.]+ms, errors 0\.00% over 300 samples$/);
    }
    assert.equal(m.samples, 300);
    assert.equal(m.scheduled, 300);
    assert.equal(fx.requestCount(), 300, "the server saw every scheduled request");
    assert.equal(m.errorRate, 0);
    assert.ok(m.p50Ms > 0 && m.p50Ms <= m.p95Ms && m.p95Ms <= m.p99Ms && m.p99Ms <= m.maxMs);
    assert.ok(m.achievedRate > 180 && m.achievedRate <= 202, `achieved ${m.achievedRate}/s`);
  });

  it("fails on 5% injected 500s over a 1% error budget, counting every one (fault 2)", async () => {
    fx.knobs.errorRate = 0.05;
    const out = await attempt(perf({ ratePerSecond: 200, durationSeconds: 1, minSamples: 100, thresholds: { maxErrorRate: 0.01 } }), fx.url);
    assert.equal(out.status, "failed");
    assert.match(out.message, /^error rate 5\.00% > 1\.00%/);
    const m = out.measurements as Record<string, unknown>;
    assert.equal(m.errors, 10);
    assert.deepEqual(m.statusCounts, { "200": 190, "500": 10 });
  });

  it("applies the default 1% error budget when none is configured", async () => {
    fx.knobs.errorRate = 0.5;
    const out = await attempt(perf({ ratePerSecond: 100, durationSeconds: 0.5, minSamples: 10 }), fx.url);
    assert.equal(out.status, "failed");
    assert.match(out.message, /error rate 50\.00% > 1\.00%/);
  });

  it("is INCONCLUSIVE with the sample count when there are fewer samples than minSamples (fault 10)", async () => {
    const out = await attempt(perf({ ratePerSecond: 20, durationSeconds: 1, minSamples: 100 }), fx.url);
    assert.equal(out.status, "inconclusive");
    assert.equal(out.message, "only 20 samples, fewer than minSamples 100");
  });

  it("shows a 2 s server stall inside the window in p99, measured from scheduled send times (fault 11)", async () => {
    const stallAt = setTimeout(() => {
      fx.knobs.stallUntil = Date.now() + 2000;
    }, 500);
    const out = await attempt(perf({ ratePerSecond: 100, durationSeconds: 3, minSamples: 200, thresholds: { p99Ms: 500 } }), fx.url);
    clearTimeout(stallAt);
    const m = out.measurements as Record<string, number>;
    assert.equal(out.status, "failed", out.message);
    assert.match(out.message, /^p99 [\d.]+ms > 500ms/);
    // The first request caught by the stall waited the whole 2 s; a closed-loop client would have
    // sent ~1 request during the stall instead of ~200 and reported one slow sample.
    assert.ok(m.maxMs >= 1900 && m.maxMs < 3500, `max ${m.maxMs}`);
    assert.ok(m.p99Ms >= 1800, `p99 ${m.p99Ms}`);
    assert.ok(m.samples === 300 && m.sent === 300, "the schedule kept sending during the stall");
  });

  it("fails a p95 regression beyond maxRegression over the baseline, and passes within it", async () => {
    fx.knobs.latencyMs = 40;
    const cfg = perf({ ratePerSecond: 50, durationSeconds: 1, minSamples: 40, maxRegression: 0.25 });
    const now = new Date().toISOString();
    const worse = await attempt(cfg, fx.url, undefined, { baselines: { perf: { p50Ms: 5, p95Ms: 10, p99Ms: 12, samples: 100, recordedAt: now } } });
    assert.equal(worse.status, "failed");
    assert.match(worse.message, /^p95 regressed \d+\.\d% over baseline 10ms \(max 25\.0%\)/);
    const cmp = (worse.measurements as { baseline: { regressed: boolean; baselineP95Ms: number } }).baseline;
    assert.equal(cmp.regressed, true);
    assert.equal(cmp.baselineP95Ms, 10);

    // A baseline comfortably above the injected 40 ms: scheduler noise on a busy machine must not flip it.
    const same = await attempt(cfg, fx.url, undefined, { baselines: { perf: { p50Ms: 60, p95Ms: 100, p99Ms: 120, samples: 100, recordedAt: now } } });
    assert.equal(same.status, "passed", same.message);
    assert.ok((same.measurements as { baseline: { regression: number } }).baseline.regression < 0);
    assert.equal((same.measurements as { baseline: { regressed: boolean } }).baseline.regressed, false);
  });

  it("is ERROR, not INCONCLUSIVE, when the target refuses every connection", async () => {
    const dead = await startFixture();
    const url = dead.url;
    await dead.close();
    const out = await attempt(perf({ ratePerSecond: 50, durationSeconds: 0.2, minSamples: 1 }), url);
    assert.equal(out.status, "error");
    assert.equal(out.message, "no request got a response (refused); 10 sent");
  });

  it("ends ERROR within the attempt timeout when the target hangs (fault 1)", async () => {
    fx.knobs.hang = true;
    const t0 = performance.now();
    const out = await attempt(perf({ ratePerSecond: 50, durationSeconds: 0.5, minSamples: 1 }), fx.url, 1000);
    const took = performance.now() - t0;
    assert.equal(out.status, "error");
    assert.equal(out.message, "load run timed out after 1s (25 of 25 requests sent)");
    assert.ok(took < 1500, `took ${took}ms`);
  });

  // Issue 10.2, the one timeout rule: the attempt gets the load window PLUS timeoutSeconds. Before,
  // the check refused any window longer than timeoutSeconds while the runner added it on top.
  it("runs a load window longer than timeoutSeconds: the attempt budget is window + timeoutSeconds", async () => {
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "perf", type: "performance", ratePerSecond: 20, durationSeconds: 1.5, timeoutSeconds: 1, minSamples: 30 }] }));
    const c = r.checks[0];
    assert.equal(c.status, "passed", c.message);
    assert.equal(c.measurements.attemptBudget, "2.5s (load window 1.5s + timeoutSeconds 1s)");
    assert.equal(c.measurements.sent, 30);
    assert.equal(fx.requestCount(), 30);
  });

  it("a hanging target ends ERROR within window + timeoutSeconds, the report naming that budget", async () => {
    fx.knobs.hang = true;
    const t0 = performance.now();
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "perf", type: "performance", ratePerSecond: 20, durationSeconds: 0.5, timeoutSeconds: 1, minSamples: 5 }] }), { abortGraceMs: 50 });
    const took = performance.now() - t0;
    assert.equal(r.checks[0].status, "error");
    // Each request times out after timeoutSeconds inside the budget, or the runner cuts the
    // attempt at window + timeoutSeconds; either way ERROR, and the budget is stated.
    const m = r.checks[0].message;
    assert.ok(m === "timed out after 1.5s (load window 0.5s + timeoutSeconds 1s)" || /^no request got a response \(timeout\); 10 sent$/.test(m), m);
    if (m.startsWith("no request")) assert.equal(r.checks[0].measurements.attemptBudget, "1.5s (load window 0.5s + timeoutSeconds 1s)");
    assert.ok(took < 1500 + 1000, `took ${took}ms`);
  });

  it("drops requests beyond maxInFlight and counts them as errors instead of queueing", async () => {
    fx.knobs.latencyMs = 300;
    const run = await runOpenLoad({ url: `${fx.url}/health`, ratePerSecond: 100, durationSeconds: 0.5, maxInFlight: 5 });
    assert.equal(run.scheduled, 50);
    assert.equal(run.sent + run.dropped, 50);
    assert.ok(run.dropped >= 40, `dropped ${run.dropped}`);
    assert.equal(run.errors, run.dropped);
    assert.equal(run.errorKinds.dropped, run.dropped);
    assert.equal(fx.requestCount(), run.sent);
  });
});
