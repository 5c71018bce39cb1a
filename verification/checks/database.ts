// Database: a real protocol round trip, not just an open port. postgres(ql):// -> connect and
// `SELECT 1`; redis(s):// -> PING; anything else (tcp://, mysql://, ...) -> TCP connect only,
// reported as "tcp-accept only" (message and measurements.verified), never as a database check.
// Rules (fault 7):
//   - answered -> PASSED with round-trip ms.
//   - refused, reset, or credentials/database rejected -> FAILED with a fixed reason phrase.
//   - timed out -> ERROR "timed out after Xs": the same status whether our own timer or the
//     runner's per-attempt timeout fires first, so no race decides the verdict.
//   - DNS failure or abort -> ERROR.
// Messages are built from error codes only, never from driver messages: those quote the user
// name ("password authentication failed for user ...") and sometimes the DSN.
import * as net from "node:net";
import { performance } from "node:perf_hooks";
import { AbortReason, formatSeconds, reasonOf } from "../abort";
import type { AttemptOutcome, CheckContext, CheckDefinition } from "../types";

/** Ports assumed when a URL names none. */
export const DEFAULT_PORTS: Record<string, number> = {
  postgres: 5432, postgresql: 5432, redis: 6379, rediss: 6379, mysql: 3306, mariadb: 3306,
  mongodb: 27017, amqp: 5672, amqps: 5671, memcached: 11211,
};

export interface DbTarget {
  protocol: "postgres" | "redis" | "tcp";
  scheme: string;
  host: string;
  port: number;
}

/** Pure: what to probe, without credentials. Throws a safe message for an unusable URL. */
export function dbTarget(raw: string): DbTarget {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error("url is not a valid URL");
  }
  const scheme = u.protocol.replace(/:$/, "").toLowerCase();
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (!host) throw new Error(`url has no host (${scheme}://)`);
  const port = u.port ? Number(u.port) : DEFAULT_PORTS[scheme];
  if (!port) throw new Error(`url needs a port for scheme ${scheme}`);
  const protocol = scheme === "postgres" || scheme === "postgresql" ? "postgres" : scheme === "redis" || scheme === "rediss" ? "redis" : "tcp";
  return { protocol, scheme, host, port };
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME"]);
const PG_REASONS: Record<string, string> = {
  "28P01": "authentication failed",
  "28000": "authorization rejected",
  "3D000": "database does not exist",
  "57P03": "server not accepting connections",
  "53300": "too many connections",
};

/** Signals a probe ran out of time (our timer, not an abort from outside). */
export class ProbeTimeout extends Error {}

/** Pure: an error from pg, ioredis or net as an outcome whose message holds no credentials. */
export function classifyDbError(err: unknown, t: DbTarget, budgetMs: number): AttemptOutcome {
  const where = `${t.host}:${t.port}`;
  const measurements = { protocol: t.protocol, host: t.host, port: t.port };
  if (err instanceof AbortReason) return { status: "error", message: err.message, measurements };
  if (err instanceof ProbeTimeout) return { status: "error", message: `timed out after ${formatSeconds(budgetMs)} (${where})`, measurements };
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const text = typeof e?.message === "string" ? e.message : "";
  if (code && DNS_CODES.has(code)) return { status: "error", message: `DNS lookup failed for ${t.host} (${code})`, measurements };
  if (code === "ECONNREFUSED") return { status: "failed", message: `connection refused (${where})`, measurements };
  if (code === "ECONNRESET" || code === "EPIPE") return { status: "failed", message: `connection reset by ${where}`, measurements };
  if (code === "ETIMEDOUT" || /timeout|timed out/i.test(text)) {
    return { status: "error", message: `timed out after ${formatSeconds(budgetMs)} (${where})`, measurements };
  }
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return { status: "error", message: `${where} unreachable (${code})`, measurements };
  if (/terminated unexpectedly|Connection is closed/i.test(text)) return { status: "failed", message: `connection closed by ${where}`, measurements };
  if (t.protocol === "postgres" && code && /^[0-9A-Z]{5}$/.test(code)) {
    return { status: "failed", message: `${PG_REASONS[code] ?? "server rejected the connection"} (SQLSTATE ${code})`, measurements };
  }
  if (t.protocol === "redis") {
    const m = /^(WRONGPASS|NOAUTH|NOPERM|LOADING|MASTERDOWN)\b/.exec(text);
    if (m) return { status: "failed", message: `${m[1] === "LOADING" || m[1] === "MASTERDOWN" ? "server not ready" : "authentication failed"} (${m[1]})`, measurements };
  }
  if (/ssl|tls|certificate/i.test(text)) return { status: "failed", message: `TLS negotiation failed${code ? ` (${code})` : ""}`, measurements };
  return { status: "error", message: `probe failed (${code ?? (typeof e?.name === "string" ? e.name : "unknown error")})`, measurements };
}

interface Probe {
  run(): Promise<Record<string, number>>;
  /** Tears the connection down; safe to call more than once. */
  cancel(): void;
}

