// The A/B step's side-by-side comparison (components/gate/cohort.ts) against real loopback HTTP
// servers standing in for the candidate and stable, and the gate's abTest run
// (runCanaryGate) over the scripted Rollout stand-in (tests/unit/harness/rolloutStandIn.ts: NOT
// the controller; the real one runs in tests/e2e/nodeAbTest.test.ts). Each comparison is bounded
// (a window of 1-3 s, at most 600 requests a side).
import { strict as assert } from "assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { CanaryPlan } from "../../components/gate/canary";
import { COHORT_CHECK, runCanaryGate } from "../../components/gate/canaryGate";
import { compareCohort, judgeCohort } from "../../components/gate/cohort";
import { abTestSteps } from "../../components/specs/releaseSpecs";
import { verificationSchema } from "../../verification/schema";
import { StandIn } from "./harness/rolloutStandIn";

/** A server whose /health answers `status(n, ms)` to its n-th request (from 1), `ms` after its first. */
async function serve(status: (n: number, ms: number) => number): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let n = 0;
  let first: number | undefined;
  const server = http.createServer((req, res) => {
    n += 1;
    first ??= Date.now();
    res.writeHead(req.url === "/health" ? status(n, Date.now() - first) : 404, { "content-type": "application/json", connection: "close" });
    res.end('{"status":"ok"}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

describe("A/B cohort compared with stable (real loopback servers)", function () {
  this.timeout(30_000);

  it("a candidate answering like stable passes, with both sides' requests, error ratio and p95", async () => {
    const [cand, stable] = await Promise.all([serve(() => 200), serve(() => 200)]);
    try {
      const c = await compareCohort({ cohortUrl: cand.url, stableUrl: stable.url, durationMs: 1_000, intervalMs: 50, maxErrorRatioIncrease: 0.01 });
      assert.equal(c.verdict, "passed", c.message);
      assert.ok(c.cohort.requests >= 5 && c.stable.requests >= 5, `${c.cohort.requests}/${c.stable.requests} requests`);
      assert.equal(c.cohort.requests, cand.hits(), "every request the server saw is counted");
      assert.equal(c.cohort.errorRatio, 0);
      assert.equal(typeof c.cohort.p95Ms, "number");
      assert.match(c.message, /^cohort 0\.0% \(0\/\d+\) errors, p95 \d+ ms; stable 0\.0% \(0\/\d+\), p95 \d+ ms$/);
    } finally {
      await Promise.all([cand.close(), stable.close()]);
    }
  });

  it("a candidate failing every other request fails, naming what it answered", async () => {
    const [cand, stable] = await Promise.all([serve((n) => (n % 2 === 0 ? 503 : 200)), serve(() => 200)]);
    try {
      const c = await compareCohort({ cohortUrl: cand.url, stableUrl: stable.url, durationMs: 1_000, intervalMs: 50, maxErrorRatioIncrease: 0.01 });
      assert.equal(c.verdict, "failed");
      assert.ok(c.cohort.errorRatio > 0.4 && c.cohort.errorRatio < 0.6, String(c.cohort.errorRatio));
      assert.match(c.message, /the cohort's error ratio exceeds stable's by more than 0\.01 \(\d+x HTTP 503\)$/);
    } finally {
      await Promise.all([cand.close(), stable.close()]);
    }
  });

  it("errors on stable too are the baseline: the candidate is judged by how much worse it is", async () => {
    const [cand, stable] = await Promise.all([serve((n) => (n % 4 === 0 ? 500 : 200)), serve((n) => (n % 4 === 0 ? 500 : 200))]);
    try {
      const c = await compareCohort({ cohortUrl: cand.url, stableUrl: stable.url, durationMs: 1_000, intervalMs: 50, maxErrorRatioIncrease: 0.05 });
      assert.equal(c.verdict, "passed", c.message);
      assert.ok(c.stable.errors > 0);
    } finally {
      await Promise.all([cand.close(), stable.close()]);
    }
  });

  it("a candidate nobody listens on fails as refused; no answer at all is a failure, and no answer from stable is an error, never a pass", async () => {
    const stable = await serve(() => 200);
    const gone = await serve(() => 200);
    await gone.close();
    try {
      const c = await compareCohort({ cohortUrl: gone.url, stableUrl: stable.url, durationMs: 500, intervalMs: 50, maxErrorRatioIncrease: 0.01 });
      assert.equal(c.verdict, "failed");
      assert.match(c.message, /x refused\)$/);
      assert.equal(judgeCohort("/health", { requests: 0, answered: 0, errors: 0, errorRatio: 0, errorKinds: {} }, c.stable, 0.01).message, "no request to the candidate completed (GET /health)");
      // The other way round: stable unreachable is no baseline, and a candidate is not passed against it.
      const noStable = await compareCohort({ cohortUrl: stable.url, stableUrl: gone.url, durationMs: 500, intervalMs: 50, maxErrorRatioIncrease: 0.01 });
      assert.equal(noStable.verdict, "error");
      assert.match(noStable.message, /^stable answered no request at GET \/health \(\d+x refused\): nothing to compare the cohort with$/);
    } finally {
      await stable.close();
    }
  });

  it("stops at its request cap and when its signal aborts", async () => {
    const [cand, stable] = await Promise.all([serve(() => 200), serve(() => 200)]);
    try {
      const capped = await compareCohort({ cohortUrl: cand.url, stableUrl: stable.url, durationMs: 5_000, intervalMs: 1, maxRequests: 7, maxErrorRatioIncrease: 0.01 });
      assert.equal(capped.cohort.requests, 7);
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 200);
      const t0 = Date.now();
      await compareCohort({ cohortUrl: cand.url, stableUrl: stable.url, durationMs: 10_000, intervalMs: 50, maxErrorRatioIncrease: 0.01, signal: stop.signal });
      assert.ok(Date.now() - t0 < 2_000, `stopped after ${Date.now() - t0} ms`);
    } finally {
      await Promise.all([cand.close(), stable.close()]);
    }
  });
});

describe("the gate's abTest run (stand-in Rollout, real servers, the real suite)", function () {
  this.timeout(60_000);
  const plan = (cand: string, stable: string): CanaryPlan => ({
    strategy: "abTest", rollout: "acv2", steps: [{ setWeight: 0, pauseSeconds: 2 }], leadingSteps: 1, verifyBaseUrl: cand,
    cohort: { label: "header x-cohort: b", stableBaseUrl: stable, maxErrorRatioIncrease: 0.01 },
  });
  const config = (baseUrl: string) => verificationSchema.parse({ baseUrl, checks: [{ name: "health", type: "health" }] });

  for (const [title, candidate, outcome] of [
    ["a healthy candidate is compared for the cohort's window, then promoted", () => 200, "promoted"],
    // Every other answer is 503 from 500 ms on: the address probe and the health check (at once) pass; the comparison sees the rest.
    ["a candidate that starts failing half its requests is aborted by the comparison, the cohort back on stable", (n: number, ms: number) => (ms > 500 && n % 2 === 0 ? 503 : 200), "aborted"],
  ] as const) {
    it(title, async () => {
      const [cand, stable] = await Promise.all([serve(candidate), serve(() => 200)]);
      const ro = new StandIn(abTestSteps({ header: { name: "x-cohort", value: "b" } }));
      const lines: string[] = [];
      try {
        const out = await runCanaryGate({ config: config("http://127.0.0.1:9"), plan: plan(cand.url, stable.url), control: ro, log: (l) => lines.push(l) });
        assert.equal(out.outcome, outcome, `${out.message}\n${lines.join("\n")}`);
        const row = out.report!.checks.find((c) => c.name === COHORT_CHECK)!;
        const m = row.measurements as { cohort: { requests: number }; stable: { requests: number } };
        assert.ok(m.cohort.requests >= 2 && m.stable.requests >= 2, JSON.stringify(m));
        assert.ok(lines.some((l) => /^abTest: comparing the candidate with stable \(127\.0\.0\.1:\d+\) for 2 s$/.test(l)), lines.join("\n"));
        if (outcome === "promoted") {
          assert.equal(row.status, "passed");
          assert.deepEqual(ro.calls, ["promote@2"]);
        } else {
          assert.equal(row.status, "failed");
          assert.equal(out.report!.checks.find((c) => c.name === "health")!.status, "passed", "the suite passed: the comparison decided");
          assert.match(out.message, /^abTest aborted at the A\/B cohort \(header x-cohort: b; 0% of other users\): verification failed at .*: ab-cohort FAILED; the cohort is back on stable old with everyone else \(canary weight 0\); stable was not modified$/);
          assert.deepEqual(ro.calls, ["abort@2"]);
        }
      } finally {
        await Promise.all([cand.close(), stable.close()]);
      }
    });
  }
});
