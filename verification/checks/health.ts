// GET the health endpoint once per attempt. Beyond the status code, a JSON body that reports its
// own status must say "ok": some apps answer 200 with {"status":"degraded"} while draining.
import { errorOutcome, httpRequest, joinUrl } from "../http";
import type { CheckConfigOf } from "../schema";
import type { AttemptOutcome, CheckContext, CheckDefinition } from "../types";

/** Quoted and cut short: response text in a message is evidence, not a dump. */
export function preview(value: unknown, max = 60): string {
  const cut = (s: string) => (s.length > max ? `${s.slice(0, max)}…` : s);
  if (typeof value === "string") return JSON.stringify(cut(value));
  return cut(JSON.stringify(value) ?? String(value));
}

/** Pure: the JSON `status` field of a body, if the body is a JSON object that has one. */
export function reportedStatus(body: string): unknown {
  try {
    const parsed: unknown = JSON.parse(body);
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
  if (cfg.expectBody !== undefined && !res.body.includes(cfg.expectBody)) {
    return { status: "failed", message: `${label} ${res.status} but the body does not contain ${preview(cfg.expectBody)}`, measurements };
  }
  const reported = reportedStatus(res.body);
  if (reported !== undefined && res.status < 400 && reported !== "ok") {
    return { status: "failed", message: `${label} ${res.status} but the body reports status ${preview(reported)}`, measurements };
  }
  return { status: "passed", message: `${label} ${res.status}`, measurements };
}

export const definition: CheckDefinition<"health"> = { type: "health", attempt };
