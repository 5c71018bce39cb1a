// The four HTTP-side checks, one attempt at a time, against the real fixture service.
import { strict as assert } from "node:assert";
import * as net from "node:net";
import { childSignal, timeoutReason } from "../../verification/abort";
import { definition as api } from "../../verification/checks/api";
import { definition as availability, judgeAvailability } from "../../verification/checks/availability";
import { definition as external } from "../../verification/checks/external";
import { definition as health, reportedStatus } from "../../verification/checks/health";
import type { CheckConfigOf, CheckType } from "../../verification/schema";
import type { AttemptOutcome, CheckContext, CheckDefinition } from "../../verification/types";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { config } from "./helpers";

async function attempt<T extends CheckType>(def: CheckDefinition<T>, check: Record<string, unknown>, baseUrl: string, timeoutMs = 5000): Promise<AttemptOutcome> {
  const cfg = config({ baseUrl, checks: [{ name: "c", type: def.type, ...check } as never] }).checks[0] as CheckConfigOf<T>;
  const s = childSignal(undefined, timeoutMs, () => timeoutReason(timeoutMs));
  const ctx: CheckContext = { baseUrl, signal: s.signal, timeoutMs };
  try {
    return await def.attempt(cfg, ctx);
  } finally {
    s.dispose();
  }
}

