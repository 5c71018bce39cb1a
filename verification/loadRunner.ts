// The open-model load generator's I/O half. Requests leave on a fixed schedule whether or not
// earlier ones finished, and each latency is measured from the request's *scheduled* send time,
// so a server stall shows up in the tail instead of quietly slowing the client down
// (coordinated omission). A closed loop ("send the next when the last returns") would report a
// 2 s stall as one slow sample out of thousands.
import * as http from "node:http";
import * as https from "node:https";
import { monitorEventLoopDelay, performance, type IntervalHistogram } from "node:perf_hooks";
import { AbortReason, reasonOf } from "./abort";
import { classifyError, HttpError, isSuccessStatus } from "./http";
import { dueRange, openSchedule } from "./load";

export interface OpenLoadArgs {
  url: string;
  ratePerSecond: number;
  durationSeconds: number;
  /** Requests allowed in flight; a due request beyond it is dropped and counted as an error. Default 1000. */
  maxInFlight?: number;
  /** Per-request timeout; a timed-out request counts as an error with its elapsed latency. Default 10000 ms. */
  requestTimeoutMs?: number;
  /** Default GET. */
  method?: string;
  /** Default none. Values are secret: never logged. */
  headers?: Record<string, string>;
  /** Stops scheduling and cancels what is in flight; the result is then marked aborted. */
  signal?: AbortSignal;
  /** Statuses counted as success. Default 200-399. */
  isSuccess?: (status: number) => boolean;
}

export interface OpenLoadResult {
  /** Requests the schedule called for. */
  scheduled: number;
  /** Requests actually issued (scheduled minus dropped minus those cut off by an abort). */
  sent: number;
  /** Requests answered with a success status. */
  ok: number;
  /** Error statuses, transport failures, timeouts and drops. */
  errors: number;
  /** Due requests not sent because maxInFlight were outstanding. */
  dropped: number;
  /** One latency per answered or timed-out request, ms from its scheduled send time. */
  latenciesMs: number[];
  statusCounts: Record<string, number>;
  errorKinds: Record<string, number>;
  /** Wall time from the first scheduled send to the last completion. */
  elapsedMs: number;
  /** Wall time from the first scheduled send to the last actual send: the window the rate was achieved over. */
  sendWindowMs: number;
  /** How late the generator itself fired a request, worst case: large values mean the client, not the server, was the bottleneck. */
  maxSendLagMs: number;
  /** This (the measuring) process's event-loop delay over the run: its own stalls (GC, blocking work), not the target's. */
  clientLoopDelay: LoopDelay;
  /** Set when the signal aborted the run. */
  aborted?: AbortReason;
}

/** Event-loop delay in ms: how long timers were held up beyond their due time. */
export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** The sampling interval of the loop-delay histogram; a stall shorter than this may go unseen. */
export const LOOP_RESOLUTION_MS = 10;

/**
 * The histogram records the interval between its timer's wake-ups, resolution included (a quiet
 * loop reads ~10 ms at resolution 10), so the delay is the interval minus the resolution.
 */
export function loopDelayOf(h: Pick<IntervalHistogram, "count" | "max" | "mean" | "percentile">): LoopDelay {
  if (h.count === 0) return { p99Ms: 0, maxMs: 0, meanMs: 0 };
  const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100);
  return { p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), meanMs: ms(h.mean) };
}

export const DEFAULT_MAX_IN_FLIGHT = 1000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

