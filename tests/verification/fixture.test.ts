// The fixture service is the ground truth for every verification test, so its knobs are tested
// against a real listening server (no mocks) before anything relies on them.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { failsAt, startFixture, type Fixture } from "../fixtures/fixtureService";
import { parseServeArgs } from "../fixtures/serve";

async function get(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("fixture service", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());
  beforeEach(() => fx.reset());

  it("answers /health with ok and the version, and counts requests by path", async () => {
    const r = await get(`${fx.url}/health`);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { status: "ok", version: "1.0.0" });
    await get(`${fx.url}/api/v1/items`);
    assert.equal(fx.requestCount(), 2);
    assert.deepEqual(fx.requestsByPath(), { "/health": 1, "/api/v1/items": 1 });
  });

  it("serves the API surface: status, items, echo", async () => {
    assert.deepEqual(JSON.parse((await get(`${fx.url}/api/v1/status`)).text), { status: "ok", version: "1.0.0" });
    assert.deepEqual(JSON.parse((await get(`${fx.url}/api/v1/items`)).text).items[1], { id: 2, name: "b" });
    const echo = await get(`${fx.url}/api/v1/echo`, { method: "POST", body: JSON.stringify({ a: [1, 2] }) });
    assert.deepEqual(JSON.parse(echo.text), { a: [1, 2] });
    assert.equal((await get(`${fx.url}/nope`)).status, 404);
  });

  it("exposes its own Prometheus series on /metrics", async () => {
    await get(`${fx.url}/health`);
    const text = (await get(`${fx.url}/metrics`)).text;
    assert.match(text, /http_requests_total\{method="GET",path="\/health",status="200"\} 1/);
    assert.match(text, /http_request_duration_seconds_bucket/);
    assert.match(text, /process_cpu_user_seconds_total/);
  });

  it("fails exactly the configured fraction, deterministically, but never /metrics", async () => {
    assert.equal(Array.from({ length: 100 }, (_, i) => failsAt(i + 1, 0.03)).filter(Boolean).length, 3);
    fx.knobs.errorRate = 0.25;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await get(`${fx.url}/health`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 500, 200, 200, 200, 500]);
    for (let i = 0; i < 4; i++) assert.equal((await get(`${fx.url}/metrics`)).status, 200);
  });

  it("answers 503 for the next N health checks, then recovers", async () => {
    fx.knobs.failNextHealth = 2;
    const s = [];
    for (let i = 0; i < 3; i++) s.push((await get(`${fx.url}/health`)).status);
    assert.deepEqual(s, [503, 503, 200]);
  });

  it("switches header posture between secure, leaky and none", async () => {
    let h = (await get(`${fx.url}/health`)).headers;
    assert.equal(h.get("x-content-type-options"), "nosniff");
    assert.equal(h.get("server"), null);
    fx.knobs.headers = "leaky";
    h = (await get(`${fx.url}/health`)).headers;
    assert.equal(h.get("x-powered-by"), "Express");
    assert.equal(h.get("strict-transport-security"), null);
  });

  it("requires the bearer token on /api/* only when configured", async () => {
    fx.knobs.requireToken = "tok-123";
    assert.equal((await get(`${fx.url}/api/v1/status`)).status, 401);
    assert.equal((await get(`${fx.url}/api/v1/status`, { headers: { authorization: "Bearer tok-123" } })).status, 200);
    assert.equal((await get(`${fx.url}/health`)).status, 200);
  });

  it("adds latency, stalls until a time, and hangs without answering", async () => {
    fx.knobs.latencyMs = 120;
    let t = Date.now();
    await get(`${fx.url}/health`);
    assert.ok(Date.now() - t >= 110, "latency applied");
    fx.knobs.latencyMs = 0;
    fx.knobs.stallUntil = Date.now() + 200;
    t = Date.now();
    await get(`${fx.url}/health`);
    assert.ok(Date.now() - t >= 180, "stall applied");
    fx.knobs.hang = true;
    await assert.rejects(get(`${fx.url}/health`, { signal: AbortSignal.timeout(200) }), /abort|timeout/i);
  });

  it("changes knobs over HTTP and does not count control calls", async () => {
    const r = await get(`${fx.url}/__fixture/knobs`, { method: "POST", body: JSON.stringify({ healthStatus: 500, headers: "none" }) });
    assert.equal(r.status, 200);
    assert.equal(fx.knobs.healthStatus, 500);
    assert.equal((await get(`${fx.url}/health`)).status, 500);
    assert.equal((await get(`${fx.url}/__fixture/knobs`, { method: "POST", body: '{"bogus":1}' })).status, 400);
    assert.equal(fx.requestCount(), 1);
  });
});

describe("fixture serve.ts", () => {
  it("parses port, host and knob flags", () => {
    const a = parseServeArgs(["--port", "18080", "--latencyMs=50", "--headers=leaky", "--hang", "true"]);
    assert.equal(a.port, 18080);
    assert.deepEqual(a.knobs, { latencyMs: 50, headers: "leaky", hang: true });
    assert.throws(() => parseServeArgs(["--nope=1"]), /unknown knob nope/);
  });

  it("runs standalone, prints its URL, and exits on SIGTERM", async function () {
    this.timeout(20000);
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "tests/fixtures/serve.ts", "--port", "0", "--version=9.9.9"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    assert.equal(JSON.parse((await get(`${url}/health`)).text).version, "9.9.9");
    const code = await new Promise<number | null>((resolve) => {
      child.on("exit", (c) => resolve(c));
      child.kill("SIGTERM");
    });
    assert.equal(code, 0);
  });
});
