// Issue 11.4 and 10.2: every number finite and bounded, configs that can never pass refused by
// key path before anything is sent, and the performance schedule generated lazily. The CLI
// case runs the real command against the fixture service to prove no request left.
import { strict as assert } from "node:assert";
import { ConfigError } from "../../config/errors";
import { AVAILABILITY_CONCURRENCY, LIMITS, MIN_REQUEST_MS, NODE_TIMER_MAX_MS, feasibilityIssues } from "../../verification/limits";
import { dueRange, openSchedule, scheduleOffsetsMs } from "../../verification/load";
import { parseConfigText } from "../../verification/loadConfig";
import { runOpenLoad } from "../../verification/loadRunner";
import { runSuite } from "../../verification/runner";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { config, runCli, tempDir } from "./helpers";

/** The problems the loader reports for a YAML text, or [] when it parses. */
function problems(yaml: string): string[] {
  try {
    parseConfigText(yaml, "v.yaml");
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
    return err.problems;
  }
}

const BASE = "baseUrl: http://127.0.0.1:1\n";
const one = (check: string, head = BASE) => `${head}checks:\n  - ${check}\n`;

describe("config limits: finite, bounded, refused by key path (issue 11.4)", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["`.inf` timeout", one("{ name: h, type: health, timeoutSeconds: .inf }"), /^v\.yaml: checks\[0\]\.timeoutSeconds: must be a finite number$/],
    ["1e308 deadline", `deadlineSeconds: 1e308\n${one("{ name: h, type: health }", "")}`.replace("checks", `${BASE}checks`), /^v\.yaml: deadlineSeconds: must be <= 86400$/],
    ["a timeout overflowing Node's timers", one("{ name: h, type: health, timeoutSeconds: 2147484 }"), /^v\.yaml: checks\[0\]\.timeoutSeconds: must be <= 3600$/],
    ["a rate of -.inf", one("{ name: p, type: performance, ratePerSecond: -.inf, durationSeconds: 1 }"), /^v\.yaml: checks\[0\]\.ratePerSecond: must be a finite number$/],
    ["NaN count", one("{ name: h, type: health, count: .nan }"), /^v\.yaml: checks\[0\]\.count: must be number \(got nan\)$/],
    ["a fractional count", one("{ name: h, type: health, count: 2.5 }"), /^v\.yaml: checks\[0\]\.count: must be integer \(got float\)$/],
    ["a huge request count", one("{ name: a, type: availability, requests: 1e9 }"), /^v\.yaml: checks\[0\]\.requests: must be <= 100000$/],
    ["a schedule that would not fit in memory", one("{ name: p, type: performance, ratePerSecond: 10000, durationSeconds: 3600 }"), /^v\.yaml: checks\[0\]\.durationSeconds: ratePerSecond x durationSeconds must be <= 1000000 requests \(this schedules 36000000\)$/],
    ["a p99 threshold of 1e308", one("{ name: p, type: performance, ratePerSecond: 10, durationSeconds: 10, thresholds: { p99Ms: 1e308 } }"), /^v\.yaml: checks\[0\]\.thresholds\.p99Ms: must be <= 3600000$/],
    ["an interim status expected", one("{ name: h, type: health, expectStatus: 101 }"), /^v\.yaml: checks\[0\]\.expectStatus: must be a final HTTP status \(200-599\)$/],
  ];
  for (const [what, yaml, rule] of cases) {
    it(`refuses ${what}`, () => {
      const p = problems(yaml);
      assert.ok(p.some((line) => rule.test(line)), p.join("\n"));
    });
  }

  it("no bound lets a timer overflow: the largest attempt budget and deadline fit in 2^31-1 ms", () => {
    assert.ok((LIMITS.seconds * 2) * 1000 < NODE_TIMER_MAX_MS);
    assert.ok(LIMITS.deadlineSeconds * 1000 < NODE_TIMER_MAX_MS);
    assert.deepEqual(problems(`deadlineSeconds: ${LIMITS.deadlineSeconds}\n${one(`{ name: p, type: performance, ratePerSecond: 1, durationSeconds: ${LIMITS.seconds}, minSamples: 1, timeoutSeconds: ${LIMITS.seconds} }`)}`), []);
  });
});

