// Security posture of the public endpoint, measured with real handshakes and requests:
//   1. verifying TLS handshake (system CAs + caFile): version >= minTlsVersion, chain, SAN,
//      dates, days to expiry >= minCertDays. A bad certificate is FAILED with its specific
//      reason and nothing is ever retried without verification (fault 4).
//   2. legacy probe offering only TLS 1.0/1.1: accepted -> FAILED (fault 5). If this runtime
//      cannot even offer them, `legacyProbe: "unsupported by runtime"`, counted neither way.
//   3. HTTPS GET over a verified connection: requiredHeaders present, no Server / X-Powered-By
//      / x-envoy-* leakage (names only in messages, never values).
//   4. httpRedirectUrl (if set): must answer 301/302/307/308 to an https:// Location on the host
//      of httpRedirectUrl or of url (never followed: only the Location is judged).
//   5. namespace + deployment (if set): live pod posture through the Kubernetes API. A posture
//      that could not be evaluated (no kubeconfig, 401/403, 404, API unreachable) is not a pass:
//      nothing measured is not a pass (issue 10.8).
// Verdict: any finding -> FAILED (all listed); else the endpoint could not be reached, or the
// configured pod posture could not be evaluated -> ERROR; else PASSED.
import * as fs from "node:fs";
import * as tls from "node:tls";
import { errorOutcome, HttpError, httpRequest } from "../http";
import { classifyKubeError, k8sClient, kubeAccess, readDeployment, type KubeAccess } from "../k8s";
import { livePosture } from "../k8sPosture";
import { evaluateTlsFacts, probeLegacyTls, verifyingHandshake, type TlsTarget } from "../tls";
import { headerProblems, inspectHeaders, redirectProblem } from "../tlsHeaders";
import type { CheckConfigOf } from "../schema";
import type { AttemptOutcome, CheckContext, CheckDefinition } from "../types";

type Config = CheckConfigOf<"security">;

async function headersPart(config: Config, ctx: CheckContext, extraCa: string | undefined, m: Record<string, unknown>): Promise<string[]> {
  try {
    const res = await httpRequest({
      url: config.url,
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      // httpRequest verifies always; the bundle keeps the system CAs next to the extra one.
      tls: extraCa ? { ca: [...tls.rootCertificates, extraCa].join("\n") } : undefined,
      maxBodyBytes: 64 * 1024,
    });
    const f = inspectHeaders(res.headers, config.requiredHeaders);
    m.httpStatus = res.status;
    m.headers = f.present;
    m.missingHeaders = f.missing;
    m.leakedHeaders = f.leaked;
    if (f.hstsMaxAge !== undefined) m.hstsMaxAge = f.hstsMaxAge;
    return headerProblems(f);
  } catch (err) {
    const h = err instanceof HttpError ? err : undefined;
    m.headers = `not checked: ${h?.message ?? "request failed"}`;
    if (h?.kind === "tls") return [`headers request failed TLS verification (${h.message})`];
    throw err;
  }
}

