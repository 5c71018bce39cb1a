// Pod-spec posture of the live Deployment, for the security check. The rules belong to
// policy/posture.ts (shared with the CrossGuard pack, the gate's offline check and the manifest
// tests); this file only adapts a Deployment read from the API to them.
import type { V1Deployment } from "@kubernetes/client-node";
import { postureViolations } from "../policy/posture";

export interface PostureResult {
  rules: "policy/posture";
  violations: string[];
}

/** Posture violations of a live Deployment. */
export function livePosture(d: V1Deployment): PostureResult {
  // Plain JSON, as a rendered manifest would be: the rules must not see client classes.
  const manifest = { apiVersion: "apps/v1", kind: "Deployment", ...JSON.parse(JSON.stringify(d)) };
  return { rules: "policy/posture", violations: postureViolations(manifest, {}) };
}
