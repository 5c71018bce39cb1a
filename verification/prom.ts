// Pure Prometheus helpers for the monitoring check: the `up` query, the verdict on its API
// response, and a parser for the text exposition format the app serves on /metrics.
// Rules for `up{job="..."}` (faults 8 and 9):
//   - HTTP error, non-JSON, `status: "error"`, or a non-vector result -> ERROR (could not measure).
//   - empty vector -> INCONCLUSIVE "no series for up{job=...}": Prometheus is not scraping the
//     app at all, which is a setup problem rather than a measured outage; no data never passes.
//   - any value NaN -> INCONCLUSIVE.
//   - any value 0 -> FAILED "target down" naming the instances.
//   - all values 1 -> PASSED.
import type { AttemptOutcome } from "./types";

/** Pure: a label value escaped for a PromQL string literal. */
export function promString(v: string): string {
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

export function upQuery(job: string): string {
  return `up{job=${promString(job)}}`;
}

interface VectorSample {
  metric?: Record<string, string>;
  value?: [number, string];
}

/** Pure: the verdict on Prometheus's answer to the `up` query. */
export function evaluateUp(httpStatus: number, body: string, job: string): AttemptOutcome {
  const q = upQuery(job);
  let parsed: { status?: string; errorType?: string; error?: string; data?: { resultType?: string; result?: VectorSample[] } };
  try {
    parsed = JSON.parse(body);
  } catch {
    return { status: "error", message: `Prometheus answered ${httpStatus} with a non-JSON body` };
  }
  if (parsed.status === "error") {
    const detail = String(parsed.error ?? "").slice(0, 200);
    return { status: "error", message: `Prometheus query error (${parsed.errorType ?? "unknown"}${detail ? `: ${detail}` : ""})`, measurements: { httpStatus } };
  }
  if (httpStatus < 200 || httpStatus >= 300) return { status: "error", message: `Prometheus answered ${httpStatus}`, measurements: { httpStatus } };
  if (parsed.status !== "success") return { status: "error", message: "Prometheus answered without status success" };
  if (parsed.data?.resultType !== "vector" || !Array.isArray(parsed.data.result)) {
    return { status: "error", message: `Prometheus returned ${parsed.data?.resultType ?? "no"} result, expected a vector` };
  }
  const series = parsed.data.result.map((s) => ({ instance: s.metric?.instance ?? "(no instance)", value: Number(s.value?.[1]) }));
  const measurements = { series: series.length, targets: Object.fromEntries(series.map((s) => [s.instance, Number.isNaN(s.value) ? "NaN" : s.value])) };
  if (series.length === 0) return { status: "inconclusive", message: `no series for ${q}`, measurements };
  const nan = series.filter((s) => Number.isNaN(s.value));
  const down = series.filter((s) => !Number.isNaN(s.value) && s.value !== 1);
  if (down.length > 0) return { status: "failed", message: `target down: ${q} is 0 for ${down.map((s) => s.instance).join(", ")}`, measurements };
  if (nan.length > 0) return { status: "inconclusive", message: `${q} is NaN for ${nan.map((s) => s.instance).join(", ")}`, measurements };
  return { status: "passed", message: `${series.length} target${series.length === 1 ? "" : "s"} up`, measurements };
}

export interface Exposition {
  /** Names declared by `# TYPE` lines. */
  families: Set<string>;
  /** Names that have at least one sample line. */
  samples: Set<string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Pure: metric names declared and sampled in Prometheus text (0.0.4) or OpenMetrics text. */
export function parseExposition(text: string): Exposition {
  const families = new Set<string>();
  const samples = new Set<string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("#")) {
      const m = /^#\s*TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+\w+/.exec(line);
      if (m) families.add(m[1]);
      continue;
    }
    const m = NAME.exec(line);
    // A sample line is a name, optional {labels}, then whitespace and a value.
    if (m && /^[{\s]/.test(line.slice(m[0].length))) samples.add(m[0]);
  }
  return { families, samples };
}

const SUFFIXES = ["", "_total", "_bucket", "_count", "_sum", "_created", "_info"];

/** Pure: required series with no samples, split into undeclared and declared-but-empty. */
export function missingSeries(required: readonly string[], e: Exposition): { missing: string[]; empty: string[] } {
  const missing: string[] = [];
  const empty: string[] = [];
  for (const name of required) {
    if (SUFFIXES.some((s) => e.samples.has(name + s))) continue;
    (e.families.has(name) ? empty : missing).push(name);
  }
  return { missing, empty };
}
