// Each configured endpoint in turn: method, path, headers, JSON body, expected status and
// dotted-path JSON assertions. Every endpoint's result is reported, so one broken route does
// not hide the state of the others.
import { isDeepStrictEqual } from "node:util";
import { HttpError, classifyError, httpRequest, joinUrl } from "../http";
import type { CheckConfigOf } from "../schema";
import type { AttemptOutcome, CheckContext, CheckDefinition } from "../types";
import { preview, requireBaseUrl } from "./health";

type Endpoint = CheckConfigOf<"api">["endpoints"][number];

export interface EndpointResult {
  method: string;
  path: string;
  status: "passed" | "failed" | "error";
  httpStatus?: number;
  latencyMs?: number;
  problems: string[];
}

/** Pure: the value at a dotted path ("items.0.id"); undefined when any step is missing. */
export function valueAt(root: unknown, dotted: string): unknown {
  let node: unknown = root;
  for (const step of dotted.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return node;
}

/**
 * Pure: one problem per expectation the JSON body does not meet. `redact` masks secrets in the
 * quoted values before they are cut short (see preview).
 */
export function jsonProblems(body: string, expect: Record<string, unknown>, redact?: (s: string) => string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.replace(/^\uFEFF/, ""));
  } catch {
    return ["response is not JSON"];
  }
  return Object.entries(expect)
    .filter(([path, want]) => !isDeepStrictEqual(valueAt(parsed, path), want))
    .map(([path, want]) => {
      const got = valueAt(parsed, path);
      return `${path} expected ${preview(want, 60, redact)}, got ${got === undefined ? "nothing" : preview(got, 60, redact)}`;
    });
}

async function callEndpoint(base: string, ep: Endpoint, ctx: CheckContext): Promise<EndpointResult> {
  const result: EndpointResult = { method: ep.method, path: ep.path, status: "passed", problems: [] };
  try {
    const res = await httpRequest({ url: joinUrl(base, ep.path), method: ep.method, headers: ep.headers, body: ep.body, signal: ctx.signal });
    result.httpStatus = res.status;
    result.latencyMs = Math.round(res.timings.totalMs);
    if (res.status !== ep.expectStatus) result.problems.push(`returned ${res.status}, expected ${ep.expectStatus}`);
    // A body cut at the read cap (or one that did not decode) cannot meet an expectation.
    else if (ep.expectJson && res.bodyProblem) result.problems.push(`${res.bodyProblem}: expectJson not met`);
    else if (ep.expectJson) result.problems.push(...jsonProblems(res.body, ep.expectJson, ctx.redact));
    if (result.problems.length > 0) result.status = "failed";
  } catch (err) {
    const h: HttpError = classifyError(err, {}, ctx.signal);
    result.status = "error";
    result.problems.push(h.message);
  }
  return result;
}

/** Pure: the attempt's outcome from every endpoint's result. Any FAILED wins over ERROR. */
export function judgeEndpoints(results: EndpointResult[]): AttemptOutcome {
  const measurements = { endpoints: results, passedEndpoints: results.filter((r) => r.status === "passed").length };
  const describe = (r: EndpointResult) => `${r.method} ${r.path}: ${r.problems.join("; ")}`;
  const failed = results.filter((r) => r.status === "failed");
  const errored = results.filter((r) => r.status === "error");
  if (failed.length > 0) return { status: "failed", message: [...failed, ...errored].map(describe).join(" | "), measurements };
  if (errored.length > 0) return { status: "error", message: errored.map(describe).join(" | "), measurements };
  return { status: "passed", message: `${results.length}/${results.length} endpoints as expected`, measurements };
}

async function attempt(cfg: CheckConfigOf<"api">, ctx: CheckContext): Promise<AttemptOutcome> {
  const base = requireBaseUrl(ctx, "api");
  const results: EndpointResult[] = [];
  // In order: endpoints may depend on one another (create, then read).
  for (const ep of cfg.endpoints) {
    if (ctx.signal.aborted) {
      results.push({ method: ep.method, path: ep.path, status: "error", problems: [classifyError(undefined, {}, ctx.signal).message] });
      continue;
    }
    results.push(await callEndpoint(base, ep, ctx));
  }
  return judgeEndpoints(results);
}

export const definition: CheckDefinition<"api"> = { type: "api", attempt };
