// Performance baselines kept between CLI runs (`--baseline FILE`); the gate keeps the same
// shape in its outputs. Only a passing performance check may set a new baseline, so a slow
// release never lowers the bar for the next one.
import { existsSync, readFileSync } from "node:fs";
import type { PerformanceBaseline, SuiteReport } from "./types";

/** Reads baselines; a missing file is an empty set, a malformed one an error (never a silent reset). */
export function readBaselines(path: string): Record<string, PerformanceBaseline> {
  if (!existsSync(path)) return {};
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new Error(`${path}: baseline file is not valid JSON`);
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error(`${path}: baseline file must be an object keyed by check name`);
  const out: Record<string, PerformanceBaseline> = {};
  for (const [name, b] of Object.entries(data as Record<string, Record<string, unknown>>)) {
    const nums = ["p50Ms", "p95Ms", "p99Ms", "samples"].map((k) => Number(b?.[k]));
    if (!nums.every(Number.isFinite)) throw new Error(`${path}: ${name}: needs numeric p50Ms, p95Ms, p99Ms, samples`);
    out[name] = { p50Ms: nums[0], p95Ms: nums[1], p99Ms: nums[2], samples: nums[3], recordedAt: String(b.recordedAt ?? "") };
  }
  return out;
}

/** Pure: passing performance checks replace their baseline; everything else keeps the old one. */
export function updateBaselines(report: SuiteReport, previous: Record<string, PerformanceBaseline>, now = new Date()): Record<string, PerformanceBaseline> {
  const next = { ...previous };
  for (const c of report.checks.filter(Boolean)) {
    if (c.type !== "performance" || c.status !== "passed") continue;
    const m = c.measurements;
    const nums = [m.p50Ms, m.p95Ms, m.p99Ms, m.samples].map(Number);
    if (nums.every(Number.isFinite)) {
      next[c.name] = { p50Ms: nums[0], p95Ms: nums[1], p99Ms: nums[2], samples: nums[3], recordedAt: now.toISOString() };
    }
  }
  return next;
}