function pgProbe(raw: string, budgetMs: number): Probe {
  // Loaded on use: the CLI does not pay for drivers of checks it does not run.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Client } = require("pg") as typeof import("pg");
  const client = new Client({
    connectionString: raw,
    connectionTimeoutMillis: budgetMs,
    statement_timeout: budgetMs,
    query_timeout: budgetMs,
    application_name: "acv2-verify",
  });
  client.on("error", () => undefined); // late socket errors after cancel are expected
  return {
    async run() {
      const t0 = performance.now();
      await client.connect();
      const t1 = performance.now();
      const res = await client.query("SELECT 1 AS ok");
      const t2 = performance.now();
      if (res.rows[0]?.ok !== 1) throw new Error("SELECT 1 returned an unexpected row");
      await client.end();
      return { connectMs: t1 - t0, queryMs: t2 - t1, roundTripMs: t2 - t0 };
    },
    cancel() {
      const stream = (client as unknown as { connection?: { stream?: net.Socket } }).connection?.stream;
      stream?.destroy();
      client.end().catch(() => undefined);
    },
  };
}

function redisProbe(raw: string, budgetMs: number): Probe {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const Redis = (require("ioredis") as typeof import("ioredis")).default;
  const redis = new Redis(raw, {
    lazyConnect: true,
    connectTimeout: budgetMs,
    commandTimeout: budgetMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null, // one attempt: a retry loop would hide a refusal until the timeout
    enableOfflineQueue: false,
    reconnectOnError: () => false,
  });
  // With retries off, connect() rejects with a bare "Connection is closed"; the real cause
  // (ECONNREFUSED, WRONGPASS) only arrives as an error event, so keep it and report that.
  let cause: unknown;
  redis.on("error", (err: unknown) => {
    cause ??= err;
  });
  return {
    async run() {
      const t0 = performance.now();
      await redis.connect().catch((err: unknown) => {
        throw cause ?? err;
      });
      const t1 = performance.now();
      const pong = await redis.ping().catch((err: unknown) => {
        throw cause ?? err;
      });
      const t2 = performance.now();
      if (pong !== "PONG") throw new Error("PING did not answer PONG");
      redis.disconnect();
      return { connectMs: t1 - t0, queryMs: t2 - t1, roundTripMs: t2 - t0 };
    },
    cancel() {
      redis.disconnect();
    },
  };
}

function tcpProbe(t: DbTarget): Probe {
  let socket: net.Socket | undefined;
  return {
    run() {
      return new Promise((resolve, reject) => {
        const t0 = performance.now();
        socket = net.connect({ host: t.host, port: t.port });
        socket.once("connect", () => {
          const ms = performance.now() - t0;
          socket?.destroy();
          resolve({ connectMs: ms, roundTripMs: ms });
        });
        socket.once("error", reject);
      });
    },
    cancel() {
      socket?.destroy();
    },
  };
}

const round = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v * 100) / 100]));

/** Runs a probe under a time budget and the context's signal, tearing it down on either. */
async function bounded(probe: Probe, budgetMs: number, signal: AbortSignal): Promise<Record<string, number>> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(reasonOf(signal));
    timer = setTimeout(() => reject(new ProbeTimeout()), budgetMs);
    onAbort = () => reject(reasonOf(signal));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([probe.run(), stop]);
  } catch (err) {
    probe.cancel();
    throw err;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

export const definition: CheckDefinition<"database"> = {
  type: "database",
  async attempt(config, ctx: CheckContext): Promise<AttemptOutcome> {
    let t: DbTarget;
    try {
      t = dbTarget(config.url);
    } catch (err) {
      return { status: "error", message: (err as Error).message };
    }
    const budgetMs = ctx.timeoutMs;
    const probe = t.protocol === "postgres" ? pgProbe(config.url, budgetMs) : t.protocol === "redis" ? redisProbe(config.url, budgetMs) : tcpProbe(t);
    const what = t.protocol === "postgres" ? "SELECT 1" : "PING";
    try {
      const m = round(await bounded(probe, budgetMs, ctx.signal));
      if (t.protocol === "tcp") {
        // Only a TCP accept was proven (a port forwarder or a crashed server's listener accepts
        // too): say so in words no reader can take for "database ok" (issue 11.8).
        return {
          status: "passed",
          message: `tcp-accept only: ${t.host}:${t.port} accepted a TCP connection in ${m.roundTripMs}ms; no ${t.scheme === "tcp" ? "database" : t.scheme} protocol was spoken, so the database itself is unverified`,
          measurements: { protocol: t.protocol, scheme: t.scheme, host: t.host, port: t.port, verified: "tcp-accept only", ...m },
        };
      }
      return {
        status: "passed",
        message: `${what} answered in ${m.roundTripMs}ms (${t.scheme} ${t.host}:${t.port})`,
        measurements: { protocol: t.protocol, host: t.host, port: t.port, verified: `${t.protocol} protocol round trip (${what})`, ...m },
      };
    } catch (err) {
      return classifyDbError(err, t, budgetMs);
    }
  },
};
