// Monitoring: is the app really observed? Three parts, each a real request:
//   1. Prometheus `up{job="<job>"}` (rules in verification/prom.ts; down or erroring Prometheus
//      is ERROR, never PASSED: fault 8; empty/NaN INCONCLUSIVE: fault 9).
//   2. the app's /metrics (metricsUrl, default `${baseUrl}/metrics`) exposes a sample of every
//      requiredMetrics series; a declared family with no samples does not count.
//   3. Grafana `/api/health` (when grafanaUrl is set): 200 and `database: "ok"`.
// The check's status is the worst part: FAILED > ERROR > INCONCLUSIVE > PASSED, so a definite
// problem is never masked by another part being unmeasurable.
import { errorOutcome, joinUrl, httpRequest } from "../http";
import { evaluateUp, missingSeries, parseExposition, upQuery } from "../prom";
import type { AttemptOutcome, CheckContext, CheckDefinition } from "../types";
import type { CheckConfigOf } from "../schema";

type Config = CheckConfigOf<"monitoring">;
type Part = AttemptOutcome & { part: string };

const RANK: Record<AttemptOutcome["status"], number> = { passed: 0, inconclusive: 1, error: 2, failed: 3 };

/** Pure: one outcome from the parts, worst status first, every part's message kept. */
export function combineParts(parts: Part[]): AttemptOutcome {
  const worst = parts.reduce<AttemptOutcome["status"]>((w, p) => (RANK[p.status] > RANK[w] ? p.status : w), "passed");
  const measurements: Record<string, unknown> = {};
  for (const p of parts) measurements[p.part] = { status: p.status, ...(p.measurements ?? {}) };
  return { status: worst, message: parts.map((p) => `${p.part}: ${p.message}`).join("; "), measurements };
}

async function upPart(config: Config, ctx: CheckContext): Promise<Part> {
  const url = `${joinUrl(config.prometheusUrl, "/api/v1/query")}?query=${encodeURIComponent(upQuery(config.job))}`;
  try {
    const res = await httpRequest({ url, signal: ctx.signal, timeoutMs: ctx.timeoutMs, headers: { accept: "application/json" } });
    return { part: "prometheus", ...evaluateUp(res.status, res.body, config.job) };
  } catch (err) {
    return { part: "prometheus", ...errorOutcome(err) };
  }
}

async function metricsPart(config: Config, ctx: CheckContext): Promise<Part | undefined> {
  if (config.requiredMetrics.length === 0) return undefined;
  const url = config.metricsUrl ?? (ctx.baseUrl ? joinUrl(ctx.baseUrl, "/metrics") : undefined);
  if (!url) return { part: "metrics", status: "error", message: "no metricsUrl and no baseUrl to find /metrics" };
  try {
    const res = await httpRequest({ url, signal: ctx.signal, timeoutMs: ctx.timeoutMs, maxBodyBytes: 8 << 20, headers: { accept: "text/plain" } });
    if (res.status !== 200) return { part: "metrics", status: "failed", message: `/metrics answered ${res.status}`, measurements: { httpStatus: res.status } };
    const e = parseExposition(res.body);
    const { missing, empty } = missingSeries(config.requiredMetrics, e);
    const measurements = { families: e.families.size, sampled: e.samples.size, missing, empty, truncated: res.truncated };
    const gaps = [missing.length ? `missing series: ${missing.join(", ")}` : "", empty.length ? `declared without samples: ${empty.join(", ")}` : ""].filter(Boolean);
    if (gaps.length) return { part: "metrics", status: "failed", message: gaps.join("; "), measurements };
    return { part: "metrics", status: "passed", message: `all ${config.requiredMetrics.length} required series exposed`, measurements };
  } catch (err) {
    return { part: "metrics", ...errorOutcome(err) };
  }
}

async function grafanaPart(config: Config, ctx: CheckContext): Promise<Part | undefined> {
  if (!config.grafanaUrl) return undefined;
  const url = /\/api\/health\/?$/.test(config.grafanaUrl) ? config.grafanaUrl : joinUrl(config.grafanaUrl, "/api/health");
  try {
    const res = await httpRequest({ url, signal: ctx.signal, timeoutMs: ctx.timeoutMs, headers: { accept: "application/json" } });
    let db: unknown;
    try {
      db = (JSON.parse(res.body) as { database?: unknown }).database;
    } catch {
      db = undefined;
    }
    const measurements = { httpStatus: res.status, database: typeof db === "string" ? db : null };
    if (res.status === 200 && db === "ok") return { part: "grafana", status: "passed", message: "healthy, database ok", measurements };
    return { part: "grafana", status: "failed", message: `unhealthy: answered ${res.status}, database ${typeof db === "string" ? JSON.stringify(db) : "not reported"}`, measurements };
  } catch (err) {
    return { part: "grafana", ...errorOutcome(err) };
  }
}

export const definition: CheckDefinition<"monitoring"> = {
  type: "monitoring",
  async attempt(config, ctx): Promise<AttemptOutcome> {
    const parts = await Promise.all([upPart(config, ctx), metricsPart(config, ctx), grafanaPart(config, ctx)]);
    return combineParts(parts.filter((p): p is Part => p !== undefined));
  },
};
