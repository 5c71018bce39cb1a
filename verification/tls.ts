// TLS facts for the security check, from real handshakes. The main handshake always verifies
// (rejectUnauthorized, system CAs plus an optional extra CA): a bad certificate is a finding,
// never a reason to retry insecurely (fault 4). The legacy probe only asks whether the server
// agrees to TLS 1.0/1.1 and sends no data, so it does not need to trust the peer (fault 5).
import * as net from "node:net";
import * as tls from "node:tls";
import { performance } from "node:perf_hooks";
import { formatSeconds, reasonOf } from "./abort";
import { classifyError, HttpError } from "./http";

export type TlsVersion = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
const ORDER: Record<string, number> = { SSLv3: 0, TLSv1: 1, "TLSv1.1": 2, "TLSv1.2": 3, "TLSv1.3": 4 };

export interface TlsTarget {
  host: string;
  port: number;
  /** PEM bundle trusted in addition to the system CAs. Default none. */
  extraCa?: string;
  /** Per-handshake timeout. Default 10000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface TlsFacts {
  protocol: string;
  cipher: string;
  handshakeMs: number;
  subject?: string;
  issuer?: string;
  subjectAltName?: string;
  validFrom: string;
  validTo: string;
  daysToExpiry: number;
}

export type HandshakeResult =
  | { kind: "ok"; facts: TlsFacts }
  /** The server spoke TLS but the certificate or protocol was not acceptable: a finding. */
  | { kind: "rejected"; code: string; reason: string }
  /** No TLS conversation happened (refused, DNS, timeout, abort): could not measure. */
  | { kind: "unreachable"; error: HttpError };

/** Pure: SNI must be a host name; RFC 6066 forbids IP literals (identity is then checked on IP SANs). */
export function serverName(host: string): string | undefined {
  return net.isIP(host) ? undefined : host;
}

/** Pure: does `actual` meet `min`? Unknown versions never do. */
export function meetsVersion(actual: string | null | undefined, min: TlsVersion): boolean {
  return actual != null && actual in ORDER && ORDER[actual] >= ORDER[min];
}

const CERT_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: "certificate expired",
  CERT_NOT_YET_VALID: "certificate not yet valid",
  ERR_TLS_CERT_ALTNAME_INVALID: "certificate does not match host (SAN)",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in chain (untrusted root)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "certificate chain not trusted (unknown issuer)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "certificate chain not trusted (unknown issuer)",
  UNABLE_TO_GET_ISSUER_CERT: "certificate chain incomplete",
  CERT_REVOKED: "certificate revoked",
  CERT_SIGNATURE_FAILURE: "certificate signature invalid",
  CERT_UNTRUSTED: "certificate not trusted",
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: "server offers no acceptable TLS version",
  ERR_SSL_UNSUPPORTED_PROTOCOL: "server offers no acceptable TLS version",
  ERR_SSL_WRONG_VERSION_NUMBER: "endpoint does not speak TLS",
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: "handshake failure (no shared cipher or protocol)",
};

/** Pure: a TLS error code as a specific reason; unknown codes keep the code itself. */
export function tlsReason(code: string): string {
  return CERT_REASONS[code] ?? `TLS handshake failed (${code})`;
}

const TRANSPORT = new Set(["dns", "refused", "timeout", "deadline", "interrupted", "unreachable"]);

function connect(t: TlsTarget, opts: tls.ConnectionOptions): Promise<{ socket: tls.TLSSocket; ms: number }> {
  const timeoutMs = t.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let done = false;
    const socket = tls.connect({ host: t.host, port: t.port, servername: serverName(t.host), ...opts });
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      t.signal?.removeEventListener("abort", onAbort);
      if (err === undefined) return resolve({ socket, ms: performance.now() - t0 });
      socket.destroy();
      reject(err);
    };
    const onAbort = () => {
      const r = reasonOf(t.signal as AbortSignal);
      // The attempt's own timeout cut a handshake that had connected: still name the stall.
      finish(r.kind === "timeout" && !socket.connecting ? new HttpError("timeout", `handshake with ${t.host}:${t.port} stalled: connected, but no TLS answer (${r.message})`, "ETIMEDOUT") : r);
    };
    // TCP connected but no ServerHello: say so, it is not the same fault as an unanswered SYN.
    const timer = setTimeout(() => {
      const where = `${t.host}:${t.port}`;
      finish(socket.connecting
        ? new HttpError("timeout", `connection to ${where} timed out`, "ETIMEDOUT")
        : new HttpError("timeout", `handshake with ${where} stalled: connected, but no TLS answer within ${formatSeconds(timeoutMs)}`, "ETIMEDOUT"));
    }, timeoutMs);
    if (t.signal?.aborted) return onAbort();
    t.signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("secureConnect", () => finish());
    socket.once("error", (e) => finish(e));
    socket.once("close", () => finish(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })));
  });
}

