// The metric analysis the gate runs at every step of a progressive release (issue 13, point 3):
// the AnalysisTemplates' queries (components/specs/releaseAnalysis.ts), with the canary's and
// stable's pod-template hashes filled in, sent to Prometheus once per analysis interval while the
// step is watched. Argo's rules for a run: more than failureLimit failed measurements fail it,
// more than failureLimit measurements that could not be taken (Prometheus unreachable, or no
// target of the canary's hash: nothing to judge) make it ERROR. Unlike Argo, a step always takes
// at least failureLimit + 1 measurements, so the analysis can fail at every step, and it ends only
// on a passing measurement: one that failed (or could not be taken) within the limit is followed
// by another, so a step is never promoted on a failing last measurement.
import { analysisMetrics, safeHash, targetsOf, type AnalysisSpec } from "../specs/releaseAnalysis";
import { httpRequest, joinUrl } from "../../verification/http";

export interface StepAnalysisArgs {
  prometheusUrl: string;
  spec: AnalysisSpec;
  canaryHash: string;
  stableHash: string;
  intervalMs: number;
  failureLimit: number;
  /** How many measurements the step holds (at least failureLimit + 1 are taken). */
  measurements: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Per query. Default 5 s. */
  timeoutMs?: number;
}

export interface MetricReading {
  name: string;
  value: number;
  threshold: number;
  passed: boolean;
  /** Each version's own figure; null: it served no request in the rate window. */
  canary: number | null;
  stable: number | null;
  unit: "ratio" | "seconds";
}

export interface Measurement {
  /** Seconds since the analysis started. */
  atSeconds: number;
  verdict: "passed" | "failed" | "error";
  metrics: MetricReading[];
  error?: string;
}

export interface AnalysisResult {
  verdict: "passed" | "failed" | "error";
  message: string;
  measurements: Measurement[];
  /** Stopped by the signal before its measurements were taken: decides nothing. */
  cut: boolean;
}

/** One instant query's sample values; throws with Prometheus's own reason. */
export async function instantQuery(prometheusUrl: string, query: string, signal?: AbortSignal, timeoutMs = 5_000): Promise<number[]> {
  const url = `${joinUrl(prometheusUrl, "/api/v1/query")}?query=${encodeURIComponent(query)}`;
  const res = await httpRequest({ url, signal, timeoutMs, headers: { accept: "application/json" } });
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: Array<{ value?: [number, string] }> } };
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new Error(`Prometheus answered ${res.status} with a non-JSON body`);
  }
  if (body.status !== "success") throw new Error(`Prometheus answered ${res.status}: ${String(body.error ?? "no status success").slice(0, 200)}`);
  if (body.data?.resultType !== "vector" || !Array.isArray(body.data.result)) throw new Error(`Prometheus returned a ${body.data?.resultType ?? "missing"} result, not a vector`);
  return body.data.result.map((s) => Number(s.value?.[1]));
}

const figure = (v: number[]): number | null => (v.length === 0 || Number.isNaN(v[0]) ? null : v[0]);

export function formatReading(m: MetricReading): string {
  const show = (v: number | null) => (v === null ? "no traffic" : m.unit === "ratio" ? `${(v * 100).toFixed(2)}%` : `${(v * 1000).toFixed(0)} ms`);
  return `${m.name} ${m.value.toFixed(3)} ${m.passed ? "<=" : ">"} ${m.threshold} (canary ${show(m.canary)}, stable ${show(m.stable)})`;
}