async function redirectPart(url: string, httpsUrl: string, ctx: CheckContext, m: Record<string, unknown>): Promise<string[]> {
  const res = await httpRequest({ url, signal: ctx.signal, timeoutMs: ctx.timeoutMs, maxBodyBytes: 16 * 1024 });
  const location = typeof res.headers.location === "string" ? res.headers.location : undefined;
  m.redirect = { status: res.status, toHttps: location ? /^https:\/\//i.test(location) : false };
  const p = redirectProblem(res.status, location, [new URL(url).hostname, new URL(httpsUrl).hostname]);
  return p ? [p] : [];
}

/** Findings of the posture part, or why it could not be evaluated (then the check cannot pass). */
async function posturePart(config: Config, ctx: CheckContext, m: Record<string, unknown>): Promise<{ problems: string[]; notEvaluated?: string }> {
  if (!config.namespace || !config.deployment) return { problems: [] };
  const what = `deployment ${config.namespace}/${config.deployment}`;
  let access: KubeAccess;
  try {
    access = kubeAccess({ kubeconfig: config.kubeconfig });
  } catch (err) {
    m.posture = `not checked: ${(err as Error).message}`;
    return { problems: [], notEvaluated: (err as Error).message };
  }
  try {
    const d = await readDeployment(access, config.namespace, config.deployment, ctx.signal);
    const p = livePosture(d);
    m.posture = { rules: p.rules, violations: p.violations };
    return { problems: p.violations.map((v) => `pod posture: ${v}`) };
  } catch (err) {
    const reason = classifyKubeError(err, what, access.server, ctx.signal).message;
    m.posture = `not checked: ${reason}`;
    return { problems: [], notEvaluated: reason };
  }
}

export const definition: CheckDefinition<"security"> = {
  type: "security",
  // The Kubernetes client only when some check's pod posture part will read the API.
  prepare: (configs) => void (configs.some((c) => c.namespace && c.deployment) ? k8sClient() : undefined),
  async attempt(config, ctx): Promise<AttemptOutcome> {
    const u = new URL(config.url);
    const host = u.hostname.replace(/^\[|\]$/g, "");
    const port = Number(u.port || 443);
    let extraCa: string | undefined;
    if (config.caFile) {
      try {
        extraCa = fs.readFileSync(config.caFile, "utf8");
      } catch (err) {
        return { status: "error", message: `caFile could not be read (${(err as NodeJS.ErrnoException).code ?? "error"})` };
      }
    }
    const target: TlsTarget = { host, port, extraCa, timeoutMs: ctx.timeoutMs, signal: ctx.signal };
    const m: Record<string, unknown> = { host, port };
    const problems: string[] = [];

    const hs = await verifyingHandshake(target);
    if (hs.kind === "unreachable") return errorOutcome(hs.error, "TLS handshake", m);
    if (hs.kind === "rejected") {
      m.tls = { error: hs.code };
      problems.push(hs.reason);
    } else {
      m.tls = hs.facts;
      problems.push(...evaluateTlsFacts(hs.facts, config.minTlsVersion, config.minCertDays));
    }

    const legacy = await probeLegacyTls(target);
    m.legacyProbe = legacy.result === "accepted" ? `accepted ${legacy.protocol}` : legacy.result;
    if (legacy.result === "accepted") problems.push(`server accepts ${legacy.protocol === "TLSv1" ? "TLS 1.0" : "TLS 1.1"}`);

    try {
      // Only over a connection that verified: a certificate finding is never worked around.
      if (hs.kind === "ok") problems.push(...(await headersPart(config, ctx, extraCa, m)));
      else m.headers = "not checked: certificate not trusted";
      if (config.httpRedirectUrl) problems.push(...(await redirectPart(config.httpRedirectUrl, config.url, ctx, m)));
    } catch (err) {
      if (problems.length === 0) return errorOutcome(err, "security request", m);
      m.requestError = err instanceof HttpError ? err.message : "request failed";
    }
    const posture = await posturePart(config, ctx, m);
    problems.push(...posture.problems);

    if (problems.length > 0) return { status: "failed", message: problems.join("; "), measurements: m };
    const f = hs.kind === "ok" ? hs.facts : undefined;
    const extras = [config.httpRedirectUrl ? "HTTP redirects to HTTPS" : "", typeof m.posture === "object" ? "pod posture ok" : ""].filter(Boolean);
    const measured = [`${f?.protocol}, certificate valid ${f?.daysToExpiry} more days`, `TLS 1.0/1.1 ${legacy.result}`, "required headers present, nothing leaked", ...extras].join(", ");
    if (posture.notEvaluated !== undefined) {
      return { status: "error", message: `pod posture could not be evaluated: ${posture.notEvaluated} (endpoint: ${measured})`, measurements: m };
    }
    return { status: "passed", message: measured, measurements: m };
  },
};
