// N requests through the public route, a few at a time, each counted as it comes back: a 500 is
// a data point, never retried away (fault 2). A rate below minSuccessRate is FAILED; a route
// that produced no HTTP answer at all is ERROR (nothing was measured).
import { HttpError, classifyError, httpRequest, joinUrl } from "../http";
import type { CheckConfigOf } from "../schema";
import type { AttemptOutcome, CheckContext, CheckDefinition } from "../types";
import { requireBaseUrl } from "./health";

import { AVAILABILITY_CONCURRENCY } from "../limits";

/** Requests in flight at once (limits.ts: the feasibility rule reads the same number). */
export { AVAILABILITY_CONCURRENCY };

export interface AvailabilityTally {
  /** 2xx answers. */
  succeeded: number;
  /** HTTP answers by status code. */
  statusCounts: Record<string, number>;
  /** Requests with no HTTP answer, by error kind. */
  errorCounts: Record<string, number>;
  /** First message seen for each error kind, for the report. */
  errorMessages: Record<string, string>;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Pure: the attempt's outcome from the tally. `stopped` is the cancellation reason, if any. */
export function judgeAvailability(t: AvailabilityTally, wanted: number, minSuccessRate: number, stopped?: HttpError): AttemptOutcome {
  const answered = Object.values(t.statusCounts).reduce((a, b) => a + b, 0);
  const errors = Object.values(t.errorCounts).reduce((a, b) => a + b, 0);
  const completed = answered + errors;
  const rate = completed > 0 ? t.succeeded / completed : 0;
  const measurements = {
    requests: completed,
    requested: wanted,
    succeeded: t.succeeded,
    failed: completed - t.succeeded,
    successRate: Number(rate.toFixed(4)),
    minSuccessRate,
    statusCounts: t.statusCounts,
    errorCounts: t.errorCounts,
  };
  const bad = [
    ...Object.entries(t.statusCounts).filter(([s]) => !/^2/.test(s)).map(([s, n]) => `${n}× HTTP ${s}`),
    ...Object.entries(t.errorCounts).map(([k, n]) => `${n}× ${t.errorMessages[k] ?? k}`),
  ];
  if (stopped) {
    return { status: "error", message: `${stopped.message} after ${completed} of ${wanted} requests`, measurements };
  }
  if (answered === 0) {
    return { status: "error", message: `no HTTP answer to any of ${wanted} requests: ${bad.join(", ")}`, measurements };
  }
  const summary = `${t.succeeded}/${completed} succeeded (${pct(rate)} ${rate >= minSuccessRate ? ">=" : "<"} ${pct(minSuccessRate)})`;
  if (rate < minSuccessRate) return { status: "failed", message: `${summary}: ${bad.join(", ")}`, measurements };
  return { status: "passed", message: bad.length > 0 ? `${summary}, counted ${bad.join(", ")}` : summary, measurements };
}

async function attempt(cfg: CheckConfigOf<"availability">, ctx: CheckContext): Promise<AttemptOutcome> {
  const url = joinUrl(requireBaseUrl(ctx, "availability"), cfg.path);
  const t: AvailabilityTally = { succeeded: 0, statusCounts: {}, errorCounts: {}, errorMessages: {} };
  let next = 0;
  let stopped: HttpError | undefined;
  const worker = async () => {
    while (next < cfg.requests && !ctx.signal.aborted) {
      next += 1;
      try {
        const res = await httpRequest({ url, signal: ctx.signal, timeoutMs: ctx.timeoutMs });
        t.statusCounts[res.status] = (t.statusCounts[res.status] ?? 0) + 1;
        if (res.status >= 200 && res.status < 300) t.succeeded += 1;
      } catch (err) {
        const h = classifyError(err, {}, ctx.signal);
        if (ctx.signal.aborted) {
          stopped = h; // cancelled, not a failed request: do not count it
          return;
        }
        t.errorCounts[h.kind] = (t.errorCounts[h.kind] ?? 0) + 1;
        t.errorMessages[h.kind] ??= h.message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(AVAILABILITY_CONCURRENCY, cfg.requests) }, worker));
  if (ctx.signal.aborted && !stopped && next < cfg.requests) stopped = classifyError(undefined, {}, ctx.signal);
  return judgeAvailability(t, cfg.requests, cfg.minSuccessRate, stopped);
}

export const definition: CheckDefinition<"availability"> = { type: "availability", attempt };