describe("checks against the fixture", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());
  beforeEach(() => fx.reset());

  describe("health", () => {
    it("PASSED on 200 with status ok, reporting status and latency", async () => {
      const o = await attempt(health, {}, fx.url);
      assert.equal(o.status, "passed");
      assert.equal(o.message, "GET /health 200");
      assert.equal(o.measurements?.httpStatus, 200);
    });

    it("FAILED on an unexpected status, naming both", async () => {
      fx.knobs.healthStatus = 503;
      const o = await attempt(health, {}, fx.url);
      assert.equal(o.status, "failed");
      assert.equal(o.message, "GET /health returned 503, expected 200");
    });

    it("FAILED when the body misses expectBody or reports a status other than ok", async () => {
      assert.equal((await attempt(health, { expectBody: "2.0.0" }, fx.url)).status, "failed");
      assert.equal((await attempt(health, { expectBody: '"version":"1.0.0"' }, fx.url)).status, "passed");
      const o = await attempt(health, { path: "/api/v1/items" }, fx.url);
      assert.equal(o.status, "passed", "a JSON body without a status field is judged by the status code");
      assert.equal(reportedStatus('{"status":"draining"}'), "draining", "a 200 saying draining would fail");
      assert.equal(reportedStatus("OK"), undefined);
    });

    it("ERROR (not FAILED) when the target hangs past the timeout", async () => {
      fx.knobs.hang = true;
      const o = await attempt(health, {}, fx.url, 300);
      assert.equal(o.status, "error");
      assert.equal(o.message, "GET /health: timed out after 0.3s");
    });
  });

  describe("availability", () => {
    it("PASSED when every request succeeds, with the counts and the rate", async () => {
      const o = await attempt(availability, { requests: 40, minSuccessRate: 0.99 }, fx.url);
      assert.equal(o.status, "passed");
      assert.equal(o.message, "40/40 succeeded (100.0% >= 99.0%)");
      assert.deepEqual(o.measurements?.statusCounts, { "200": 40 });
      assert.equal(fx.requestsByPath()["/health"], 40);
    });

    it("fault 2: 5% of 500s over 100 requests are counted, not retried, and FAIL a 99% target", async () => {
      fx.knobs.errorRate = 0.05;
      const o = await attempt(availability, { requests: 100, minSuccessRate: 0.99 }, fx.url);
      assert.equal(o.status, "failed");
      assert.equal(o.message, "95/100 succeeded (95.0% < 99.0%): 5× HTTP 500");
      assert.equal(o.measurements?.successRate, 0.95);
      assert.equal(fx.requestCount(), 100, "exactly the configured requests: nothing retried");
    });

    it("a failure rate within the target PASSES but is still reported", async () => {
      fx.knobs.errorRate = 0.01;
      const o = await attempt(availability, { requests: 100, minSuccessRate: 0.95 }, fx.url);
      assert.equal(o.status, "passed");
      assert.match(o.message, /^99\/100 succeeded \(99\.0% >= 95\.0%\), counted 1× HTTP 500$/);
    });

    it("ERROR when nothing answered at all; timeouts of single requests count as failures", async () => {
      const srv = net.createServer();
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
      const port = (srv.address() as net.AddressInfo).port;
      await new Promise((r) => srv.close(r));
      const o = await attempt(availability, { requests: 5 }, `http://127.0.0.1:${port}`);
      assert.equal(o.status, "error");
      assert.match(o.message, /^no HTTP answer to any of 5 requests: 5× connection refused/);
      assert.equal(judgeAvailability({ succeeded: 9, statusCounts: { "200": 9 }, errorCounts: { timeout: 1 }, errorMessages: { timeout: "timed out after 1s" } }, 10, 0.95).message,
        "9/10 succeeded (90.0% < 95.0%): 1× timed out after 1s");
    });

    it("ERROR with partial counts when the attempt is cut off", async () => {
      fx.knobs.latencyMs = 100;
      const o = await attempt(availability, { requests: 200 }, fx.url, 350);
      assert.equal(o.status, "error");
      assert.match(o.message, /^timed out after 0\.35s after \d+ of 200 requests$/);
    });
  });

  describe("api", () => {
    const endpoints = [
      { path: "/api/v1/status", headers: { Authorization: "Bearer tok-1234" }, expectJson: { status: "ok" } },
      { path: "/api/v1/items", headers: { Authorization: "Bearer tok-1234" }, expectJson: { "items.1.name": "b", "items.0": { id: 1, name: "a" } } },
      { method: "POST", path: "/api/v1/echo", headers: { Authorization: "Bearer tok-1234" }, body: { n: 1 }, expectJson: { n: 1 } },
    ];

    it("PASSED when every endpoint meets status and JSON expectations, each reported", async () => {
      fx.knobs.requireToken = "tok-1234";
      const o = await attempt(api, { endpoints }, fx.url);
      assert.equal(o.status, "passed", o.message);
      assert.equal(o.message, "3/3 endpoints as expected");
      const eps = o.measurements?.endpoints as Array<{ path: string; httpStatus: number; status: string }>;
      assert.deepEqual(eps.map((e) => [e.path, e.httpStatus, e.status]), [
        ["/api/v1/status", 200, "passed"], ["/api/v1/items", 200, "passed"], ["/api/v1/echo", 200, "passed"],
      ]);
    });

    it("FAILED naming each endpoint that missed, while the others still report", async () => {
      fx.knobs.requireToken = "other-token";
      const o = await attempt(api, { endpoints: [...endpoints, { path: "/health", expectJson: { version: "2.0.0", "a.b": 1 } }] }, fx.url);
      assert.equal(o.status, "failed");
      assert.match(o.message, /GET \/api\/v1\/status: returned 401, expected 200/);
      assert.match(o.message, /GET \/health: version expected "2\.0\.0", got "1\.0\.0"; a\.b expected 1, got nothing/);
      assert.equal(o.measurements?.passedEndpoints, 0);
    });

    it("ERROR when an endpoint could not be reached and none failed", async () => {
      fx.knobs.hang = true;
      const o = await attempt(api, { endpoints: [{ path: "/api/v1/status" }] }, fx.url, 300);
      assert.equal(o.status, "error");
      assert.equal(o.message, "GET /api/v1/status: timed out after 0.3s");
    });
  });

  describe("external", () => {
    it("PASSED when HTTP answers below 500, TCP connects and DNS resolves", async () => {
      const o = await attempt(external, { targets: [
        { name: "web", url: `${fx.url}/nope` },
        { name: "port", url: `tcp://127.0.0.1:${fx.port}` },
        { name: "name", url: "dns://localhost" },
      ] }, fx.url);
      assert.equal(o.status, "passed", o.message);
      assert.equal(o.message, "3/3 targets reachable");
    });

    it("fault 6: DNS failure is ERROR that says DNS, distinct from a refused connection and a 5xx", async () => {
      fx.knobs.errorRate = 1;
      const o = await attempt(external, { targets: [
        { name: "gone", url: "http://no-such-dependency.invalid/" },
        { name: "bare", url: "dns://also-missing.invalid" },
        { name: "refused", url: "tcp://127.0.0.1:1" },
      ] }, fx.url);
      assert.equal(o.status, "error");
      const t = o.measurements?.targets as Array<{ name: string; errorKind: string; message: string }>;
      assert.deepEqual(t.map((x) => [x.name, x.errorKind]), [["gone", "dns"], ["bare", "dns"], ["refused", "refused"]]);
      assert.match(t[0].message, /^DNS lookup failed for no-such-dependency\.invalid/);
      assert.equal(t[2].message, "connection refused (127.0.0.1:1)");
      const bad = await attempt(external, { targets: [{ name: "web", url: `${fx.url}/health` }] }, fx.url);
      assert.equal(bad.status, "failed", "an HTTP 500 is an answer: FAILED, not ERROR");
      assert.equal(bad.message, "web: HTTP 500");
    });
  });
});