/** Classifies a failed handshake: transport failures cannot measure; everything else is a TLS finding. */
function rejection(err: unknown, t: TlsTarget): HandshakeResult {
  const h = classifyError(err, { host: t.host, port: t.port }, t.signal);
  if (TRANSPORT.has(h.kind)) return { kind: "unreachable", error: h };
  const code = (err as { code?: string }).code ?? h.code ?? "UNKNOWN";
  if (h.kind === "reset") return { kind: "rejected", code, reason: "server closed the connection during the handshake" };
  return { kind: "rejected", code, reason: tlsReason(code) };
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The verifying handshake: chain, SAN (Node's checkServerIdentity), dates, negotiated version. */
export async function verifyingHandshake(t: TlsTarget, now = Date.now()): Promise<HandshakeResult> {
  const ca = t.extraCa ? [...tls.rootCertificates, t.extraCa] : undefined;
  try {
    const { socket, ms } = await connect(t, { rejectUnauthorized: true, ca, minVersion: "TLSv1.2" });
    const cert = socket.getPeerCertificate();
    const facts: TlsFacts = {
      protocol: socket.getProtocol() ?? "unknown",
      cipher: socket.getCipher()?.name ?? "unknown",
      handshakeMs: Math.round(ms * 100) / 100,
      subject: first(cert.subject?.CN),
      issuer: first(cert.issuer?.CN),
      subjectAltName: cert.subjectaltname,
      validFrom: new Date(cert.valid_from).toISOString(),
      validTo: new Date(cert.valid_to).toISOString(),
      daysToExpiry: Math.floor((Date.parse(cert.valid_to) - now) / 86_400_000),
    };
    socket.end();
    return { kind: "ok", facts };
  } catch (err) {
    return rejection(err, t);
  }
}

export type LegacyProbe =
  | { result: "refused"; detail: string }
  | { result: "accepted"; protocol: string }
  | { result: "unsupported by runtime"; detail: string }
  | { result: "unreachable"; detail: string };

/** Codes OpenSSL raises locally when it cannot even offer TLS 1.0/1.1 (nothing reached the server). */
const LOCAL_LEGACY_CODES = /NO_PROTOCOLS_AVAILABLE|NO_CIPHERS_AVAILABLE|NO_SUITABLE_SIGNATURE_ALGORITHM|ERR_SSL_INTERNAL/;

/** Pure: what a failed legacy handshake says about the server. */
export function classifyLegacyError(err: unknown): LegacyProbe {
  const code = (err as { code?: string })?.code ?? "";
  const kind = classifyError(err).kind;
  if (LOCAL_LEGACY_CODES.test(code)) return { result: "unsupported by runtime", detail: code };
  if (TRANSPORT.has(kind)) return { result: "unreachable", detail: code || kind };
  // A protocol-version alert, a handshake failure or a reset are all the server saying no.
  return { result: "refused", detail: code || kind };
}

/**
 * Offers only TLS 1.0/1.1 (`@SECLEVEL=0`, because Node's OpenSSL refuses to offer them at the
 * default level). Certificates are not verified here on purpose: no data is exchanged, the
 * question is only whether the server agrees to the protocol.
 */
export async function probeLegacyTls(t: TlsTarget): Promise<LegacyProbe> {
  try {
    const { socket } = await connect(t, { minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT:@SECLEVEL=0", rejectUnauthorized: false });
    const protocol = socket.getProtocol() ?? "TLSv1.x";
    socket.destroy();
    return { result: "accepted", protocol };
  } catch (err) {
    return classifyLegacyError(err);
  }
}

/** Pure: findings on a verified handshake (version and remaining validity). */
export function evaluateTlsFacts(f: TlsFacts, min: TlsVersion, minCertDays: number): string[] {
  const out: string[] = [];
  if (!meetsVersion(f.protocol, min)) out.push(`negotiated ${f.protocol}, below ${min}`);
  if (f.daysToExpiry < minCertDays) out.push(`certificate expires in ${f.daysToExpiry} days (< ${minCertDays})`);
  return out;
}
