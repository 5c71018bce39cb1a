// The monitoring check against a real Prometheus (scripts/start-prometheus) scraping the real
// fixture service on a fixed loopback port, plus small stub servers for what a healthy
// Prometheus never returns on demand (5xx, a query error, NaN) and for Grafana's health API.
// Faults 8 (Prometheus down / 5xx / query error -> ERROR) and 9 (empty / NaN -> INCONCLUSIVE).
import { strict as assert } from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { childSignal, timeoutReason } from "../../verification/abort";
import { definition } from "../../verification/checks/monitoring";
import { checkSchema, type CheckConfigOf } from "../../verification/schema";
import type { AttemptOutcome } from "../../verification/types";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { ensurePrometheus, PROM_JOB, PROM_URL, stopPrometheus, waitForUp } from "../fixtures/prometheus";

const FIXTURE_PORT = Number(process.env.ACV2_MONITORING_FIXTURE_PORT ?? 18091);
const INSTANCE = `127.0.0.1:${FIXTURE_PORT}`;
const REQUIRED = ["http_requests_total", "http_request_duration_seconds"];

async function attempt(fields: Record<string, unknown>, ctxExtra: { baseUrl?: string } = {}, timeoutMs = 5000): Promise<AttemptOutcome> {
  const config = checkSchema.parse({ name: "mon", type: "monitoring", job: PROM_JOB, ...fields }) as CheckConfigOf<"monitoring">;
  const child = childSignal(undefined, timeoutMs, () => timeoutReason(timeoutMs));
  try {
    return await definition.attempt(config, { signal: child.signal, timeoutMs, ...ctxExtra });
  } finally {
    child.dispose();
  }
}

/** A one-route JSON stub: every request gets `status` and `body`. */
async function stub(status: number, body: unknown): Promise<{ url: string; close(): Promise<void> }> {
  const srv = http.createServer((_req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise((r) => srv.close(() => r())) };
}

describe("monitoring check (real Prometheus scraping the fixture)", function () {
  this.timeout(90_000);
  let fx: Fixture;
  before(async () => {
    fx = await startFixture({}, { port: FIXTURE_PORT });
    ensurePrometheus(INSTANCE);
    await waitForUp(INSTANCE, "1");
  });
  after(async () => {
    stopPrometheus();
    await fx?.close();
  });

  it("passes when the job's target is up and /metrics exposes every required series", async () => {
    await fetch(`${fx.url}/health`); // so the labelled counter has a sample
    const out = await attempt({ prometheusUrl: PROM_URL, requiredMetrics: REQUIRED }, { baseUrl: fx.url });
    assert.equal(out.status, "passed", out.message);
    assert.equal(out.message, "prometheus: 1 target up; metrics: all 2 required series exposed");
    const m = out.measurements as Record<string, any>;
    assert.deepEqual(m.prometheus.targets, { [INSTANCE]: 1 });
  });

  it("fails when a required series is missing from /metrics", async () => {
    const out = await attempt({ prometheusUrl: PROM_URL, requiredMetrics: [...REQUIRED, "acv2_messages_sent_total"], metricsUrl: `${fx.url}/metrics` });
    assert.equal(out.status, "failed");
    assert.equal(out.message, "prometheus: 1 target up; metrics: missing series: acv2_messages_sent_total");
  });

  it("is INCONCLUSIVE, never PASSED, for a job with no series (rule: empty vector)", async () => {
    const out = await attempt({ prometheusUrl: PROM_URL, job: "no-such-job" });
    assert.equal(out.status, "inconclusive");
    assert.equal(out.message, 'prometheus: no series for up{job="no-such-job"}');
  });

  it("escapes the job name into PromQL instead of breaking the query", async () => {
    const out = await attempt({ prometheusUrl: PROM_URL, job: 'we"ird\\job' });
    assert.equal(out.status, "inconclusive", out.message);
    assert.equal(out.message, 'prometheus: no series for up{job="we\\"ird\\\\job"}');
  });

  it("fails 'target down' once Prometheus sees the app gone, and recovers when it returns", async () => {
    await fx.close();
    try {
      await waitForUp(INSTANCE, "0");
      const out = await attempt({ prometheusUrl: PROM_URL });
      assert.equal(out.status, "failed");
      assert.equal(out.message, `prometheus: target down: up{job="${PROM_JOB}"} is 0 for ${INSTANCE}`);
    } finally {
      fx = await startFixture({}, { port: FIXTURE_PORT });
    }
    await waitForUp(INSTANCE, "1");
    assert.equal((await attempt({ prometheusUrl: PROM_URL })).status, "passed");
  });

  it("is ERROR on a 5xx or a query error from Prometheus (stub servers)", async () => {
    const s503 = await stub(503, "Service Unavailable");
    const bad = await stub(400, { status: "error", errorType: "bad_data", error: "parse error: unexpected character" });
    try {
      const a = await attempt({ prometheusUrl: s503.url });
      assert.equal(a.status, "error");
      assert.equal(a.message, "prometheus: Prometheus answered 503 with a non-JSON body");
      const b = await attempt({ prometheusUrl: bad.url });
      assert.equal(b.status, "error");
      assert.equal(b.message, "prometheus: Prometheus query error (bad_data: parse error: unexpected character)");
    } finally {
      await s503.close();
      await bad.close();
    }
  });

  it("is INCONCLUSIVE on NaN (stub: a healthy Prometheus never reports NaN for up)", async () => {
    const nan = await stub(200, { status: "success", data: { resultType: "vector", result: [{ metric: { job: PROM_JOB, instance: "a:1" }, value: [1, "NaN"] }] } });
    try {
      const out = await attempt({ prometheusUrl: nan.url });
      assert.equal(out.status, "inconclusive");
      assert.equal(out.message, `prometheus: up{job="${PROM_JOB}"} is NaN for a:1`);
    } finally {
      await nan.close();
    }
  });

  it("checks Grafana's health: database ok passes, anything else fails", async () => {
    const good = await stub(200, { commit: "abc", database: "ok", version: "10.4.2" });
    const sick = await stub(503, { database: "failing" });
    try {
      const ok = await attempt({ prometheusUrl: PROM_URL, grafanaUrl: good.url });
      assert.equal(ok.status, "passed", ok.message);
      assert.equal(ok.message, "prometheus: 1 target up; grafana: healthy, database ok");
      const bad = await attempt({ prometheusUrl: PROM_URL, grafanaUrl: sick.url });
      assert.equal(bad.status, "failed");
      assert.equal(bad.message, 'prometheus: 1 target up; grafana: unhealthy: answered 503, database "failing"');
    } finally {
      await good.close();
      await sick.close();
    }
  });

  it("is ERROR, never PASSED, once Prometheus is stopped (fault 8)", async () => {
    stopPrometheus();
    const out = await attempt({ prometheusUrl: PROM_URL });
    assert.equal(out.status, "error");
    assert.equal(out.message, `prometheus: connection refused (127.0.0.1:${new URL(PROM_URL).port})`);
  });
});
