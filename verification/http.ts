// The one HTTP client of the suite. Its job beyond fetching is to say precisely why a request
// did not produce a response (fault 6: a DNS failure must read differently from a refused
// connection or a timeout), so every HTTP check, here and in part B, reports failures alike.
import * as http from "node:http";
import * as https from "node:https";
import type { TLSSocket } from "node:tls";
import { performance } from "node:perf_hooks";
import { AbortReason, childSignal, formatSeconds, reasonOf, timeoutReason } from "./abort";
import { decodeBody } from "./httpBody";
import type { AttemptOutcome } from "./types";

export interface HttpRequestOptions {
  url: string;
  /** Default GET. */
  method?: string;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON with a JSON content type. Default none. */
  body?: unknown;
  /** Cancels the request; its AbortReason (timeout, deadline, interrupted) becomes the message. */
  signal?: AbortSignal;
  /** Per-request timeout. Default: none beyond `signal`. */
  timeoutMs?: number;
  /**
   * Connection pooling. Default `false`: a fresh connection per request, so each one exercises
   * the whole public route (DNS, TCP, TLS) and no stale pooled socket can fake a failure.
   */
  agent?: http.Agent | false;
  /** Response bytes kept; the rest is read and discarded. Default 1 MiB. */
  maxBodyBytes?: number;
  /** TLS options for https: extra CA, versions, SNI. Certificates are always verified. */
  tls?: { ca?: string | Buffer; minVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3"; maxVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3"; servername?: string };
}

export interface HttpTimings {
  /** Epoch ms when the request was issued. */
  startedAt: number;
  /** ms until the TCP (and TLS) connection was ready; undefined when a pooled socket was reused. */
  connectMs?: number;
  /** ms until response headers arrived. */
  ttfbMs: number;
  /** ms until the body was read. */
  totalMs: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Decoded text: content-encoding undone, byte-order mark removed. */
  body: string;
  /** The decoded bytes behind `body`. */
  bodyBytes: Buffer;
  /** The raw body went past maxBodyBytes (or decoded past it): the body is incomplete. */
  truncated: boolean;
  /** Why the body cannot be judged (too large, undecodable content-encoding); undefined when it can. */
  bodyProblem?: string;
  timings: HttpTimings;
  /** Negotiated TLS details for https. */
  tls?: { protocol: string | null; cipher?: string; authorized: boolean };
}

export type HttpErrorKind = "timeout" | "deadline" | "interrupted" | "dns" | "refused" | "reset" | "unreachable" | "tls" | "protocol" | "other";

/**
 * Success is 2xx, in every check that counts successes (availability, performance). A 3xx is an
 * answer, not a success: no check follows redirects unless its config says so.
 */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/** llhttp's parse errors, said plainly: the target answered, but not with valid HTTP/1.x. */
const PARSE_ERRORS: Record<string, string> = {
  HPE_INVALID_CONSTANT: "the response is not HTTP/1.x (an HTTP/0.9 reply or another protocol)",
  HPE_UNEXPECTED_CONTENT_LENGTH: "malformed response: duplicate or conflicting Content-Length",
  HPE_INVALID_CONTENT_LENGTH: "malformed response: invalid Content-Length",
  HPE_INVALID_TRANSFER_ENCODING: "malformed response: invalid Transfer-Encoding",
  HPE_INVALID_VERSION: "malformed response: unsupported HTTP version",
  HPE_INVALID_STATUS: "malformed response: invalid status line",
  HPE_HEADER_OVERFLOW: "malformed response: headers too large",
};

/** A request that produced no response, with a message safe to show (no URL credentials). */
export class HttpError extends Error {
  constructor(
    readonly kind: HttpErrorKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME", "EAI_SERVICE"]);
const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|EPROTO$)/;

/**
 * Pure: turns whatever a socket, resolver or TLS stack threw into a kind and a message. When
 * `signal` aborted, its reason wins: the error is then only a symptom of the cancellation.
 */
export function classifyError(err: unknown, target: { host?: string; port?: string | number } = {}, signal?: AbortSignal): HttpError {
  if (err instanceof HttpError) return err;
  if (signal?.aborted) {
    const r = reasonOf(signal);
    return new HttpError(r.kind, r.message);
  }
  if (err instanceof AbortReason) return new HttpError(err.kind, err.message);
  const e = err as NodeJS.ErrnoException & { reason?: string; hostname?: string };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const host = target.host ?? e?.hostname ?? "host";
  const where = target.port !== undefined && target.port !== "" ? `${host}:${target.port}` : host;
  if (code && DNS_CODES.has(code)) return new HttpError("dns", `DNS lookup failed for ${host} (${code})`, code);
  if (code === "ECONNREFUSED") return new HttpError("refused", `connection refused (${where})`, code);
  if (code === "ECONNRESET" || code === "EPIPE" || e?.message === "socket hang up") return new HttpError("reset", `connection reset by ${where}`, code);
  if (code === "ETIMEDOUT" || code === "ECONNABORTED") return new HttpError("timeout", `connection to ${where} timed out`, code);
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EADDRNOTAVAIL") return new HttpError("unreachable", `${where} unreachable (${code})`, code);
  if (code && code.startsWith("HPE_")) return new HttpError("protocol", `${PARSE_ERRORS[code] ?? `malformed HTTP response (${code})`} from ${where}`, code);
  if (code && TLS_CODE.test(code)) return new HttpError("tls", `TLS error: ${code}${e.reason ? ` (${e.reason})` : ""}`, code);
  if (/ssl|tls|certificate/i.test(e?.message ?? "")) return new HttpError("tls", `TLS error: ${e.message}`, code);
  return new HttpError("other", e?.message ? `request failed: ${e.message}` : "request failed", code);
}

/** The ERROR outcome for a request that produced no response. */
export function errorOutcome(err: unknown, prefix?: string, measurements: Record<string, unknown> = {}): AttemptOutcome {
  const h = err instanceof HttpError ? err : classifyError(err);
  return { status: "error", message: prefix ? `${prefix}: ${h.message}` : h.message, measurements: { ...measurements, errorKind: h.kind } };
}

/** Joins a base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** Host and port of a URL for messages, without credentials. */
export function targetOf(u: URL): { host: string; port: string } {
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: u.port || (u.protocol === "https:" ? "443" : "80") };
}

