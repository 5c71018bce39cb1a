// The gate's offline check: in render mode there is no cluster to ask, so the manifests the
// Kubernetes provider wrote are judged by the same posture rules as the policy pack.
import { readdirSync, readFileSync, statSync } from "fs";
import { join } from "path";
import YAML from "yaml";
import { postureViolations, type Environment, type Manifest } from "../../policy/posture";
import { stackPostureViolations } from "../../policy/postureStack";
import type { CheckResult } from "../../verification/types";

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry) ? [full] : [];
  });
}

export function environmentOf(stack: string): Environment {
  return stack === "production" || stack === "staging" ? stack : "dev";
}

/** Reads every YAML document under `dir` (the provider's renderYamlToDirectory). */
export function readManifests(dir: string): Manifest[] {
  return yamlFiles(dir).flatMap((file) =>
    YAML.parseAllDocuments(readFileSync(file, "utf8"))
      .map((doc) => doc.toJS() as Manifest)
      .filter((m) => m && typeof m === "object" && m.kind),
  );
}

export async function manifestPostureResult(dir: string, stack: string): Promise<CheckResult> {
  const started = Date.now();
  const base = { name: "manifest-posture", type: "security" as const, blocking: true };
  let manifests: Manifest[];
  try {
    manifests = readManifests(dir);
  } catch (e) {
    return { ...base, status: "error", durationMs: Date.now() - started, message: `cannot read rendered manifests in ${dir}: ${(e as Error).message}`, measurements: {} };
  }
  if (manifests.length === 0) {
    // No data is never a pass.
    return { ...base, status: "inconclusive", durationMs: Date.now() - started, message: `no manifests found in ${dir}`, measurements: { manifests: 0 } };
  }
  const environment = environmentOf(stack);
  const violations = [
    ...manifests.flatMap((m) => postureViolations(m, { environment })),
    ...stackPostureViolations(manifests, { environment }),
  ];
  return {
    ...base,
    status: violations.length === 0 ? "passed" : "failed",
    durationMs: Date.now() - started,
    message: violations.length === 0
      ? `${manifests.length} rendered manifests meet the ${environment} posture rules`
      : `${violations.length} posture violation(s): ${violations.slice(0, 5).join("; ")}${violations.length > 5 ? "; …" : ""}`,
    measurements: { manifests: manifests.length, violations },
  };
}