export async function runOpenLoad(args: OpenLoadArgs): Promise<OpenLoadResult> {
  const schedule = openSchedule(args.ratePerSecond, args.durationSeconds);
  const maxInFlight = args.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const requestTimeoutMs = args.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const isSuccess = args.isSuccess ?? isSuccessStatus;
  const target = new URL(args.url); // parsed once: the per-request path must stay cheap
  const isHttps = target.protocol === "https:";
  // Keep-alive like real clients behind a load balancer; sized so the agent never queues, which
  // would hide waiting time inside the client instead of attributing it to the request.
  const agentOpts = { keepAlive: true, maxSockets: maxInFlight, maxFreeSockets: Math.min(maxInFlight, 256) };
  const agent = isHttps ? new https.Agent(agentOpts) : new http.Agent(agentOpts);

  const result: OpenLoadResult = {
    scheduled: schedule.count, sent: 0, ok: 0, errors: 0, dropped: 0, latenciesMs: [],
    statusCounts: {}, errorKinds: {}, elapsedMs: 0, sendWindowMs: 0, maxSendLagMs: 0,
    clientLoopDelay: { p99Ms: 0, maxMs: 0, meanMs: 0 },
  };
  // Watches this process's own event loop for the whole run (the load and the drain): a GC pause
  // here delays every request in flight or due, and the check must not blame the target for it.
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const pending = new Set<Promise<void>>();
  const inFlightRequests = new Set<http.ClientRequest>();
  let inFlight = 0;
  const t0 = performance.now();

  const fire = (i: number) => {
    const scheduledAt = t0 + schedule.offsetMs(i);
    const firedAt = performance.now();
    result.maxSendLagMs = Math.max(result.maxSendLagMs, firedAt - scheduledAt);
    result.sendWindowMs = firedAt - t0;
    if (inFlight >= maxInFlight) {
      result.dropped++;
      result.errors++;
      bump(result.errorKinds, "dropped");
      return;
    }
    inFlight++;
    result.sent++;
    const p = sendOne(args, target, agent, requestTimeoutMs, inFlightRequests).then(
      (status) => {
        result.latenciesMs.push(performance.now() - scheduledAt);
        bump(result.statusCounts, String(status));
        if (isSuccess(status)) result.ok++;
        else result.errors++;
      },
      (err: unknown) => {
        const kind = err instanceof HttpError ? err.kind : "other";
        result.errors++;
        bump(result.errorKinds, kind);
        // A request that timed out was at least this slow; leaving it out would flatter the tail.
        if (kind === "timeout") result.latenciesMs.push(performance.now() - scheduledAt);
      },
    ).finally(() => {
      inFlight--;
      pending.delete(p);
    });
    pending.add(p);
  };

  // One abort listener for the whole run (not one per request): it stops the schedule and
  // cancels whatever is still in flight, during the window or while draining after it.
  let stopSchedule: (() => void) | undefined;
  const onAbort = () => {
    result.aborted = reasonOf(args.signal as AbortSignal);
    for (const req of inFlightRequests) req.destroy(result.aborted);
    stopSchedule?.();
  };
  if (args.signal?.aborted) onAbort();
  else args.signal?.addEventListener("abort", onAbort, { once: true });

  await new Promise<void>((resolve) => {
    if (result.aborted) return resolve();
    let next = 0;
    let timer: NodeJS.Timeout | undefined;
    stopSchedule = () => {
      if (timer) clearTimeout(timer);
      resolve();
    };
    const tick = () => {
      const { from, to } = dueRange(schedule, next, performance.now() - t0);
      for (let i = from; i < to && !result.aborted; i++) fire(i);
      next = to;
      if (next >= schedule.count || result.aborted) return resolve();
      timer = setTimeout(tick, Math.max(0, t0 + schedule.offsetMs(next) - performance.now()));
    };
    tick();
  });
  await Promise.allSettled([...pending]);
  args.signal?.removeEventListener("abort", onAbort);
  result.elapsedMs = Math.round(performance.now() - t0);
  // A stall during the drain may not have reached the histogram yet (its timer fires after the
  // stall, possibly after the last answer): one more interval lets it record.
  await new Promise((resolve) => setTimeout(resolve, LOOP_RESOLUTION_MS + 1));
  loop.disable();
  result.clientLoopDelay = loopDelayOf(loop);
  result.maxSendLagMs = Math.round(result.maxSendLagMs * 100) / 100;
  result.sendWindowMs = Math.round(result.sendWindowMs);
  agent.destroy();
  return result;
}

/**
 * One request on the shared keep-alive agent, resolving with the status once the body is read.
 * Deliberately leaner than http.ts's httpRequest (no per-request AbortSignal or socket
 * listeners, which pile up on pooled sockets at hundreds of requests per second); failures are
 * still classified by http.ts so the kinds read the same as in every other check.
 */
function sendOne(args: OpenLoadArgs, url: URL, agent: http.Agent, timeoutMs: number, live: Set<http.ClientRequest>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const target = { host: url.hostname, port: url.port || (url.protocol === "https:" ? "443" : "80") };
    const mod = url.protocol === "https:" ? https : http;
    let done = false;
    const finish = (err: unknown, status?: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      live.delete(req);
      if (err === undefined) resolve(status as number);
      else reject(err instanceof AbortReason ? new HttpError(err.kind, err.message) : classifyError(err, target));
    };
    const req = mod.request(url, { method: args.method ?? "GET", headers: { "user-agent": "acv2-verify/1", ...args.headers }, agent }, (res) => {
      res.on("data", () => undefined);
      res.on("end", () => finish(undefined, res.statusCode ?? 0));
      res.on("error", (e) => finish(e));
      res.on("aborted", () => finish(new HttpError("reset", `connection reset by ${target.host}:${target.port} mid-response`)));
    });
    const timer = setTimeout(() => req.destroy(new AbortReason("timeout", `timed out after ${timeoutMs / 1000}s`)), timeoutMs);
    req.on("error", (e) => finish(e));
    live.add(req);
    req.end();
  });
}
