// `agent-cellphone-v2:release`: how a new version reaches users. `rolling` (the default) is the
// Deployment's own rolling update, exactly as before this section existed. `canary`, `blueGreen`
// and `abTest` hand the Deployment's pods to an Argo Rollout (components/progressiveRelease.ts)
// whose every pause waits for a promotion: nothing in the cluster promotes on its own. The gate
// drives each promotion (components/gate/canary.ts; README "Release strategies").
import { z } from "zod";
import { httpUrl } from "../../verification/schema";
import { dnsLabel } from "./common";

/** Check types that judge the Deployment: under a Rollout they are not run at a step (the gate waits for the Rollout instead). */
export const DEPLOYMENT_CHECK_TYPES: ReadonlySet<string> = new Set(["rollout", "rollback"]);

export const BLUE_GREEN_DEFAULT_PAUSE_SECONDS = 30;

export const RELEASE_STRATEGIES = ["rolling", "canary", "blueGreen", "abTest"] as const;
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

const headerName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be a lowercase HTTP header name (letters, digits, '-')");
const matchValue = z.string().min(1, "must not be empty").max(128, "must be at most 128 characters");

export const AB_DEFAULT_INTERVALS = 3;

/** The A/B cohort: requests carrying this header value, or this cookie, reach the candidate. */
export const cohortSchema = z
  .object({
    header: z.object({ name: headerName, value: matchValue }).strict().optional(),
    cookie: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "must be a cookie name (RFC 6265 token characters)"),
        value: z.string().regex(/^[A-Za-z0-9!#$%&'()*+\-./:<=>?@[\]^_`{|}~]{1,128}$/, "must be a cookie value (RFC 6265 characters, no ';', ',', space or quote)"),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.header ? 1 : 0) + (c.cookie ? 1 : 0) !== 1) ctx.addIssue({ code: "custom", message: "must name exactly one of header or cookie" });
  });
export type Cohort = z.output<typeof cohortSchema>;

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
    /**
     * Where the gate queries Prometheus for the metric analysis at each step (the monitoring
     * stack's Prometheus, through an address the gate reaches). Default: the monitoring check's
     * prometheusUrl. With neither, the steps run no metric analysis (preview says so).
     */
    analysisPrometheusUrl: httpUrl
      // This section is plain config: a password here would sit in the state unencrypted (and is never echoed back).
      .refine((u) => { try { const x = new URL(u); return !x.username && !x.password; } catch { return true; } }, "must not carry credentials (user:password@): this section is not secret; give a Prometheus that needs them as the monitoring check's prometheusUrl, in the secret verification config")
      .optional(),
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
            name: headerName,
            /** Exact value to match. */
            value: matchValue,
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
    abTest: z
      .object({
        /** Who reaches the candidate: `header: {name, value}` or `cookie: {name, value}`. Nobody else does until promotion. */
        cohort: cohortSchema,
        /** How many analysis intervals the cohort runs before the gate decides. Default 3. */
        intervals: int(1, 60).default(AB_DEFAULT_INTERVALS),
        /** Where the gate reaches the candidate (the canary Service, in-cluster or forwarded). Required. */
        verifyBaseUrl: httpUrl,
        /** Where the gate reaches stable for the comparison. Default: the verification baseUrl. */
        stableBaseUrl: httpUrl.optional(),
        /** The cohort's error ratio may exceed stable's by at most this. Default 0.01. */
        maxErrorRatioIncrease: z.number().min(0, "must be >= 0").max(1, "must be <= 1").default(0.01),
      })
      .strict()
      .optional(),
  })
  .strict()
  // Here, not in config/rules.ts: a broken abTest block is left out of the rules' view, and would read as a missing one.
  .superRefine((r, ctx) => {
    if (r.strategy === "abTest" && !r.abTest) ctx.addIssue({ code: "custom", path: ["abTest"], message: `is required when release.strategy is "abTest": set cohort (header or cookie) and verifyBaseUrl` });
  });

export type ReleaseConfig = z.output<typeof releaseSchema>;

/** The canary steps in effect (the defaults when the section names none). */
export function canaryStepsOf(r: Pick<ReleaseConfig, "canary">): CanaryStep[] {
  return r.canary?.steps ?? DEFAULT_CANARY_STEPS;
}
