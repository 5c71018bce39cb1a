// Pod-spec posture of the live Deployment, for the security check. The rules belong to
// policy/posture.ts (`postureViolations(manifest, opts)`, shared with the CrossGuard pack and the
// manifest tests); this file only adapts a Deployment read from the API to it.
// ADAPTER: until policy/posture.ts lands, a minimal built-in subset of the DESIGN.md posture
// is used and the result says so (`rules: "builtin-subset"`). Remove the fallback once it exists.
import type { V1Deployment } from "@kubernetes/client-node";

export interface PostureResult {
  rules: "policy/posture" | "builtin-subset";
  violations: string[];
}

type PostureFn = (manifest: unknown, opts?: unknown) => unknown;

function sharedRules(): PostureFn | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require("../policy/posture") as { postureViolations?: PostureFn };
    return typeof mod.postureViolations === "function" ? mod.postureViolations : undefined;
  } catch {
    return undefined;
  }
}

/** Whatever shape the shared rules return (strings or { rule, message }), as strings. */
function asStrings(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.map((x) => (typeof x === "string" ? x : String((x as { message?: unknown; rule?: unknown })?.message ?? (x as { rule?: unknown })?.rule ?? JSON.stringify(x))));
}

/** Pure: the built-in subset, judged on the pod template alone. */
export function builtinPostureViolations(d: V1Deployment): string[] {
  const pod = d.spec?.template?.spec;
  if (!pod) return ["deployment has no pod template"];
  const out: string[] = [];
  const psc = pod.securityContext ?? {};
  if (pod.hostNetwork) out.push("hostNetwork is true");
  if (pod.hostPID) out.push("hostPID is true");
  if (pod.hostIPC) out.push("hostIPC is true");
  if ((pod.volumes ?? []).some((v) => v.hostPath)) out.push("a hostPath volume is mounted");
  if (pod.automountServiceAccountToken !== false) out.push("automountServiceAccountToken is not false");
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const sc = c.securityContext ?? {};
    const who = `container ${c.name}`;
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) out.push(`${who}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) out.push(`${who}: runs as UID 0`);
    if (sc.privileged) out.push(`${who}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${who}: allowPrivilegeEscalation is not false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) out.push(`${who}: capabilities do not drop ALL`);
    if ((sc.seccompProfile ?? psc.seccompProfile)?.type !== "RuntimeDefault") out.push(`${who}: seccomp profile is not RuntimeDefault`);
    if (sc.readOnlyRootFilesystem !== true) out.push(`${who}: root filesystem is writable`);
    const r = c.resources ?? {};
    if (!r.requests?.cpu || !r.requests?.memory || !r.limits?.cpu || !r.limits?.memory) out.push(`${who}: missing CPU/memory requests or limits`);
  }
  for (const c of pod.containers) {
    if (!c.livenessProbe || !c.readinessProbe || !c.startupProbe) out.push(`container ${c.name}: missing liveness, readiness or startup probe`);
  }
  return out;
}

/** Posture violations of a live Deployment, through the shared rules when available. */
export function livePosture(d: V1Deployment): PostureResult {
  const shared = sharedRules();
  // Plain JSON, as a rendered manifest would be: the shared rules must not see client classes.
  const manifest = { apiVersion: "apps/v1", kind: "Deployment", ...JSON.parse(JSON.stringify(d)) };
  if (shared) return { rules: "policy/posture", violations: asStrings(shared(manifest, {})) };
  return { rules: "builtin-subset", violations: builtinPostureViolations(d) };
}
