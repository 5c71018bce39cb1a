// Dependencies the app needs, probed the way the app would reach them: HTTP(S) answers below
// 500, a TCP port accepts, a DNS name resolves. A name that does not resolve is reported as a
// DNS failure (ERROR), never folded into "unreachable" (fault 6).
import { promises as dns } from "node:dns";
import * as net from "node:net";
import { performance } from "node:perf_hooks";
import { classifyError, httpRequest } from "../http";
import { redactUrl } from "../redact";
import type { CheckConfigOf } from "../schema";
import type { AttemptOutcome, CheckContext, CheckDefinition } from "../types";

export interface TargetResult {
  name: string;
  url: string;
  kind: "http" | "tcp" | "dns";
  status: "passed" | "failed" | "error";
  message: string;
  latencyMs?: number;
  errorKind?: string;
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function tcpConnect(host: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const onAbort = () => socket.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    const done = (err?: Error) => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.once("connect", () => done());
    socket.once("error", done);
    socket.once("close", () => done(signal.aborted ? (signal.reason as Error) : new Error("socket closed")));
  });
}

async function probe(target: { name: string; url: string }, ctx: CheckContext): Promise<TargetResult> {
  const u = new URL(target.url);
  const shown = redactUrl(target.url);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const scheme = u.protocol.replace(/:$/, "");
  const kind = scheme === "tcp" ? "tcp" : scheme === "dns" ? "dns" : "http";
  const base = { name: target.name, url: shown, kind } as const;
  const t0 = performance.now();
  const took = () => Math.round(performance.now() - t0);
  try {
    if (kind === "http") {
      if (scheme !== "http" && scheme !== "https") return { ...base, status: "error", message: `unsupported scheme ${scheme}: use http(s)://, tcp:// or dns://` };
      const res = await httpRequest({ url: target.url, signal: ctx.signal });
      const ok = res.status < 500;
      return { ...base, status: ok ? "passed" : "failed", message: `HTTP ${res.status}`, latencyMs: took() };
    }
    if (kind === "tcp") {
      const port = Number(u.port);
      if (!port) return { ...base, status: "error", message: "tcp:// target needs a port" };
      await abortable(tcpConnect(host, port, ctx.signal), ctx.signal);
      return { ...base, status: "passed", message: `tcp ${host}:${port} connected`, latencyMs: took() };
    }
    const addrs = await abortable(dns.lookup(host, { all: true }), ctx.signal);
    return { ...base, status: "passed", message: `resolves to ${addrs.length} address(es)`, latencyMs: took() };
  } catch (err) {
    const h = classifyError(err, { host, port: u.port || undefined }, ctx.signal);
    return { ...base, status: "error", message: h.message, latencyMs: took(), errorKind: h.kind };
  }
}

/** Pure: the attempt's outcome from every target's result. Any FAILED wins over ERROR. */
export function judgeTargets(results: TargetResult[]): AttemptOutcome {
  const measurements = { targets: results, reachable: results.filter((r) => r.status === "passed").length };
  const bad = results.filter((r) => r.status !== "passed");
  const describe = (r: TargetResult) => `${r.name}: ${r.message}`;
  if (bad.length === 0) return { status: "passed", message: `${results.length}/${results.length} targets reachable`, measurements };
  const status = bad.some((r) => r.status === "failed") ? "failed" : "error";
  return { status, message: bad.map(describe).join(" | "), measurements };
}

async function attempt(cfg: CheckConfigOf<"external">, ctx: CheckContext): Promise<AttemptOutcome> {
  return judgeTargets(await Promise.all(cfg.targets.map((t) => probe(t, ctx))));
}

export const definition: CheckDefinition<"external"> = { type: "external", attempt };
