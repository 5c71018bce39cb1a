// The runner's policy, deadline and verdict semantics end to end with real checks against the
// fixture. A few cases need a check that misbehaves on purpose (throws, ignores its signal,
// returns INCONCLUSIVE); those use a scripted check definition passed through the runner's
// documented `definitions` option (a stand-in check implementation, not a mock of a service).
import { strict as assert } from "node:assert";
import { runSuite } from "../../verification/runner";
import type { CheckDefinition, CheckResult } from "../../verification/types";
import { closedPort } from "../fixtures/closedPort";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { config } from "./helpers";

const scripted = (fn: CheckDefinition<"health">["attempt"]): { health: CheckDefinition<"health"> } => ({ health: { type: "health", attempt: fn } });
const byName = (checks: CheckResult[], name: string) => checks.find((c) => c.name === name) as CheckResult;

describe("runner: policy", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());
  beforeEach(() => fx.reset());

  it("fault 3: one 503 during churn then healthy is PASSED within failureLimit, the failure still reported", async () => {
    fx.knobs.failNextHealth = 1;
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "h", type: "health", count: 3, intervalSeconds: 0.05, failureLimit: 1 }] }));
    const h = r.checks[0];
    assert.equal(r.status, "passed");
    assert.equal(h.status, "passed");
    assert.match(h.message, /tolerated 1 failed attempt within failureLimit 1; first: GET \/health returned 503, expected 200/);
    assert.equal(h.measurements.failedAttempts, 1);
  });

  it("stops at the first failure when failureLimit is 0: FAILED, no further requests", async () => {
    fx.knobs.failNextHealth = 1;
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "h", type: "health", count: 5, intervalSeconds: 0.05 }] }));
    assert.equal(r.checks[0].status, "failed");
    assert.equal(r.status, "failed");
    assert.equal(fx.requestCount(), 1);
  });

  it("ERROR once consecutive errors exceed consecutiveErrorLimit, and stops there", async () => {
    const port = await closedPort();
    const r = await runSuite(config({ baseUrl: `http://127.0.0.1:${port}`, checks: [{ name: "h", type: "health", count: 5, intervalSeconds: 0.01, consecutiveErrorLimit: 1 }] }));
    assert.equal(r.checks[0].status, "error");
    assert.equal(r.checks[0].message, `GET /health: connection refused (127.0.0.1:${port}) (2 consecutive errors, consecutiveErrorLimit 1)`);
    assert.equal(r.checks[0].measurements.attempts, 2);
  });

  it("makes `count` attempts `intervalSeconds` apart, after `initialDelaySeconds`", async () => {
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "h", type: "health", count: 3, intervalSeconds: 0.15, initialDelaySeconds: 0.2 }] }));
    assert.equal(r.checks[0].status, "passed");
    assert.equal(fx.requestsByPath()["/health"], 3);
    assert.ok(r.checks[0].durationMs >= 200 + 2 * 150, `took ${r.checks[0].durationMs}ms`);
    assert.ok(r.checks[0].durationMs < 2000);
  });

  it("advisory checks are reported but never block the verdict", async () => {
    const port = await closedPort();
    const r = await runSuite(config({ baseUrl: fx.url, checks: [
      { name: "h", type: "health" },
      { name: "dep", type: "external", advisory: true, targets: [{ name: "x", url: `tcp://127.0.0.1:${port}` }] },
    ] }));
    assert.equal(r.status, "passed");
    assert.equal(byName(r.checks, "dep").status, "error");
    assert.equal(byName(r.checks, "dep").blocking, false);
    assert.equal(byName(r.checks, "h").blocking, true);
  });

  it("INCONCLUSIVE passes through and fails a blocking suite (no data is never PASSED)", async () => {
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "h", type: "health" }] }), {
      definitions: scripted(async () => ({ status: "inconclusive", message: "only 3 samples, need 100", measurements: { samples: 3 } })),
    });
    assert.equal(r.checks[0].status, "inconclusive");
    assert.equal(r.checks[0].measurements.samples, 3);
    assert.equal(r.status, "failed");
  });

  it("a check that throws ends ERROR with its redacted message; the others still run", async () => {
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "h", type: "health" }, { name: "ext", type: "external", targets: [{ name: "n", url: "dns://localhost" }] }] }), {
      definitions: scripted(async () => {
        throw new Error("boom near secret-canary-99");
      }),
      secrets: ["secret-canary-99"],
    });
    assert.equal(r.checks[0].status, "error");
    assert.equal(r.checks[0].message, "check threw: boom near ***");
    assert.equal(r.checks[1].status, "passed");
  });

  it("redacts secrets from config in every message and measurement", async () => {
    const r = await runSuite(config({ baseUrl: fx.url, checks: [
      { name: "api", type: "api", endpoints: [{ path: "/api/v1/echo", method: "POST", headers: { "X-Api-Key": "k-canary-5150" }, body: { echo: "k-canary-5150" }, expectJson: { echo: "nope" } }] },
      { name: "ext", type: "external", targets: [{ name: "u", url: `http://user:pw-canary-77@127.0.0.1:${fx.port}/health` }] },
    ] }));
    const text = JSON.stringify(r);
    assert.ok(!text.includes("k-canary-5150") && !text.includes("pw-canary-77"), text);
    assert.match(r.checks[0].message, /echo expected "nope", got "\*\*\*"/);
  });

  it("--only runs matching names or types; the rest are SKIPPED and do not count", async () => {
    const port = await closedPort();
    const cfg = config({ baseUrl: fx.url, checks: [
      { name: "h", type: "health" },
      { name: "broken", type: "external", targets: [{ name: "x", url: `tcp://127.0.0.1:${port}` }] },
    ] });
    const started: string[] = [];
    const r = await runSuite(cfg, { only: ["health"], onStart: (n) => started.push(n) });
    assert.equal(r.status, "passed");
    assert.deepEqual(started, ["h"]);
    assert.equal(byName(r.checks, "broken").status, "skipped");
    assert.equal(byName(r.checks, "broken").message, "not selected (--only)");
    assert.equal((await runSuite(cfg, { only: ["broken"] })).status, "failed");
  });

  it("an empty selection verifies nothing and is not a pass", async () => {
    assert.equal((await runSuite(config({ checks: [] }))).status, "failed");
  });
});

