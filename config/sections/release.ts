// `agent-cellphone-v2:release`: how a new version reaches users. `rolling` (the default) is the
// Deployment's own rolling update, exactly as before this section existed. `canary` and
// `blueGreen` hand the Deployment's pods to an Argo Rollout (components/progressiveRelease.ts)
// whose every pause waits for a promotion: nothing in the cluster promotes on its own.
// For canary the gate drives the promotion step by step (components/gate/canary.ts); blueGreen
// is declared but not yet promoted by the gate (README "Release strategies").
import { z } from "zod";
import { httpUrl } from "../../verification/schema";
import { dnsLabel } from "./common";

/** Check types that judge the Deployment: under a Rollout they are not run at a step (the gate waits for the Rollout instead). */
export const DEPLOYMENT_CHECK_TYPES: ReadonlySet<string> = new Set(["rollout", "rollback"]);

export const BLUE_GREEN_DEFAULT_PAUSE_SECONDS = 30;

export const RELEASE_STRATEGIES = ["rolling", "canary", "blueGreen"] as const;
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];

const int = (min: number, max: number) =>
  z.number().int("must be an integer").min(min, `must be >= ${min}`).max(max, `must be <= ${max}`);

export const canaryStepSchema = z
  .object({
    /** Share of traffic (percent) the new version receives at this step: 1..100. */
    setWeight: int(1, 100),
    /** How long the gate watches this step before promoting to the next. Default 60. */
    pauseSeconds: int(1, 3600).default(60),
  })
  .strict();
export type CanaryStep = z.output<typeof canaryStepSchema>;

/** Weights strictly increase (100, if listed, is therefore last); the final 100 is implied. */
function stepOrderIssues(steps: Array<{ setWeight: number }>, ctx: z.RefinementCtx): void {
  steps.forEach((s, i) => {
    const prev = steps[i - 1];
    if (prev && s.setWeight <= prev.setWeight) {
      ctx.addIssue({ code: "custom", path: [i, "setWeight"], message: `must be greater than the previous step's (${s.setWeight} <= ${prev.setWeight}): weights strictly increase` });
    }
  });
}

export const DEFAULT_CANARY_STEPS: CanaryStep[] = [
  { setWeight: 10, pauseSeconds: 60 },
  { setWeight: 50, pauseSeconds: 60 },
];

export const releaseSchema = z
  .object({
    /** rolling | canary | blueGreen. Default "rolling" (the Deployment's own rolling update). */
    strategy: z.enum(RELEASE_STRATEGIES).default("rolling"),
    /** Seconds between two measurements of an analysis. Default 30. */
    analysisIntervalSeconds: int(10, 600).default(30),
    /** Failed measurements an analysis tolerates before it fails. Default 1. */
    failureLimit: int(0, 10).default(1),
    canary: z
      .object({
        /** Traffic steps; a final step at 100 is implied. Default 10% then 50%, 60 s each. */
        steps: z
          .array(canaryStepSchema)
          .min(1, "must list at least one step")
          .max(10, "must list at most 10 steps")
          .superRefine(stepOrderIssues)
          .default(DEFAULT_CANARY_STEPS),
        /** Requests carrying this header (exact value) always reach the canary. Default: none. */
        headerRoute: z
          .object({
            /** Lowercase HTTP header name. */
            name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be a lowercase HTTP header name (letters, digits, '-')"),
            /** Exact value to match. */
            value: z.string().min(1, "must not be empty").max(128, "must be at most 128 characters"),
          })
          .strict()
          .optional(),
        /**
         * Where the gate sends the checks it runs at each step: a URL that reaches only the new
         * version (the canary Service "<app.name>-canary" through an in-cluster or forwarded
         * address, or a host routed there). Default: the verification baseUrl, which serves the
         * weighted mix of both versions.
         */
        verifyBaseUrl: httpUrl.optional(),
      })
      .strict()
      .optional(),
    blueGreen: z
      .object({
        /** Service that reaches the new version before promotion. Default "<app.name>-preview". */
        previewService: dnsLabel.optional(),
        /** How long the gate watches the preview (its checks run meanwhile) before the switch. Default 30. */
        pauseSeconds: int(1, 3600).optional(),
        /** Where the gate's checks reach the preview (the preview Service, in-cluster or forwarded). Default: the verification baseUrl (the active version!). */
        verifyBaseUrl: httpUrl.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ReleaseConfig = z.output<typeof releaseSchema>;

/** The canary steps in effect (the defaults when the section names none). */
export function canaryStepsOf(r: Pick<ReleaseConfig, "canary">): CanaryStep[] {
  return r.canary?.steps ?? DEFAULT_CANARY_STEPS;
}
