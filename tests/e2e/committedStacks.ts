// Which committed stack files the e2e layer runs through `pulumi up`, and the only edits it makes
// to them: where checks point (the fixture's base URL, local TLS and HTTP-redirect servers, the
// local Prometheus). Every check, threshold, count, timeout and advisory flag stays as committed.
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

export const PROJECT = "agent-cellphone-v2";

/** Stacks not run here, and why. Every other Pulumi.<stack>.yaml is picked up without editing the test. */
export const SKIPPED_STACKS: Record<string, string> = {
  dev: "render mode (renderYamlToDirectory, no cluster) with no live checks: its gate is the offline posture check, run by tests/integration",
  e2e: "the e2e fixture stack itself, run by tests/e2e/stack.test.ts",
};

/** Every committed stack name (from Pulumi.<stack>.yaml at the project root). */
export function committedStacks(root: string): string[] {
  return fs.readdirSync(root).map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1]).filter((s): s is string => Boolean(s)).sort();
}

/** The `config:` of a stack file, keyed without the project prefix. */
export function stackConfig(root: string, stack: string): Record<string, any> {
  const doc = YAML.parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
  return Object.fromEntries(Object.entries(doc.config ?? {}).map(([k, v]) => [k.replace(`${PROJECT}:`, ""), v]));
}

export interface LocalTargets {
  baseUrl: string;
  /** HTTPS server standing in for the public host (test CA trusted through NODE_EXTRA_CA_CERTS). */
  tlsUrl: string;
  /** Plain-HTTP server redirecting to tlsUrl. */
  httpRedirectUrl: string;
  prometheusUrl: string;
}

/**
 * Pure: the committed verification config, re-pointed at local targets. Only URL fields change;
 * a check type with a URL this function does not know how to map is an error, so a new committed
 * check cannot silently keep pointing at the internet.
 */
export function repoint(verification: Record<string, any>, t: LocalTargets): Record<string, any> {
  const out = JSON.parse(JSON.stringify(verification));
  if (out.baseUrl) out.baseUrl = t.baseUrl;
  for (const c of out.checks ?? []) {
    switch (c.type) {
      case "security":
        c.url = t.tlsUrl;
        if (c.httpRedirectUrl) c.httpRedirectUrl = t.httpRedirectUrl;
        break;
      case "monitoring":
        c.prometheusUrl = t.prometheusUrl;
        if (c.grafanaUrl || c.metricsUrl) throw new Error(`checks.${c.name}: grafanaUrl/metricsUrl have no local stand-in yet`);
        break;
      case "database":
      case "external":
        throw new Error(`checks.${c.name} (${c.type}): no local stand-in mapped yet; add one to repoint()`);
      default:
        break;
    }
  }
  return out;
}

/** What the committed config says must happen when p95 is over the performance thresholds. */
export function slowBlocks(verification: Record<string, any>): boolean {
  return (verification.checks ?? []).some((c: any) => c.type === "performance" && !c.advisory && c.thresholds?.p95Ms !== undefined);
}

/** The p95 threshold the slow fixture must exceed (the largest of the committed ones). */
export function maxP95(verification: Record<string, any>): number {
  return Math.max(0, ...(verification.checks ?? []).filter((c: any) => c.type === "performance").map((c: any) => c.thresholds?.p95Ms ?? 0));
}
