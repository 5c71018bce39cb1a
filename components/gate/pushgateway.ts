// Deployment metrics the original design asked for, pushed to a Prometheus Pushgateway after
// every verification. A push replaces the group's values, so deployments_total is read back
// from the gateway and incremented: it keeps counting across runs and processes.
import type { SuiteReport } from "../../verification/types";

const JOB = "acv2-deployments";

/** Current value of deployments_total{status} in our group, 0 when absent. */
export function readCounter(exposition: string, stack: string, status: string): number {
  for (const line of exposition.split("\n")) {
    if (!line.startsWith("deployments_total{")) continue;
    const labels = line.slice(line.indexOf("{") + 1, line.indexOf("}"));
    if (labels.includes(`job="${JOB}"`) && labels.includes(`stack="${stack}"`) && labels.includes(`status="${status}"`)) {
      const value = Number(line.slice(line.indexOf("}") + 1).trim().split(/\s+/)[0]);
      if (Number.isFinite(value)) return value;
    }
  }
  return 0;
}

/**
 * Pure: the URL without userinfo, and the userinfo as a Basic Authorization header. fetch refuses
 * URLs with credentials and quotes the whole URL, password included, in its error.
 */
export function splitCredentials(url: string): { base: string; headers: Record<string, string> } {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  if (u.username || u.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
    u.username = "";
    u.password = "";
  }
  return { base: u.toString().replace(/\/+$/, ""), headers };
}

export async function pushDeploymentMetrics(url: string, stack: string, report: SuiteReport): Promise<string> {
  const client = await import("prom-client");
  const { base, headers } = splitCredentials(url);
  const current = await fetch(`${base}/metrics`, { headers, signal: AbortSignal.timeout(5000) }).then((r) => (r.ok ? r.text() : ""));
  const registry = new client.Registry();
  const status = report.status === "passed" ? "passed" : "failed";
  const deployments = new client.Gauge({ name: "deployments_total", help: "Deployments verified, by verdict", labelNames: ["status"], registers: [registry] });
  for (const s of ["passed", "failed"]) deployments.set({ status: s }, readCounter(current, stack, s) + (s === status ? 1 : 0));
  new client.Gauge({ name: "deployment_verification_duration_seconds", help: "Wall time of the last verification suite", registers: [registry] }).set(report.durationMs / 1000);
  const perCheck = new client.Gauge({ name: "deployment_verification_check_passed", help: "1 when the check passed in the last verification", labelNames: ["check", "type", "status"], registers: [registry] });
  for (const c of report.checks) perCheck.set({ check: c.name, type: c.type, status: c.status }, c.status === "passed" ? 1 : 0);
  const gateway = new client.Pushgateway(base, { timeout: 5000, headers }, registry);
  await gateway.push({ jobName: JOB, groupings: { stack } });
  return `pushed ${report.checks.length} check result(s) for ${stack}`;
}
