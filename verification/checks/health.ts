// GET the health endpoint once per attempt. Beyond the status code, a JSON body that reports its
// own status must say "ok": some apps answer 200 with {"status":"degraded"} while draining. A body
// the check cannot read (past the read cap, undecodable, binary, or declared JSON that is not a
// JSON object) is FAILED, never skipped: otherwise a hidden "degraded" would pass.
import { errorOutcome, httpRequest, joinUrl, type HttpResponse } from "../http";
import { declaresJson, notTextReason } from "../httpBody";
import type { CheckConfigOf } from "../schema";
import type { AttemptOutcome, CheckContext, CheckDefinition } from "../types";

/**
 * Quoted and cut short: response text in a message is evidence, not a dump. `redact` runs on the
 * whole text BEFORE the cut: masking after it would miss a secret whose tail was cut off and
 * leave its prefix in the report.
 */
export function preview(value: unknown, max = 60, redact: (s: string) => string = (s) => s): string {
  const cut = (s: string) => (s.length > max ? `${s.slice(0, max)}…` : s);
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  const masked = redact(text);
  if (typeof value !== "string" || masked.length <= max + 2) return cut(masked);
  return `${cut(masked.slice(0, -1))}"`;
}

/** Pure: the JSON `status` field of a body, if the body is a JSON object that has one. */
export function reportedStatus(body: string): unknown {
  try {
    const parsed: unknown = JSON.parse(body.replace(/^\uFEFF/, ""));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed) && "status" in parsed) return (parsed as { status: unknown }).status;
  } catch {
    // not JSON: only the status code and expectBody apply
  }
  return undefined;
}

export function requireBaseUrl(ctx: CheckContext, type: string): string {
  if (!ctx.baseUrl) throw new Error(`baseUrl is required by ${type} checks`);
  return ctx.baseUrl;
}

/** Pure: why the body of a response with the expected status does not say healthy, or undefined. */
export function bodyProblem(res: Pick<HttpResponse, "body" | "bodyBytes" | "bodyProblem" | "headers">): string | undefined {
  if (res.bodyProblem) return res.bodyProblem;
  const notText = notTextReason(res.bodyBytes);
  if (notText) return notText;
  if (declaresJson(res.headers["content-type"])) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      return "body is declared application/json but is not valid JSON";
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return "body is declared application/json but is not a JSON object";
  }
  return undefined;
}

async function attempt(cfg: CheckConfigOf<"health">, ctx: CheckContext): Promise<AttemptOutcome> {
  const label = `GET ${cfg.path}`;
  let res;
  try {
    res = await httpRequest({ url: joinUrl(requireBaseUrl(ctx, "health"), cfg.path), signal: ctx.signal });
  } catch (err) {
    return errorOutcome(err, label);
  }
  const measurements = { httpStatus: res.status, latencyMs: Math.round(res.timings.totalMs) };
  if (res.status !== cfg.expectStatus) {
    return { status: "failed", message: `${label} returned ${res.status}, expected ${cfg.expectStatus}`, measurements };
  }
  const unreadable = bodyProblem(res);
  if (unreadable) return { status: "failed", message: `${label} ${res.status} but the ${unreadable}`, measurements };
  if (cfg.expectBody !== undefined && !res.body.includes(cfg.expectBody)) {
    return { status: "failed", message: `${label} ${res.status} but the body does not contain ${preview(cfg.expectBody, 60, ctx.redact)}`, measurements };
  }
  const reported = reportedStatus(res.body);
  if (reported !== undefined && res.status < 400 && reported !== "ok") {
    return { status: "failed", message: `${label} ${res.status} but the body reports status ${preview(reported, 60, ctx.redact)}`, measurements };
  }
  return { status: "passed", message: `${label} ${res.status}`, measurements };
}

export const definition: CheckDefinition<"health"> = { type: "health", attempt };