export function httpRequest(opts: HttpRequestOptions): Promise<HttpResponse> {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    return Promise.reject(new HttpError("other", "invalid URL"));
  }
  const isHttps = url.protocol === "https:";
  if (!isHttps && url.protocol !== "http:") return Promise.reject(new HttpError("other", `unsupported protocol ${url.protocol}`));
  const target = targetOf(url);
  const timeoutMs = opts.timeoutMs;
  const child = childSignal(opts.signal, timeoutMs, () => timeoutReason(timeoutMs ?? 0));
  const signal = child.signal;

  let payload: string | Buffer | undefined;
  const headers: Record<string, string> = { "user-agent": "acv2-verify/1", ...(opts.headers ?? {}) };
  if (opts.body !== undefined) {
    if (typeof opts.body === "string" || Buffer.isBuffer(opts.body)) payload = opts.body;
    else {
      payload = JSON.stringify(opts.body);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) headers["content-type"] = "application/json";
    }
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  const maxBody = opts.maxBodyBytes ?? 1 << 20;
  const startedAt = Date.now();
  const t0 = performance.now();

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      child.dispose();
      reject(classifyError(err, target, signal));
    };
    if (signal.aborted) return fail(signal.reason);
    const mod = isHttps ? https : http;
    const req = mod.request(
      url,
      {
        method: opts.method ?? "GET",
        headers,
        agent: opts.agent ?? false,
        signal,
        ...(isHttps ? { ...opts.tls, rejectUnauthorized: true } : {}),
      },
      (res) => {
        const ttfbMs = performance.now() - t0;
        const chunks: Buffer[] = [];
        let kept = 0;
        let truncated = false;
        res.on("data", (c: Buffer) => {
          if (kept + c.length <= maxBody) {
            chunks.push(c);
            kept += c.length;
          } else truncated = true;
        });
        res.on("error", fail);
        res.on("aborted", () => fail(new HttpError("reset", `connection reset by ${target.host}:${target.port} mid-response`)));
        res.on("end", () => {
          if (settled) return;
          settled = true;
          child.dispose();
          const sock = res.socket as TLSSocket | null;
          const decoded = decodeBody(Buffer.concat(chunks), res.headers["content-encoding"], maxBody, truncated);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: decoded.text,
            bodyBytes: decoded.bytes,
            truncated: decoded.tooLarge,
            bodyProblem: decoded.problem,
            timings: { startedAt, connectMs, ttfbMs, totalMs: performance.now() - t0 },
            tls: isHttps && sock && typeof sock.getProtocol === "function"
              ? { protocol: sock.getProtocol(), cipher: sock.getCipher()?.name, authorized: sock.authorized }
              : undefined,
          });
        });
      },
    );
    let connectMs: number | undefined;
    req.on("socket", (s) => {
      // A pooled socket is already connected: a listener on it would never fire and would pile
      // up across keep-alive reuse.
      if (!s.connecting) return;
      s.once(isHttps ? "secureConnect" : "connect", () => {
        connectMs = performance.now() - t0;
      });
    });
    req.on("error", fail);
    // A 101 the client never asked for hands the socket to nobody: without these two, the
    // request would neither answer nor fail, and outlive every timeout.
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      fail(new HttpError("protocol", `${target.host}:${target.port} answered ${res.statusCode} Switching Protocols (to ${String(res.headers.upgrade ?? "unknown").slice(0, 20)}) to a plain request`));
    });
    req.on("close", () => fail(new HttpError("reset", `connection to ${target.host}:${target.port} closed before a complete response`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** "timed out after 2s" style text for a budget in ms (re-exported for checks' messages). */
export { formatSeconds };
