// The gate's metric analysis at a canary step, through `pulumi up` on the real node (issue 13
// point 3): Pulumi.e2e.yaml with `release.strategy: canary` (one step, 50 %) and
// `release.analysisPrometheusUrl` pointing at a Prometheus of the test's own (nodePrometheus.ts:
// the upstream server running the bundled mode's own scrape config; the e2e stack runs monitoring
// in operator mode and no operator runs here). It scrapes the real pods on the node (the kubelet's
// probes are their only traffic besides the gate's checks).
// A release whose every answer takes 1 s passes its health check (2 s timeout) and its pod watch,
// and only the analysis (canary p95 against stable's, floor 0.5 s) stops it.
import { strict as assert } from "node:assert";
import { instantQuery } from "../../components/gate/analysis";
import { freePort, type TestPrometheus } from "../fixtures/analysisProm";
import { APP, HASH, ProgressiveNode, STACK } from "./nodeProgressive";
import { nodePrometheusMissing, startNodePrometheus } from "./nodePrometheus";

const STEPS = [{ setWeight: 50, pauseSeconds: 10 }];

describe("e2e on the real node: the gate's metric analysis at each canary step (upstream Prometheus scraping the node's pods)", function () {
  this.timeout(900_000);
  const e = new ProgressiveNode();
  let prom: TestPrometheus | undefined;

  before(async function () {
    this.timeout(900_000);
    const missing = nodePrometheusMissing();
    if (missing) {
      console.log(`      SKIPPED (e2e node analysis): ${missing}`);
      this.skip();
    }
    const port = await freePort();
    const why = await e.setup("analysis", `${APP}-canary`, (url) => ({
      strategy: "canary", analysisIntervalSeconds: 10, analysisPrometheusUrl: `http://127.0.0.1:${port}`, canary: { steps: STEPS, verifyBaseUrl: url },
    }));
    if (why) {
      console.log(`      SKIPPED (e2e node analysis): ${why}`);
      this.skip();
    }
    prom = await startNodePrometheus(e.n!.cluster.kubeconfig, port);
  });
  after(async function () {
    this.timeout(300_000);
    await prom?.stop();
    await e.teardown();
  });

  /** up{job} by version hash, as Prometheus sees the node's pods. */
  const targetsByHash = async (): Promise<Record<string, number>> => {
    const res = await fetch(`${prom!.url}/api/v1/query?query=${encodeURIComponent(`count by (${HASH.replace(/-/g, "_")}) (up{job="${APP}"} == 1)`)}`);
    const body = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    return Object.fromEntries(body.data.result.map((r) => [r.metric.rollouts_pod_template_hash ?? "(none)", Number(r.value[1])]));
  };

  it("the first release goes straight to stable, and Prometheus scrapes its two pods, each series labelled with its version", async () => {
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK]);
    console.log(`      first release (2.0.0): pulumi up ${r.ms} ms`);
    const st = await e.rollout();
    let seen: Record<string, number> = {};
    for (let i = 0; i < 30 && seen[st.stableRS] !== 2; i++) {
      await new Promise((res) => setTimeout(res, 1_000));
      seen = await targetsByHash();
    }
    console.log(`      scrape targets up by rollouts_pod_template_hash: ${JSON.stringify(seen)}`);
    assert.deepEqual(seen, { [st.stableRS]: 2 });
  });

  it("a healthy release: the analysis measures canary against stable at the step and passes; promoted", async () => {
    e.setTag("2.1.0");
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK]);
    const text = r.stdout + r.stderr;
    const lines = text.split("\n").filter((l) => /analysis/.test(l));
    console.log(`      2.1.0: pulumi up ${r.ms} ms\n${lines.map((l) => `        ${l.trim()}`).join("\n")}`);
    assert.match(text, /analysis: canary \S+ against stable \S+ at Prometheus 127\.0\.0\.1:\d+, 2 measurement\(s\) every 10 s, failure limit 1/);
    assert.match(text, /analysis: PASSED: 2 of 2 measurements passed; last: error-ratio-excess 0\.000 <= 0\.05 \(canary 0\.00%, stable 0\.00%\); p95-latency-ratio [\d.]+ <= 1\.5 \(canary \d+ ms, stable \d+ ms\)/);
    assert.match(text, /canary: step 1 of 1 \(50%\) verified in [\d.]+ s; promoting/);
    assert.equal((await e.rollout()).phase, "Healthy");
  });

  it("a release whose answers take 1 s passes its health check but fails the analysis on p95: aborted, stable untouched", async () => {
    const before = await e.rollout();
    const stablePods = await e.podsOf(before.stableRS);
    e.setTag("2.1.0-slow");
    const r = await e.ws!.must(["up", "--yes", "--stack", STACK], 1);
    const text = r.stdout + r.stderr;
    const lines = text.split("\n").filter((l) => /analysis|aborted at/.test(l)).slice(0, 8);
    console.log(`      2.1.0-slow: pulumi up ${r.ms} ms\n${lines.map((l) => `        ${l.trim().slice(0, 400)}`).join("\n")}`);
    assert.match(text, /analysis: FAILED: 2 of 2 measurements failed \(failure limit 1\): .*p95-latency-ratio [\d.]+ > 1\.5 \(canary \d{3,4} ms, stable \d+ ms\)/);
    assert.match(text, /canary aborted at step 1 of 1 \(50%\): verification failed at step 1 of 1 \(50%\): metric-analysis FAILED/);
    assert.doesNotMatch(text, /health FAILED/, "the health check passed: only the metrics saw it");
    const st = await e.rollout();
    assert.equal(st.abort, true);
    assert.equal(st.stableRS, before.stableRS);
    assert.deepEqual(await e.podsOf(before.stableRS), stablePods, "the stable pods were never restarted or replaced");
    // The series the analysis judged are there to read afterwards, by version.
    const p95 = await instantQuery(prom!.url, `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="${APP}",rollouts_pod_template_hash="${st.currentPodHash}"}[1m])))`);
    assert.ok(p95[0] > 0.5, `the slow version's p95 in Prometheus: ${p95[0]}`);
  });
});
