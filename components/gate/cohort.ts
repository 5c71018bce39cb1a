// The A/B step's comparison (issue 13, point 4): while the cohort runs on the candidate, the gate
// sends the same requests, paced and bounded, to the candidate and to stable and compares what
// came back: requests, non-2xx answers and connection failures, error ratio, p50 and p95. The
// cohort fails when its error ratio exceeds stable's by more than `maxErrorRatioIncrease`, or when
// the candidate answered nothing; when stable answered nothing there is nothing to compare with
// (ERROR, which blocks like a failure). These are the gate's own measurements, side by side, not the
// app's Prometheus series (which carry no pod-template hash yet: README "Release strategies").
import { classifyError, httpRequest, joinUrl } from "../../verification/http";
import { percentile } from "../../verification/load";

export interface CohortStats {
  requests: number;
  /** Requests that got an HTTP answer (any status). */
  answered: number;
  /** Answers that were not 2xx, plus requests with no answer. */
  errors: number;
  errorRatio: number;
  p50Ms?: number;
  p95Ms?: number;
  /** What the errors were: `HTTP 503` or an error kind (`refused`, `timeout`, ...), with counts. */
  errorKinds: Record<string, number>;
}

export interface CohortComparison {
  path: string;
  cohort: CohortStats;
  stable: CohortStats;
  maxErrorRatioIncrease: number;
  /** error: stable answered nothing, so there was nothing to compare with. */
  verdict: "passed" | "failed" | "error";
  message: string;
}

export interface CompareArgs {
  cohortUrl: string;
  stableUrl: string;
  /** Default /health. */
  path?: string;
  /** How long both sides are sampled. */
  durationMs: number;
  /** One request to each side per interval. Default 500 ms. */
  intervalMs?: number;
  /** Hard cap per side, whatever the duration. Default 600. */
  maxRequests?: number;
  maxErrorRatioIncrease: number;
  signal?: AbortSignal;
  /** Per-request timeout. Default 2000 ms. */
  timeoutMs?: number;
}

interface Tally {
  answered: number;
  latencies: number[];
  errors: number;
  requests: number;
  errorKinds: Record<string, number>;
}

async function probe(url: string, t: Tally, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const t0 = Date.now();
  try {
    const res = await httpRequest({ url, timeoutMs, signal, maxBodyBytes: 64 * 1024 });
    if (signal?.aborted) return;
    t.requests += 1;
    t.answered += 1;
    t.latencies.push(Date.now() - t0);
    if (res.status < 200 || res.status >= 300) {
      t.errors += 1;
      t.errorKinds[`HTTP ${res.status}`] = (t.errorKinds[`HTTP ${res.status}`] ?? 0) + 1;
    }
  } catch (err) {
    if (signal?.aborted) return; // stopped, not a failed request
    const kind = classifyError(err).kind;
    t.requests += 1;
    t.errors += 1;
    t.errorKinds[kind] = (t.errorKinds[kind] ?? 0) + 1;
  }
}

function stats(t: Tally): CohortStats {
  const sorted = [...t.latencies].sort((a, b) => a - b);
  return {
    requests: t.requests,
    answered: t.answered,
    errors: t.errors,
    errorRatio: t.requests > 0 ? Number((t.errors / t.requests).toFixed(4)) : 0,
    ...(sorted.length > 0 ? { p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95) } : {}),
    errorKinds: t.errorKinds,
  };
}

const ratio = (s: CohortStats) => `${(s.errorRatio * 100).toFixed(1)}% (${s.errors}/${s.requests})`;
const kinds = (s: CohortStats) => Object.entries(s.errorKinds).map(([k, n]) => `${n}x ${k}`).join(", ");

/** Pure: the verdict on two sides' stats. */
export function judgeCohort(path: string, cohort: CohortStats, stable: CohortStats, maxErrorRatioIncrease: number): CohortComparison {
  const base = { path, cohort, stable, maxErrorRatioIncrease };
  const side = `cohort ${ratio(cohort)} errors, p95 ${cohort.p95Ms ?? "-"} ms; stable ${ratio(stable)}, p95 ${stable.p95Ms ?? "-"} ms`;
  if (cohort.requests === 0) return { ...base, verdict: "failed", message: `no request to the candidate completed (GET ${path})` };
  // Without a single answer from stable every ratio would pass: judge nothing rather than pass.
  if (stable.answered === 0) return { ...base, verdict: "error", message: `stable answered no request at GET ${path}${kinds(stable) ? ` (${kinds(stable)})` : ""}: nothing to compare the cohort with` };
  if (cohort.errorRatio > stable.errorRatio + maxErrorRatioIncrease) {
    return { ...base, verdict: "failed", message: `${side}: the cohort's error ratio exceeds stable's by more than ${maxErrorRatioIncrease} (${kinds(cohort)})` };
  }
  return { ...base, verdict: "passed", message: side };
}

/**
 * Samples both sides for `durationMs` (or until `signal`), one request to each per interval, in
 * step, so both see the same moments; at most `maxRequests` per side.
 */
export async function compareCohort(a: CompareArgs): Promise<CohortComparison> {
  const path = a.path ?? "/health";
  const interval = a.intervalMs ?? 500;
  const cap = a.maxRequests ?? 600;
  const timeoutMs = a.timeoutMs ?? 2_000;
  const cohort: Tally = { answered: 0, latencies: [], errors: 0, requests: 0, errorKinds: {} };
  const stable: Tally = { answered: 0, latencies: [], errors: 0, requests: 0, errorKinds: {} };
  const end = Date.now() + a.durationMs;
  for (let n = 0; n < cap && Date.now() < end && !a.signal?.aborted; n++) {
    const t0 = Date.now();
    await Promise.all([probe(joinUrl(a.cohortUrl, path), cohort, timeoutMs, a.signal), probe(joinUrl(a.stableUrl, path), stable, timeoutMs, a.signal)]);
    const wait = Math.min(interval - (Date.now() - t0), end - Date.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return judgeCohort(path, stats(cohort), stats(stable), a.maxErrorRatioIncrease);
}