/** One measurement: the canary must be scraped at all, then every metric is judged. */
export async function measure(a: StepAnalysisArgs, atSeconds: number): Promise<Measurement> {
  const q = (query: string) => instantQuery(a.prometheusUrl, query, a.signal, a.timeoutMs);
  try {
    const targets = figure(await q(targetsOf(a.spec.job, a.canaryHash)));
    if (!targets) {
      return { atSeconds, verdict: "error", metrics: [], error: `Prometheus has no scrape target of job ${a.spec.job} with rollouts_pod_template_hash=${a.canaryHash}: the canary's pods are not scraped, or not with their pod-template-hash label` };
    }
    const metrics: MetricReading[] = [];
    for (const m of analysisMetrics(a.spec, a.canaryHash, a.stableHash)) {
      const [value, canary, stable] = await Promise.all([q(m.query), q(m.sides.canary), q(m.sides.stable)]);
      const v = figure(value);
      if (v === null) return { atSeconds, verdict: "error", metrics, error: `${m.name}: the query returned no sample` };
      metrics.push({ name: m.name, value: v, threshold: m.threshold, passed: v <= m.threshold, canary: figure(canary), stable: figure(stable), unit: m.sides.unit });
    }
    return { atSeconds, verdict: metrics.every((m) => m.passed) ? "passed" : "failed", metrics };
  } catch (e) {
    if (a.signal?.aborted) throw e;
    return { atSeconds, verdict: "error", metrics: [], error: `Prometheus at ${new URL(a.prometheusUrl).host}: ${(e as Error).message}` };
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The last measurement, said in one line. */
function describe(m: Measurement | undefined): string {
  if (!m) return "no measurement";
  return m.error ?? m.metrics.map(formatReading).join("; ");
}

/** Runs the step's measurements, one per interval, the first after one interval (rate() needs the step's own samples). */
export async function analyzeStep(a: StepAnalysisArgs): Promise<AnalysisResult> {
  safeHash(a.canaryHash);
  safeHash(a.stableHash);
  const total = Math.max(a.measurements, a.failureLimit + 1);
  const t0 = Date.now();
  const taken: Measurement[] = [];
  const count = (v: Measurement["verdict"]) => taken.filter((m) => m.verdict === v).length;
  // Past `total`, only while the last measurement did not pass: a step is never promoted on a
  // failing last measurement, even within the limit (seen in bench:canary: a release turning 503
  // failed the last measurement of step 1 and went to 50 %). Bounded: each extra one either
  // passes (the loop ends) or counts against a limit.
  for (let i = 0; i < total || taken[taken.length - 1]?.verdict !== "passed"; i++) {
    await sleep(Math.max(0, t0 + (i + 1) * a.intervalMs - Date.now()), a.signal);
    if (a.signal?.aborted) break;
    let m: Measurement;
    try {
      m = await measure(a, Math.round((Date.now() - t0) / 100) / 10);
    } catch {
      break; // aborted mid-query
    }
    taken.push(m);
    a.log?.(`analysis ${i + 1}/${total}${i >= total ? " (one more: the last one did not pass)" : ""} at ${m.atSeconds} s: ${m.verdict.toUpperCase()}: ${describe(m)}`);
    if (count("failed") > a.failureLimit) {
      return { verdict: "failed", cut: false, measurements: taken, message: `${count("failed")} of ${taken.length} measurements failed (failure limit ${a.failureLimit}): ${describe(m)}` };
    }
    if (count("error") > a.failureLimit) {
      return { verdict: "error", cut: false, measurements: taken, message: `${count("error")} of ${taken.length} measurements could not be taken (limit ${a.failureLimit}): ${describe(m)}` };
    }
  }
  if (taken.length < total || taken[taken.length - 1]?.verdict !== "passed") {
    const last = taken[taken.length - 1];
    const said = last ? `; the last one ${last.verdict.toUpperCase()}: ${describe(last)}` : "";
    return { verdict: "passed", cut: true, measurements: taken, message: `stopped after ${taken.length} measurement(s), before a verdict (at least ${total}, ending on a pass)${said}` };
  }
  const failed = count("failed");
  const errors = count("error");
  const tolerated = failed + errors > 0 ? ` (${[failed ? `${failed} failed` : "", errors ? `${errors} not taken` : ""].filter(Boolean).join(", ")}, within the limit ${a.failureLimit})` : "";
  return { verdict: "passed", cut: false, measurements: taken, message: `${count("passed")} of ${taken.length} measurements passed${tolerated}; last: ${describe(taken[taken.length - 1])}` };
}
