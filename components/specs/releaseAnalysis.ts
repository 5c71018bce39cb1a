// The metric analysis of a progressive release (issue 13, point 2 and 3): the canary's series
// against stable's, from the app's own metrics (http_requests_total, http_request_duration_seconds)
// as Prometheus scrapes them with the pod's `rollouts-pod-template-hash` label
// (`rollouts_pod_template_hash`: monitoringPrometheus.ts keeps it in bundled mode, the
// ServiceMonitor's podTargetLabels in operator mode). One source for both users of the queries:
// the AnalysisTemplates (releaseSpecs.ts, with the controller's `{{args.*}}` placeholders) and the
// gate, which runs them at every step with the two hashes filled in (components/gate/analysis.ts).
// Pure.

export interface AnalysisSpec {
  /** Prometheus job of the app's series. */
  job: string;
  /** The canary's 5xx ratio may exceed stable's by at most this (the error-rate alert's threshold). */
  maxErrorRatioIncrease: number;
  /** A canary p95 at or under this never fails (the latency alert's threshold): noise at millisecond latencies is not a regression. */
  p95FloorSeconds: number;
}

/** The canary's p95 may be at most this many times stable's (above the floor). */
export const MAX_P95_RATIO = 1.5;
/** rate() window of every query: long enough for two scrapes at the slowest interval the config allows (30 s). */
export const RATE_WINDOW = "1m";

export interface AnalysisMetric {
  /** The AnalysisTemplate's metric name. */
  name: string;
  /** The AnalysisTemplate's name suffix (`<app>-<template>`). */
  template: string;
  /** Always one label-less sample: the value the success condition judges. */
  query: string;
  /** Argo's `successCondition: result[0] <= threshold`. */
  threshold: number;
  /** What the gate shows next to the verdict: the same figure for each version alone (NaN or empty: no traffic). */
  sides: { canary: string; stable: string; unit: "ratio" | "seconds" };
}

/** A pod-template hash as the controller writes it; anything else is refused rather than put into PromQL. */
export function safeHash(hash: string): string {
  if (!/^[a-z0-9]{1,20}$/.test(hash) && !/^\{\{args\.[a-z-]+\}\}$/.test(hash)) throw new Error(`not a pod-template hash: ${JSON.stringify(hash)}`);
  return hash;
}

function series(job: string, hash: string, extra = ""): string {
  return `{job="${job}",rollouts_pod_template_hash="${safeHash(hash)}"${extra}}`;
}

/** One version's 5xx ratio; NaN (0/0: no requests) when it served none. A version with no 5xx series counts 0 errors. */
export function errorRatioOf(job: string, hash: string): string {
  return `((sum(rate(http_requests_total${series(job, hash, ',status=~"5.."')}[${RATE_WINDOW}])) or vector(0)) / sum(rate(http_requests_total${series(job, hash)}[${RATE_WINDOW}])))`;
}

/** One version's p95 latency in seconds; empty or NaN when it served none. */
export function p95Of(job: string, hash: string): string {
  return `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket${series(job, hash)}[${RATE_WINDOW}])))`;
}

/** The figure, or 0 when it is empty or NaN (`NaN >= 0` is false, so the sample drops and `or` fills in). */
function orZero(expr: string): string {
  return `((${expr} >= 0) or vector(0))`;
}

/**
 * The two metrics. Each query always returns one sample, so a missing series can never make a
 * measurement pass by being dropped:
 * - error-ratio-excess: canary 5xx ratio minus stable's, each 0 without traffic. A stable that
 *   served nothing counts as 0 % errors, so a failing canary fails on its own figure.
 * - p95-latency-ratio: canary p95 / max(stable p95, floor / 1.5), so it passes exactly when the
 *   canary's p95 is at most max(1.5 × stable's, floor). Without stable traffic the canary is held
 *   to the floor. A canary without traffic measures 0.
 */
export function analysisMetrics(spec: AnalysisSpec, canaryHash: string, stableHash: string): AnalysisMetric[] {
  const floorDenominator = +(spec.p95FloorSeconds / MAX_P95_RATIO).toPrecision(6);
  return [
    {
      name: "error-ratio-excess",
      template: "error-ratio",
      query: `${orZero(errorRatioOf(spec.job, canaryHash))} - ${orZero(errorRatioOf(spec.job, stableHash))}`,
      threshold: spec.maxErrorRatioIncrease,
      sides: { canary: errorRatioOf(spec.job, canaryHash), stable: errorRatioOf(spec.job, stableHash), unit: "ratio" },
    },
    {
      name: "p95-latency-ratio",
      template: "p95-latency",
      query: `${orZero(p95Of(spec.job, canaryHash))} / clamp_min(${orZero(p95Of(spec.job, stableHash))}, ${floorDenominator})`,
      threshold: MAX_P95_RATIO,
      sides: { canary: p95Of(spec.job, canaryHash), stable: p95Of(spec.job, stableHash), unit: "seconds" },
    },
  ];
}

/** The scrape targets of one version: empty when Prometheus does not see it (or not with its hash label). */
export function targetsOf(job: string, hash: string): string {
  return `count(up${series(job, hash)})`;
}
