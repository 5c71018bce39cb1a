// Pure judgements on an HTTPS response's headers and on the plain-HTTP redirect, for the
// security check. Only header *names* ever reach a message: values can carry tokens or cookies.
import type { IncomingHttpHeaders } from "node:http";

/** Headers that advertise the stack behind the service; the mesh or app must strip them. */
export const LEAKY_HEADER_NAMES = ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"];
export const LEAKY_HEADER_PREFIXES = ["x-envoy-"];
/** Reported for information; required only when listed in `requiredHeaders`. */
export const INFO_HEADERS = ["strict-transport-security", "x-content-type-options", "x-frame-options", "content-security-policy"];

export interface HeaderFindings {
  missing: string[];
  leaked: string[];
  present: Record<string, boolean>;
  /** HSTS max-age in seconds when present and parseable. */
  hstsMaxAge?: number;
}

/** Pure: required headers missing (case-insensitive), leaking headers present (sorted). */
export function inspectHeaders(headers: IncomingHttpHeaders, required: readonly string[]): HeaderFindings {
  const names = Object.keys(headers).map((h) => h.toLowerCase());
  const has = (h: string) => names.includes(h.toLowerCase());
  const missing = required.filter((h) => !has(h)).map((h) => h.toLowerCase());
  const leaked = names
    .filter((n) => LEAKY_HEADER_NAMES.includes(n) || LEAKY_HEADER_PREFIXES.some((p) => n.startsWith(p)))
    .sort();
  const present = Object.fromEntries(INFO_HEADERS.map((h) => [h, has(h)]));
  const hstsKey = Object.keys(headers).find((h) => h.toLowerCase() === "strict-transport-security");
  const hsts = hstsKey ? headers[hstsKey] : undefined;
  const m = typeof hsts === "string" ? /max-age\s*=\s*"?(\d+)/i.exec(hsts) : null;
  return { missing, leaked, present, hstsMaxAge: m ? Number(m[1]) : undefined };
}

/** Pure: findings for the header part, phrased with names only. */
export function headerProblems(f: HeaderFindings): string[] {
  const out: string[] = [];
  if (f.missing.length) out.push(`missing headers: ${f.missing.join(", ")}`);
  if (f.leaked.length) out.push(`leaking headers: ${f.leaked.join(", ")}`);
  if (f.hstsMaxAge === 0) out.push("strict-transport-security has max-age=0");
  return out;
}

export const REDIRECT_STATUSES = [301, 302, 307, 308];

/**
 * Pure: does a plain-HTTP answer redirect to HTTPS *on the same host*? Returns a problem phrase,
 * or undefined when it does. `hosts` are the acceptable targets: the host the plain request went
 * to and the host of the HTTPS endpoint under check. A redirect elsewhere (another host, or a
 * look-alike such as `host.evil.example`) is an open redirect, not an upgrade. Only host names
 * reach the message, never the whole Location (it may carry tokens).
 */
export function redirectProblem(status: number, location: string | undefined, hosts?: readonly string[]): string | undefined {
  if (!REDIRECT_STATUSES.includes(status)) return `plain HTTP answered ${status}, not a redirect to https`;
  if (!location) return `plain HTTP answered ${status} without a Location`;
  if (!/^https:\/\//i.test(location)) return `plain HTTP redirects to a non-https location`;
  if (hosts === undefined) return undefined;
  let to: string;
  try {
    to = new URL(location).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return "plain HTTP redirects to an unparseable https location";
  }
  const allowed = hosts.map((h) => h.replace(/^\[|\]$/g, "").toLowerCase());
  if (!allowed.includes(to)) return `plain HTTP redirects to https on another host (${to.slice(0, 80)}, expected ${[...new Set(allowed)].join(" or ")})`;
  return undefined;
}