describe("runner: deadline, timeouts and interruption", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture({ hang: true });
  });
  after(() => fx.close());

  it("fault 1: a hanging target is ERROR within the check timeout", async () => {
    const t = Date.now();
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "h", type: "health", timeoutSeconds: 0.3 }] }));
    assert.equal(r.checks[0].status, "error");
    assert.equal(r.checks[0].message, "GET /health: timed out after 0.3s");
    assert.ok(Date.now() - t < 1000, `took ${Date.now() - t}ms`);
  });

  it("a check that ignores its abort signal is still cut off at the timeout", async () => {
    const t = Date.now();
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "h", type: "health", timeoutSeconds: 0.2 }] }), {
      definitions: scripted(() => new Promise(() => undefined)),
      abortGraceMs: 50,
    });
    assert.equal(r.checks[0].status, "error");
    assert.equal(r.checks[0].message, "timed out after 0.2s");
    assert.ok(Date.now() - t < 800);
  });

  it("at the deadline: in-flight checks end ERROR, unstarted ones SKIPPED, the suite finishes on time", async () => {
    const t = Date.now();
    // Validation now refuses a check that cannot fit the deadline (limits.test.ts); the runner's
    // own guard still has to hold for embedders that skip the schema, so the deadline is set
    // after parsing.
    const cfg = config({ baseUrl: fx.url, deadlineSeconds: 60, checks: [
      { name: "inflight", type: "health", timeoutSeconds: 30 },
      { name: "delayed", type: "health", initialDelaySeconds: 10 },
      { name: "queued", type: "health" },
    ] });
    const r = await runSuite({ ...cfg, deadlineSeconds: 0.5 }, { concurrency: 2 });
    const took = Date.now() - t;
    assert.ok(took >= 450 && took < 1200, `suite took ${took}ms for a 0.5 s deadline`);
    assert.equal(r.status, "failed");
    assert.deepEqual(r.checks.map((c) => [c.name, c.status, c.message]), [
      ["inflight", "error", "GET /health: deadline exceeded"],
      ["delayed", "skipped", "deadline exceeded before the first attempt"],
      ["queued", "skipped", "deadline exceeded before the check started"],
    ]);
  });

  it("a deadline between attempts is ERROR: an unfinished check never passes", async () => {
    const ok = await startFixture();
    try {
      // Refused by validation now (3 attempts 1 s apart cannot fit 0.4 s); the guard still holds past it.
      const cfg = config({ baseUrl: ok.url, deadlineSeconds: 60, checks: [{ name: "h", type: "health", count: 3, intervalSeconds: 1 }] });
      const r = await runSuite({ ...cfg, deadlineSeconds: 0.4 });
      assert.equal(r.checks[0].status, "error");
      assert.equal(r.checks[0].message, "deadline exceeded (1 of 3 attempts made)");
    } finally {
      await ok.close();
    }
  });

  it("the parent signal (SIGINT) aborts in-flight checks and marks the suite aborted", async () => {
    const ctl = new AbortController();
    const results: string[] = [];
    setTimeout(() => ctl.abort(), 150);
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ name: "h", type: "health", timeoutSeconds: 30 }] }), {
      signal: ctl.signal,
      onResult: (c) => results.push(`${c.name}:${c.status}`),
    });
    assert.equal(r.status, "aborted");
    assert.equal(r.checks[0].status, "error");
    assert.match(r.checks[0].message, /aborted|interrupted/);
    assert.deepEqual(results, ["h:error"]);
    assert.ok(r.durationMs < 1000);
  });
});
