// The gate's progress lines (components/gate/progress.ts): the pure formatting, and the heartbeat
// timing with a short period. The real runner drives it in tests/verification/gateProgress.test.ts
// and the real engine shows it in `pulumi up` in tests/integration/gateProgress.test.ts.
import { strict as assert } from "assert";
import { createProgress, formatDuration, resultLine, shortMessage } from "../../components/gate/progress";
import type { CheckResult } from "../../verification/types";

const result = (over: Partial<CheckResult> = {}): CheckResult => ({
  name: "health",
  type: "health",
  status: "passed",
  blocking: true,
  durationMs: 1234,
  message: "GET /health returned 200",
  measurements: {},
  ...over,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("gate progress lines", () => {
  it("formats durations: tenths under a minute, whole seconds above", () => {
    assert.equal(formatDuration(1234), "1.2s");
    assert.equal(formatDuration(0), "0.0s");
    assert.equal(formatDuration(95_400), "95s");
  });

  it("keeps a message on one line and cuts it, so a huge body cannot flood the output", () => {
    assert.equal(shortMessage("a\n  b\tc"), "a b c");
    const long = shortMessage("x".repeat(500), 40);
    assert.equal(long.length, 40);
    assert.ok(long.endsWith("…"));
  });

  it("a finished check: status, advisory, duration, count and short message", () => {
    assert.equal(resultLine(result(), 1, 3), "[verification] health: PASSED in 1.2s [1/3]: GET /health returned 200");
    assert.equal(
      resultLine(result({ name: "perf", status: "failed", blocking: false, durationMs: 30_050, message: "p95 412 ms > 300 ms\n(1500 samples)" }), 3, 3),
      "[verification] perf: FAILED (advisory) in 30.1s [3/3]: p95 412 ms > 300 ms (1500 samples)",
    );
    assert.equal(resultLine(result({ message: "" }), 2, 2), "[verification] health: PASSED in 1.2s [2/2]");
  });

  it("heartbeats a running check every period until its result, in order, then stops", async () => {
    const lines: string[] = [];
    const p = createProgress({ write: (l) => lines.push(l), heartbeatMs: 60 });
    p.begin(2, 30);
    p.onStart("fast");
    p.onStart("slow");
    await sleep(20);
    p.onResult(result({ name: "fast", durationMs: 20 }));
    await sleep(400);
    p.onResult(result({ name: "slow", durationMs: 170 }));
    const settled = lines.length;
    await sleep(150);
    p.stop();
    assert.equal(lines.length, settled, "no heartbeat after the result");
    assert.equal(lines[0], "[verification] running 2 checks (deadline 30s); a line per check as it finishes");
    assert.match(lines[1], /^\[verification\] fast: PASSED in 0\.0s \[1\/2\]/);
    const beats = lines.slice(2, -1);
    assert.ok(beats.length >= 2, `expected >= 2 heartbeats, got ${JSON.stringify(lines)}`);
    for (const b of beats) assert.match(b, /^\[verification\] slow: still running after \d+s$/);
    assert.match(lines[lines.length - 1], /^\[verification\] slow: PASSED in 0\.2s \[2\/2\]/);
    assert.ok(!lines.some((l) => l.startsWith("[verification] fast: still running")), "a finished check never heartbeats");
  });

  it("stop() ends every heartbeat of checks that never reported (suite threw)", async () => {
    const lines: string[] = [];
    const p = createProgress({ write: (l) => lines.push(l), heartbeatMs: 30 });
    p.onStart("hung");
    await sleep(80);
    p.stop();
    const n = lines.length;
    assert.ok(n >= 1);
    await sleep(100);
    assert.equal(lines.length, n);
  });
});
