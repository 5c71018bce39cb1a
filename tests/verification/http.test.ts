// The HTTP helper's error classification against real failures: a closed loopback port, a name
// under .invalid (RFC 6761: never resolves), a fixture that hangs, TLS spoken to a plain server.
import { strict as assert } from "node:assert";
import { AbortReason, deadlineReason } from "../../verification/abort";
import { HttpError, classifyError, errorOutcome, httpRequest, joinUrl } from "../../verification/http";
import { closedPort } from "../fixtures/closedPort";
import { startFixture, type Fixture } from "../fixtures/fixtureService";

/** A loopback port with nothing listening: bind, note the port, close. */
async function rejection(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HttpError, `expected HttpError, got ${err}`);
    return err;
  }
  throw new Error("expected the request to fail");
}

describe("http helper", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());
  beforeEach(() => fx.reset());

  it("returns status, headers, body and timings", async () => {
    const res = await httpRequest({ url: `${fx.url}/health` });
    assert.equal(res.status, 200);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.deepEqual(JSON.parse(res.body), { status: "ok", version: "1.0.0" });
    assert.ok(res.timings.totalMs >= res.timings.ttfbMs && res.timings.ttfbMs > 0);
    assert.ok(res.timings.connectMs !== undefined, "a fresh connection per request by default");
  });

  it("sends JSON bodies with a content type and custom headers", async () => {
    fx.knobs.requireToken = "tok-abc";
    const res = await httpRequest({ url: `${fx.url}/api/v1/echo`, method: "POST", body: { x: [1] }, headers: { authorization: "Bearer tok-abc" } });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { x: [1] });
  });

  it("keeps at most maxBodyBytes and says it truncated", async () => {
    const res = await httpRequest({ url: `${fx.url}/metrics`, maxBodyBytes: 100 });
    assert.equal(res.truncated, true);
    assert.ok(res.body.length <= 100);
  });

  it("ECONNREFUSED is 'connection refused', kind refused", async () => {
    const port = await closedPort();
    const e = await rejection(httpRequest({ url: `http://127.0.0.1:${port}/health` }));
    assert.equal(e.kind, "refused");
    assert.equal(e.message, `connection refused (127.0.0.1:${port})`);
  });

  it("fault 6: an unresolvable host is a DNS failure, not a connection failure", async function () {
    this.timeout(15000);
    const e = await rejection(httpRequest({ url: "http://no-such-host.invalid/health", timeoutMs: 10000 }));
    assert.equal(e.kind, "dns");
    assert.match(e.message, /^DNS lookup failed for no-such-host\.invalid \((ENOTFOUND|EAI_AGAIN)\)$/);
    assert.equal(errorOutcome(e, "GET /health").message, e.message.replace(/^/, "GET /health: "));
    assert.equal(errorOutcome(e).status, "error");
  });

  it("fault 1: a hanging server times out at timeoutMs with 'timed out after'", async () => {
    fx.knobs.hang = true;
    const t = Date.now();
    const e = await rejection(httpRequest({ url: `${fx.url}/health`, timeoutMs: 300 }));
    const took = Date.now() - t;
    assert.equal(e.kind, "timeout");
    assert.equal(e.message, "timed out after 0.3s");
    assert.ok(took >= 280 && took < 1500, `took ${took}ms`);
  });

  it("a signal aborted with a runner reason reports that reason", async () => {
    fx.knobs.hang = true;
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(deadlineReason()), 100);
    const e = await rejection(httpRequest({ url: `${fx.url}/health`, signal: ctl.signal }));
    assert.equal(e.kind, "deadline");
    assert.equal(e.message, "deadline exceeded");
  });

  it("TLS spoken to a plain-HTTP server is a TLS error, never downgraded", async () => {
    const e = await rejection(httpRequest({ url: fx.url.replace("http:", "https:") + "/health", timeoutMs: 5000 }));
    assert.equal(e.kind, "tls");
    assert.match(e.message, /^TLS error/);
  });

  it("classifies raw errno errors without a signal", () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    assert.equal(classifyError(err("EAI_AGAIN"), { host: "x.example" }).kind, "dns");
    assert.equal(classifyError(err("ECONNRESET"), { host: "h", port: 1 }).message, "connection reset by h:1");
    assert.equal(classifyError(err("CERT_HAS_EXPIRED")).kind, "tls");
    assert.equal(classifyError(err("DEPTH_ZERO_SELF_SIGNED_CERT")).message, "TLS error: DEPTH_ZERO_SELF_SIGNED_CERT");
    assert.equal(classifyError(new AbortReason("timeout", "timed out after 2s")).message, "timed out after 2s");
    assert.equal(classifyError(err("EWEIRD")).kind, "other");
  });

  it("joins base URLs and paths with exactly one slash", () => {
    assert.equal(joinUrl("http://h:1/", "/health"), "http://h:1/health");
    assert.equal(joinUrl("http://h:1/prefix", "api/v1"), "http://h:1/prefix/api/v1");
  });
});
