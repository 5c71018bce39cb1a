// The AnalysisTemplates' PromQL (issue 13 point 2) evaluated by the real promtool (Debian package
// `prometheus`, `promtool test rules`) over synthetic series of the app's own metrics, with the
// hash args filled in as the controller would: a canary with more 5xx or a slower p95 than stable
// fails the success condition, an equal one passes, a canary without traffic yet (0/0) counts as no
// excess, and a stable without traffic counts as 0 % errors and holds the canary's p95 to the floor.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { releaseSchema } from "../../config/sections/release";
import { buildAnalysisTemplates } from "../../components/specs/releaseSpecs";

const JOB = "agent-cellphone-v2";
const templates = buildAnalysisTemplates(releaseSchema.parse({ strategy: "canary" }), {
  appName: JOB, namespace: "acv2", deploymentName: JOB, serviceName: JOB, selectorLabels: {}, labels: {}, replicas: 2, revisionHistoryLimit: 5,
  virtualServiceName: "r", destinationRuleName: "t", metricsJob: JOB, errorRateRatio: 0.05, p95LatencySeconds: 0.5, prometheusAddress: "http://127.0.0.1:9090",
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const metricOf = (suffix: string): any => templates.find((t) => t.metadata.name === `${JOB}-${suffix}`)!.spec.metrics as any;
/** The query with the args the Rollout passes (podTemplateHashValue Latest / Stable). */
const query = (suffix: string) => (metricOf(suffix)[0].provider.prometheus.query as string).replaceAll("{{args.canary-hash}}", "new").replaceAll("{{args.stable-hash}}", "old");
/** Argo's successCondition `result[0] <= X`, as a 0/1 PromQL value: 1 = the measurement fails. */
const fails = (suffix: string) => `(${query(suffix)}) > bool ${/<= (\S+)$/.exec(metricOf(suffix)[0].successCondition)![1]}`;

const requests = (hash: string, status: string, perMin: number) => ({ series: `http_requests_total{job="${JOB}",rollouts_pod_template_hash="${hash}",status="${status}"}`, values: `0+${perMin / 4}x40` });
/** 100 requests a minute, all in the bucket ending at `le` (buckets 0.1, 0.5, 2.5, +Inf). */
const latency = (hash: string, le: number) =>
  ["0.1", "0.5", "2.5", "+Inf"].map((b) => ({
    series: `http_request_duration_seconds_bucket{job="${JOB}",rollouts_pod_template_hash="${hash}",le="${b}"}`,
    values: b === "+Inf" || Number(b) >= le ? "0+25x40" : "0+0x40",
  }));

interface Case { name: string; series: Array<{ series: string; values: string }>; metric: string; failing: 0 | 1 }
const CASES: Case[] = [
  { name: "canary 10% 5xx, stable none: fails", metric: "error-ratio", failing: 1, series: [requests("new", "200", 90), requests("new", "500", 10), requests("old", "200", 100)] },
  { name: "canary 10% 5xx, stable 4%: fails (the excess 6% is over 5%)", metric: "error-ratio", failing: 1, series: [requests("new", "200", 90), requests("new", "500", 10), requests("old", "200", 96), requests("old", "500", 4)] },
  { name: "canary 8% 5xx, stable 4%: passes (the excess 4% is within 5%)", metric: "error-ratio", failing: 0, series: [requests("new", "200", 92), requests("new", "500", 8), requests("old", "200", 96), requests("old", "500", 4)] },
  { name: "both 2% 5xx: passes", metric: "error-ratio", failing: 0, series: [requests("new", "200", 98), requests("new", "500", 2), requests("old", "200", 98), requests("old", "500", 2)] },
  { name: "canary without traffic yet (0/0): passes", metric: "error-ratio", failing: 0, series: [requests("new", "200", 0), requests("old", "200", 100)] },
  // Stable's 0/0 once made the whole expression NaN, dropped, and filled in as a pass.
  { name: "canary 10% 5xx, stable without traffic (0/0): fails on the canary's own figure", metric: "error-ratio", failing: 1, series: [requests("new", "200", 90), requests("new", "500", 10), requests("old", "200", 0)] },
  { name: "canary 10% 5xx, no stable series at all: fails", metric: "error-ratio", failing: 1, series: [requests("new", "200", 90), requests("new", "500", 10)] },
  { name: "canary p95 in (0.5, 2.5], stable in (0, 0.1]: fails", metric: "p95-latency", failing: 1, series: [...latency("new", 2.5), ...latency("old", 0.1)] },
  { name: "same latency: passes", metric: "p95-latency", failing: 0, series: [...latency("new", 0.5), ...latency("old", 0.5)] },
  // The floor is the latency alert's threshold (0.5 s here): above it the canary is held to stable, or to the floor alone.
  { name: "no stable series, canary p95 in (0.5, 2.5]: fails (held to the floor)", metric: "p95-latency", failing: 1, series: latency("new", 2.5) },
  { name: "no stable series, canary p95 in (0, 0.1]: passes (under the floor)", metric: "p95-latency", failing: 0, series: latency("new", 0.1) },
  { name: "canary p95 in (0.1, 0.5], stable in (0, 0.1]: passes (slower, but under the floor)", metric: "p95-latency", failing: 0, series: [...latency("new", 0.5), ...latency("old", 0.1)] },
  { name: "canary without traffic: passes", metric: "p95-latency", failing: 0, series: latency("old", 0.1) },
];

describe("AnalysisTemplate queries under promtool", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-analysis-"));
    fs.writeFileSync(path.join(dir, "rules.yml"), "groups: []\n");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the hash args appear in both versions' selectors", () => {
    for (const m of ["error-ratio", "p95-latency"]) {
      assert.match(query(m), /rollouts_pod_template_hash="new"/);
      assert.match(query(m), /rollouts_pod_template_hash="old"/);
    }
  });

  for (const c of CASES) {
    it(`${c.metric}: ${c.name}`, () => {
      const file = path.join(dir, "test.yml");
      fs.writeFileSync(file, stringify({
        rule_files: ["rules.yml"],
        evaluation_interval: "15s",
        tests: [{ interval: "15s", input_series: c.series, promql_expr_test: [{ expr: fails(c.metric), eval_time: "8m", exp_samples: [{ labels: "{}", value: c.failing }] }] }],
      }));
      const r = spawnSync("promtool", ["test", "rules", "test.yml"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
      if (r.error) throw new Error("promtool not found on PATH: install the Debian package `prometheus`");
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    });
  }
});