describe("configs that can never pass are refused (issue 10.2)", () => {
  it("minSamples above ratePerSecond x durationSeconds", () => {
    assert.deepEqual(problems(one("{ name: p, type: performance, ratePerSecond: 10, durationSeconds: 5, minSamples: 51 }")), [
      "v.yaml: checks[0].minSamples: must be <= ratePerSecond x durationSeconds (50 requests scheduled): the check could never have enough samples to pass",
    ]);
    assert.deepEqual(problems(one("{ name: p, type: performance, ratePerSecond: 10, durationSeconds: 5, minSamples: 50 }")), []);
  });

  it("load windows that cannot fit the deadline, with the arithmetic", () => {
    assert.deepEqual(problems(`deadlineSeconds: 60\n${one("{ name: p, type: performance, ratePerSecond: 10, durationSeconds: 30, count: 3, intervalSeconds: 5 }")}`), [
      "v.yaml: checks[0].durationSeconds: cannot fit the suite deadline: passing takes at least 99.7s (initialDelaySeconds 0s + 3 x load window 29.9s + 2 x intervalSeconds 5s) > deadlineSeconds 60s",
    ]);
    // failureLimit lets two attempts be skipped: one window fits.
    assert.deepEqual(problems(`deadlineSeconds: 60\n${one("{ name: p, type: performance, ratePerSecond: 10, durationSeconds: 30, count: 3, intervalSeconds: 5, failureLimit: 2, consecutiveErrorLimit: 2 }")}`), []);
  });

  it("attempts and pauses that cannot fit the deadline, for any check", () => {
    assert.deepEqual(problems(`deadlineSeconds: 30\n${one("{ name: h, type: health, count: 10, intervalSeconds: 5, failureLimit: 1 }")}`), [
      // failureLimit 1 alone skips nothing: consecutiveErrorLimit 0 still needs every attempt.
      "v.yaml: checks[0].count: cannot fit the suite deadline: passing takes at least 45s (initialDelaySeconds 0s + 9 x intervalSeconds 5s) > deadlineSeconds 30s",
    ]);
    assert.deepEqual(problems(`deadlineSeconds: 30\n${one("{ name: h, type: health, initialDelaySeconds: 31 }")}`), [
      "v.yaml: checks[0].initialDelaySeconds: cannot fit the suite deadline: passing takes at least 31s (initialDelaySeconds 31s) > deadlineSeconds 30s",
    ]);
  });

  it("availability requests that cannot fit timeoutSeconds at its concurrency", () => {
    assert.deepEqual(problems(one("{ name: a, type: availability, requests: 100000, timeoutSeconds: 1 }")), [
      `v.yaml: checks[0].requests: cannot fit in timeoutSeconds 1s at ${AVAILABILITY_CONCURRENCY} in flight (at least 2.5s at ${MIN_REQUEST_MS} ms per request): raise timeoutSeconds or lower requests`,
    ]);
    assert.deepEqual(problems(one("{ name: a, type: availability, requests: 100000, timeoutSeconds: 3 }")), []);
  });

  it("feasibilityIssues is the rule the schema applies (pure, per check)", () => {
    assert.deepEqual(feasibilityIssues({ name: "x", type: "performance", ratePerSecond: 50, durationSeconds: 30, minSamples: 1000 }, 600), []);
    assert.equal(feasibilityIssues({ name: "x", type: "performance", ratePerSecond: 0.01, durationSeconds: 10 }, 600)[0].message, "ratePerSecond x durationSeconds must schedule at least 1 request");
  });

  it("the CLI refuses an infeasible or unbounded config with exit 2 and sends nothing", async function () {
    this.timeout(60_000);
    const fx = await startFixture();
    const t = tempDir();
    try {
      const file = t.file("v.yaml", `baseUrl: ${fx.url}\ndeadlineSeconds: 60\nchecks:\n  - { name: h, type: health, timeoutSeconds: .inf }\n  - { name: p, type: performance, ratePerSecond: 10, durationSeconds: 5, minSamples: 500 }\n`);
      const r = await runCli(["--config", file, "--json", t.file("r.json")]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /checks\[0\]\.timeoutSeconds: must be a finite number/);
      assert.match(r.stderr, /checks\[1\]\.minSamples: must be <= ratePerSecond x durationSeconds \(50 requests scheduled\)/);
      assert.equal(fx.requestCount(), 0);
    } finally {
      t.cleanup();
      await fx.close();
    }
  });
});

describe("performance schedule generated lazily (issue 11.4)", () => {
  it("holds no array: a schedule of 10^13 requests is two numbers", () => {
    const s = openSchedule(10_000, 1e9);
    assert.equal(s.count, 1e13);
    assert.equal(s.offsetMs(1e12), 1e11);
    assert.deepEqual(dueRange(s, 0, 0.05), { from: 0, to: 1 });
    assert.deepEqual(dueRange(s, 0, 2.5), { from: 0, to: 26 });
    assert.deepEqual(dueRange(s, 3, 1000), { from: 3, to: 10_001 });
  });

  it("the lazy dueRange agrees with the array form at every edge", () => {
    for (const [rate, dur] of [[10, 2], [0.1, 30], [3, 0.2], [333, 1], [7, 3]] as const) {
      const arr = scheduleOffsetsMs(rate, dur);
      const lazy = openSchedule(rate, dur);
      assert.equal(lazy.count, arr.length);
      for (const at of [...arr, ...arr.map((x) => x - 1e-9), ...arr.map((x) => x + 0.5), -1, 1e9]) {
        for (const next of [0, Math.floor(arr.length / 2)]) assert.deepEqual(dueRange(lazy, next, at), dueRange(arr, next, at), `rate ${rate} dur ${dur} at ${at}`);
      }
    }
  });

  it("a run over an enormous schedule, cancelled at once, allocates nothing for it and returns", async () => {
    const ctl = new AbortController();
    ctl.abort();
    const before = process.memoryUsage().heapUsed;
    const run = await runOpenLoad({ url: "http://127.0.0.1:1/", ratePerSecond: 10_000, durationSeconds: 1e9, signal: ctl.signal });
    assert.equal(run.scheduled, 1e13);
    assert.equal(run.sent, 0);
    assert.ok(process.memoryUsage().heapUsed - before < 16 * 1024 * 1024);
  });
});

describe("MIN_REQUEST_MS is below any measured round trip", function () {
  this.timeout(30_000);
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());

  it("prints the loopback figure the availability floor is judged against", async () => {
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "a", type: "availability", requests: 400 }] }));
    const perRequestMs = r.checks[0].durationMs / (400 / AVAILABILITY_CONCURRENCY);
    console.log(`      availability on loopback: ${r.checks[0].durationMs} ms for 400 requests, ${perRequestMs.toFixed(3)} ms per request per worker (floor ${MIN_REQUEST_MS} ms)`);
    assert.equal(r.checks[0].status, "passed");
    assert.ok(perRequestMs > MIN_REQUEST_MS);
  });
});
