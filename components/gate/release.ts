// Pure release decisions of the gate: which release this run verifies, whether it is the stack's
// first, whether a failure may touch the workload, and whether an image that already failed
// verification here may be verified again. The record these read lives in the gate's outputs
// (stored on a pass and, through a partial-failure state, on a failure too).

/** The last release that passed verification on this stack. */
export interface VerifiedRelease {
  imageRef: string;
  /** `pod-template-hash` label of the ReplicaSet that served it; absent in render mode. */
  podTemplateHash?: string;
  /** The Deployment revision it had when verified (informational: revisions move on rollback). */
  revision?: number;
  verifiedAt: string;
}

/** What the gate remembers between runs, pass or fail (see impl.ts). */
export interface ReleaseRecord {
  verdict?: "passed" | "failed";
  imageRef?: string;
  specHash?: string;
  verifiedRelease?: VerifiedRelease;
  /** Images whose verification as a new release failed on this stack (newest last). */
  failedImages?: string[];
  /** The last failing run rolled the workload back (so its image no longer runs). */
  rolledBack?: boolean;
}

/** Environment variable that allows verifying an image that failed here before. */
export const REDEPLOY_ENV = "ACV2_REDEPLOY_FAILED_IMAGE";
/** Config key with the same effect (kept in the stack file until removed). */
export const REDEPLOY_KEY = "verification.redeployFailedImage";
/** At most this many failed images are remembered. */
export const FAILED_IMAGES_KEPT = 20;

/**
 * A new release is one whose image or Deployment spec differs from the last run's (pass or
 * fail). A config-only change, `alwaysRun`, a serving-object change, or a re-run after a failure
 * re-checks the same release: its failure must not touch the workload.
 */
export function isNewRelease(olds: ReleaseRecord | undefined, news: { imageRef: string; specHash: string }): boolean {
  if (!olds || olds.imageRef === undefined) return true;
  return olds.imageRef !== news.imageRef || olds.specHash !== news.specHash;
}

/** First release: nothing has ever passed verification on this stack. */
export function isFirstRelease(olds: ReleaseRecord | undefined): boolean {
  return !olds?.verifiedRelease;
}

/** The opt-in: the env var set to 1/true or to the exact image, or the config key true. */
export function redeployOptIn(imageRef: string, configFlag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[REDEPLOY_ENV]?.trim();
  return configFlag === true || v === "1" || v === "true" || v === imageRef;
}

/**
 * Refusal to verify an image that failed verification on this stack, unless opted in. A re-run
 * over the same failed image that still runs (the last run failed without a rollback) is a
 * re-check and needs no opt-in; coming back to it, or running it again after the gate rolled it
 * back (e.g. `pulumi up --refresh` re-applies it), is a redeploy and does.
 */
export function failedImageRefusal(olds: ReleaseRecord | undefined, imageRef: string, optIn: boolean): string | undefined {
  if (optIn || !(olds?.failedImages ?? []).includes(imageRef)) return undefined;
  const recheck = olds?.imageRef === imageRef && !olds?.rolledBack;
  if (recheck) return undefined;
  const last = olds?.verifiedRelease ? `the last verified release is ${olds.verifiedRelease.imageRef}` : "no release has passed verification on this stack yet";
  return [
    `image ${imageRef} failed verification on this stack before${olds?.rolledBack && olds.imageRef === imageRef ? " and was rolled back" : ""}; it is not verified again without an explicit opt-in (${last}).`,
    `To proceed: revert the image in the stack config to a verified one, or, once the cause is fixed, opt in for one run with ${REDEPLOY_ENV}=1 pulumi up (or set ${REDEPLOY_KEY}: true).`,
  ].join("\n");
}

/** Whether a failing run may roll the workload back, and why (said in the error either way). */
export function rollbackDecision(args: {
  onFailure: "fail" | "rollback";
  newRelease: boolean;
  verified?: VerifiedRelease;
}): { rollback: boolean; reason: string } {
  if (args.onFailure !== "rollback") return { rollback: false, reason: "onFailure is fail: the workload was left as is" };
  if (!args.newRelease) {
    return { rollback: false, reason: "not rolled back: this run re-checked the release already deployed (no new image or Deployment spec); the workload was left as is" };
  }
  if (!args.verified) {
    return { rollback: false, reason: "not rolled back: no release has passed verification on this stack yet, so there is nothing verified to return to; the workload was left as is" };
  }
  return { rollback: true, reason: `rolling back to the last verified release ${args.verified.imageRef}` };
}

/** The failed-image list after a run: a failed new release joins it, a passing image leaves it. */
export function nextFailedImages(previous: string[] | undefined, imageRef: string, outcome: "passed" | "failed", newRelease: boolean): string[] {
  const rest = (previous ?? []).filter((i) => i !== imageRef);
  if (outcome === "passed") return rest;
  const wasFailed = (previous ?? []).includes(imageRef);
  return newRelease || wasFailed ? [...rest, imageRef].slice(-FAILED_IMAGES_KEPT) : rest;
}

/** What the rollout check tells the user when the live pod template runs another image. */
export function imageMismatchHint(olds: ReleaseRecord | undefined, expected: string): string {
  const verified = olds?.verifiedRelease?.imageRef;
  const steps = [
    verified ? `revert the image in the stack config to ${verified} and run pulumi up` : "revert the image in the stack config to the one that runs and run pulumi up",
    `or run pulumi up --refresh to re-apply ${expected}`,
  ];
  if ((olds?.failedImages ?? []).includes(expected)) steps.push(`(it failed verification here before: that also needs ${REDEPLOY_ENV}=1 or ${REDEPLOY_KEY}: true)`);
  return `the Deployment was changed outside this update (e.g. rolled back by the gate). To proceed: ${steps.join(", ")}`;
}
