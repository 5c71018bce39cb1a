// The load generator's pure half: schedule and statistics. The numbers the performance check
// judges by come from these functions, so they are pinned to exact values here.
import { strict as assert } from "node:assert";
import { compareBaseline, dueRange, percentile, scheduleOffsetsMs, summarize, thresholdViolations } from "../../verification/load";

describe("load generator (pure)", () => {
  it("schedules floor(rate*duration) sends at i/rate, inside the window", () => {
    assert.deepEqual(scheduleOffsetsMs(10, 0.5), [0, 100, 200, 300, 400]);
    assert.equal(scheduleOffsetsMs(200, 3).length, 600);
    assert.equal(scheduleOffsetsMs(200, 3)[599], 2995);
    assert.equal(scheduleOffsetsMs(0.1, 30).length, 3, "float error must not lose a request");
    assert.deepEqual(scheduleOffsetsMs(0, 5), []);
    assert.deepEqual(scheduleOffsetsMs(3, 0.2), []);
  });

  it("fires every overdue request when the timer wakes late (no thinning of the rate)", () => {
    const offsets = scheduleOffsetsMs(100, 1); // every 10 ms
    assert.deepEqual(dueRange(offsets, 0, 0), { from: 0, to: 1 });
    // Woke 2 s late: all 100 are due at once, none silently skipped.
    assert.deepEqual(dueRange(offsets, 1, 2000), { from: 1, to: 100 });
    assert.deepEqual(dueRange(offsets, 5, 49.9), { from: 5, to: 5 });
    assert.deepEqual(dueRange(offsets, 5, 50), { from: 5, to: 6 });
  });

  it("takes nearest-rank percentiles that are real observed values", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 95), 95);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile(xs, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it("summarizes unsorted input without mutating it, and one 2 s stall moves p99 but not p50", () => {
    const input = [5, 1, 3, 2, 4];
    const s = summarize(input);
    assert.deepEqual(input, [5, 1, 3, 2, 4]);
    assert.deepEqual(s, { samples: 5, p50Ms: 3, p95Ms: 5, p99Ms: 5, meanMs: 3, maxMs: 5, minMs: 1 });
    // 200 samples at 2 ms, 4 of them caught behind a 2 s stall (2% of the window).
    const stalled = [...Array(196).fill(2), 2000, 1800, 1600, 1400];
    const t = summarize(stalled);
    assert.equal(t.p50Ms, 2);
    assert.equal(t.p95Ms, 2);
    assert.equal(t.p99Ms, 1600);
    assert.equal(t.maxMs, 2000);
  });

  it("names each broken threshold and stays silent when none is", () => {
    assert.deepEqual(thresholdViolations({ p95Ms: 120, p99Ms: 300 }, 0.05, { p95Ms: 100, p99Ms: 250, maxErrorRate: 0.01 }), [
      "p95 120ms > 100ms",
      "p99 300ms > 250ms",
      "error rate 5.00% > 1.00%",
    ]);
    assert.deepEqual(thresholdViolations({ p95Ms: 100, p99Ms: 250 }, 0.01, { p95Ms: 100, p99Ms: 250, maxErrorRate: 0.01 }), []);
    assert.deepEqual(thresholdViolations({ p95Ms: 1e6, p99Ms: 1e6 }, 1, {}), []);
  });

  it("compares p95 with the baseline as a fraction and flags regressions beyond the limit", () => {
    assert.deepEqual(compareBaseline(130, 100, 0.2), { baselineP95Ms: 100, p95Ms: 130, regression: 0.3, maxRegression: 0.2, regressed: true });
    assert.equal(compareBaseline(119, 100, 0.2).regressed, false);
    assert.equal(compareBaseline(80, 100, 0.2).regression, -0.2);
    assert.equal(compareBaseline(500, 100).regressed, false, "no limit configured: reported, never failed");
    assert.equal(compareBaseline(5, 0, 0.1).regressed, false, "a zero baseline has no ratio");
  });
});
