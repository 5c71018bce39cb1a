// Policy arithmetic as a pure function: every attempt sequence the runner can see, no servers.
import { strict as assert } from "node:assert";
import { decided, policyOf, verdictOf, type AttemptRecord } from "../../verification/verdict";
import { config } from "./helpers";

const a = (status: AttemptRecord["status"], message: string = status): AttemptRecord => ({ status, message, durationMs: 5, measurements: { tag: message } });
const limits = (failureLimit = 0, consecutiveErrorLimit = 0, count = 1) => ({ failureLimit, consecutiveErrorLimit, count });

describe("verdict: policy defaults", () => {
  it("fills defaults: 1 attempt, 1 s interval, no delay, 10 s timeout, no tolerance, blocking", () => {
    const cfg = config({ baseUrl: "http://127.0.0.1:1", checks: [{ name: "h", type: "health" }] });
    assert.deepEqual(policyOf(cfg.checks[0]), {
      count: 1, intervalMs: 1000, initialDelayMs: 0, timeoutMs: 10000, attemptTimeoutMs: 10000,
      failureLimit: 0, consecutiveErrorLimit: 0, advisory: false,
    });
  });

  it("gives performance its load duration on top of the timeout", () => {
    const cfg = config({ baseUrl: "http://127.0.0.1:1", checks: [{ name: "p", type: "performance", ratePerSecond: 10, durationSeconds: 30, timeoutSeconds: 2 }] });
    const p = policyOf(cfg.checks[0]);
    assert.equal(p.timeoutMs, 2000);
    assert.equal(p.attemptTimeoutMs, 32000);
  });
});

describe("verdict: when the outcome is decided", () => {
  it("FAILED as soon as failures exceed failureLimit, not before", () => {
    assert.equal(decided([a("failed")], limits(1), 2), undefined);
    assert.equal(decided([a("failed"), a("failed")], limits(1), 1), "failed");
    assert.equal(decided([a("failed")], limits(0), 4), "failed");
  });

  it("ERROR once consecutive errors exceed consecutiveErrorLimit; a pass in between resets the run", () => {
    assert.equal(decided([a("error"), a("error")], limits(0, 1), 3), "error");
    assert.equal(decided([a("error"), a("passed"), a("error")], limits(0, 1), 1), undefined);
    assert.equal(decided([a("error")], limits(0, 0), 3), "error");
  });

  it("PASSED early only when the remaining attempts could not change it", () => {
    assert.equal(decided([a("passed")], limits(0, 0), 1), undefined, "one more failure would fail it");
    assert.equal(decided([a("passed")], limits(1, 1), 1), "passed", "a bad last attempt stays within both limits");
    assert.equal(decided([a("passed"), a("passed")], limits(0, 0), 0), "passed");
  });
});

describe("verdict: final result", () => {
  it("every attempt passed: PASSED, with the attempt log when there were several", () => {
    const v = verdictOf([a("passed", "GET /health 200"), a("passed", "GET /health 200")], limits(0, 0, 2));
    assert.equal(v.status, "passed");
    assert.equal(v.message, "GET /health 200");
    assert.equal(v.measurements.attempts, 2);
    assert.equal(v.measurements.failedAttempts, 0);
  });

  it("fault 3: a failure within failureLimit then passes is PASSED and the failure stays in message and measurements", () => {
    const v = verdictOf([a("failed", "GET /health returned 503, expected 200"), a("passed", "GET /health 200")], limits(1, 0, 2));
    assert.equal(v.status, "passed");
    assert.match(v.message, /^GET \/health 200 \(tolerated 1 failed attempt within failureLimit 1; first: GET \/health returned 503/);
    assert.equal(v.measurements.failedAttempts, 1);
    assert.deepEqual((v.measurements.attemptLog as Array<{ status: string }>).map((x) => x.status), ["failed", "passed"]);
  });

  it("failures over the limit: FAILED with the last failure's message and the count", () => {
    const v = verdictOf([a("failed", "f1"), a("passed"), a("failed", "f2")], limits(1, 0, 3));
    assert.equal(v.status, "failed");
    assert.equal(v.message, "f2 (2 of 3 attempts failed, failureLimit 1)");
    assert.equal(v.measurements.tag, "f2", "measurements come from the deciding attempt");
  });

  it("errors over the limit: ERROR naming the consecutive errors", () => {
    const v = verdictOf([a("error", "connection refused"), a("error", "connection refused")], limits(0, 1, 3));
    assert.equal(v.status, "error");
    assert.match(v.message, /connection refused \(2 consecutive errors, consecutiveErrorLimit 1\)/);
  });

  it("tolerated errors followed by a pass: PASSED, the error still reported", () => {
    const v = verdictOf([a("error", "timed out after 1s"), a("passed", "ok")], limits(0, 1, 2));
    assert.equal(v.status, "passed");
    assert.match(v.message, /tolerated 1 errored attempt within consecutiveErrorLimit 1; first: timed out after 1s/);
    assert.equal(v.measurements.erroredAttempts, 1);
  });

  it("INCONCLUSIVE passes through, never turned into PASSED", () => {
    const v = verdictOf([a("inconclusive", "only 12 samples, need 100")], limits());
    assert.equal(v.status, "inconclusive");
    assert.equal(v.message, "only 12 samples, need 100");
  });

  it("no data is never PASSED: no attempt is ERROR; errors within the limit without a pass are ERROR", () => {
    assert.equal(verdictOf([], limits()).status, "error");
    assert.equal(verdictOf([a("error")], limits(0, 2, 1)).status, "error");
    assert.equal(verdictOf([a("failed"), a("inconclusive")], limits(3, 0, 2)).status, "failed", "a failure tolerated but nothing passed");
  });
});
