// The verification config contract. Shared by the CLI (`--config FILE`), the stack config's
// `verification` key (config/) and the gate's `check` method, so one schema decides validity
// everywhere and every error names the same key path.
import { z } from "zod";
import { feasibilityIssues, LIMITS } from "./limits";

// Every number is finite and bounded (limits.ts): `.inf` and 1e308 are refused here, by key path.
const finite = () => z.number({ invalid_type_error: "must be a number" }).finite("must be a finite number");
const positiveSeconds = (max: number = LIMITS.seconds) => finite().positive("must be > 0").max(max, `must be <= ${max}`);
const nonNegativeSeconds = finite().min(0, "must be >= 0").max(LIMITS.seconds, `must be <= ${LIMITS.seconds}`);
const boundedInt = (min: number, max: number) => finite().int("must be an integer").min(min, `must be >= ${min}`).max(max, `must be <= ${max}`);
const rate = finite().min(0, "must be >= 0").max(1, "must be <= 1");
/** An absolute http(s) URL (also the release section's verifyBaseUrl). */
export const httpUrl = z
  .string()
  .url("must be a valid URL")
  .refine((u) => /^https?:\/\//i.test(u), "must use http or https");
const path = z.string().startsWith("/", "must start with /");
// 1xx answers are interim (Node never hands one over as the final status), so expecting one could never pass.
const status = finite().int("must be an integer").min(200, "must be a final HTTP status (200-599)").max(599, "must be a final HTTP status (200-599)");

/** Policy fields every check accepts (DESIGN.md "Result semantics"). */
export const policyShape = {
  /** Unique name of the check in the report. */
  name: z.string().min(1, "must not be empty").regex(/^[A-Za-z0-9_.-]+$/, "must match [A-Za-z0-9_.-]+"),
  /**
   * Each request's timeout, and the attempt's budget beyond its load window (limits.ts
   * loadWindowMs): performance attempts get durationSeconds + timeoutSeconds, every other check
   * timeoutSeconds. Default 10 s, max 3600.
   */
  timeoutSeconds: positiveSeconds().optional(),
  /** Attempts made. Default 1. */
  count: boundedInt(1, LIMITS.count).optional(),
  /** Pause between attempts. Default 1 s. */
  intervalSeconds: nonNegativeSeconds.optional(),
  /** Wait before the first attempt. Default 0. */
  initialDelaySeconds: nonNegativeSeconds.optional(),
  /** Failed attempts tolerated before the check is FAILED. Default 0. */
  failureLimit: boundedInt(0, LIMITS.attemptLimit).optional(),
  /** Consecutive ERROR attempts tolerated before the check is ERROR. Default 0. */
  consecutiveErrorLimit: boundedInt(0, LIMITS.attemptLimit).optional(),
  /** Reported, never blocks the verdict. Default false. */
  advisory: z.boolean().optional(),
};

const k8sTarget = {
  namespace: z.string().min(1, "must not be empty"),
  deployment: z.string().min(1, "must not be empty"),
  /** Path to a kubeconfig; default: KUBECONFIG, then in-cluster credentials. */
  kubeconfig: z.string().optional(),
};

export const endpointSchema = z
  .object({
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]).default("GET"),
    path,
    headers: z.record(z.string()).optional(),
    body: z.unknown().optional(),
    expectStatus: status.default(200),
    /** Dotted path -> expected value, e.g. { "status": "ok", "data.items.0.id": 1 }. */
    expectJson: z.record(z.unknown()).optional(),
  })
  .strict();

const checkSchemas = [
  z.object({ ...policyShape, type: z.literal("rollout"), ...k8sTarget }).strict(),
  z.object({ ...policyShape, type: z.literal("rollback"), ...k8sTarget }).strict(),
  z
    .object({
      ...policyShape,
      type: z.literal("health"),
      path: path.default("/health"),
      expectStatus: status.default(200),
      /** Substring the body must contain, if set. */
      expectBody: z.string().optional(),
    })
    .strict(),
  z
    .object({
      ...policyShape,
      type: z.literal("availability"),
      path: path.default("/health"),
      requests: boundedInt(1, LIMITS.requests).default(20),
      minSuccessRate: rate.default(0.99),
    })
    .strict(),
  z.object({ ...policyShape, type: z.literal("api"), endpoints: z.array(endpointSchema).min(1, "must list at least one endpoint").max(LIMITS.listItems, `must list at most ${LIMITS.listItems} endpoints`) }).strict(),
  z
    .object({
      ...policyShape,
      type: z.literal("database"),
      /** postgres://, postgresql://, redis://, rediss://, or tcp://host:port. Secret. */
      url: z.string().url("must be a valid URL"),
    })
    .strict(),
  z
    .object({
      ...policyShape,
      type: z.literal("performance"),
      path: path.default("/health"),
      ratePerSecond: finite().positive("must be > 0").max(LIMITS.ratePerSecond, `must be <= ${LIMITS.ratePerSecond}`),
      /** The load window; the attempt may last this plus timeoutSeconds (the one timeout rule). */
      durationSeconds: positiveSeconds(),
      minSamples: boundedInt(1, LIMITS.scheduledRequests).default(100),
      thresholds: z
        .object({
          p95Ms: finite().positive("must be > 0").max(LIMITS.latencyMs, `must be <= ${LIMITS.latencyMs}`).optional(),
          p99Ms: finite().positive("must be > 0").max(LIMITS.latencyMs, `must be <= ${LIMITS.latencyMs}`).optional(),
          maxErrorRate: rate.optional(),
        })
        .strict()
        .default({}),
      /** Fail when p95 is this fraction worse than the last passing baseline (0.2 = 20%). */
      maxRegression: finite().min(0, "must be >= 0").max(LIMITS.maxRegression, `must be <= ${LIMITS.maxRegression}`).optional(),
    })
    .strict(),
  z
    .object({
      ...policyShape,
      type: z.literal("security"),
      url: httpUrl.refine((u) => u.toLowerCase().startsWith("https://"), "must use https"),
      minTlsVersion: z.enum(["TLSv1.2", "TLSv1.3"]).default("TLSv1.2"),
      minCertDays: boundedInt(0, LIMITS.certDays).default(14),
      requiredHeaders: z.array(z.string().min(1)).max(LIMITS.listItems, `must list at most ${LIMITS.listItems} headers`).default(["strict-transport-security", "x-content-type-options"]),
      /** Plain-HTTP URL expected to redirect to HTTPS; checked when set. */
      httpRedirectUrl: httpUrl.optional(),
      /** Extra CA bundle (PEM file) to trust, e.g. for a private issuer. */
      caFile: z.string().optional(),
      /** When set, also checks the live pod spec posture through the Kubernetes API. */
      namespace: z.string().optional(),
      deployment: z.string().optional(),
      kubeconfig: z.string().optional(),
    })
    .strict(),
  z
    .object({
      ...policyShape,
      type: z.literal("external"),
      targets: z
        .array(
          z
            .object({
              name: z.string().min(1, "must not be empty"),
              /** http(s)://, tcp://host:port or dns://hostname. */
              url: z.string().url("must be a valid URL"),
            })
            .strict(),
        )
        .min(1, "must list at least one target")
        .max(LIMITS.listItems, `must list at most ${LIMITS.listItems} targets`),
    })
    .strict(),
  z
    .object({
      ...policyShape,
      type: z.literal("monitoring"),
      prometheusUrl: httpUrl,
      job: z.string().min(1, "must not be empty"),
      /** Series names the app's /metrics must expose. */
      requiredMetrics: z.array(z.string().min(1)).max(LIMITS.listItems, `must list at most ${LIMITS.listItems} metrics`).default([]),
      /** App metrics URL; default `${baseUrl}/metrics`. */
      metricsUrl: httpUrl.optional(),
      grafanaUrl: httpUrl.optional(),
    })
    .strict(),
] as const;

export const checkSchema = z.discriminatedUnion("type", [...checkSchemas]);

export const CHECK_TYPES = [
  "rollout", "health", "availability", "api", "database",
  "performance", "security", "external", "monitoring", "rollback",
] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export const verificationSchema = z
  .object({
    /** Public base URL of the app (e.g. https://acv2.example.com). Needed by HTTP checks. */
    baseUrl: httpUrl.optional(),
    /** One deadline for the whole suite. Default 300 s. */
    deadlineSeconds: positiveSeconds(LIMITS.deadlineSeconds).default(300),
    /** Checks run concurrently; the suite fails closed on any blocking check not PASSED. */
    checks: z.array(checkSchema).max(LIMITS.checks, `must list at most ${LIMITS.checks} checks`).default([]),
    // Gate-only fields (components/verificationGate.ts); the CLI accepts and ignores them so
    // one file can serve both.
    /** Register the gate at all. Default true. */
    enabled: z.boolean().default(true),
    /** Re-verify on every `pulumi up`, even when no trigger changed. Default false. */
    alwaysRun: z.boolean().default(false),
    /** `rollback`: return the Deployment to the last release that passed verification on this stack before failing. Default `fail`. */
    onFailure: z.enum(["fail", "rollback"]).default("fail"),
    /** Verify an image that failed verification on this stack before (else refused). Default false. */
    redeployFailedImage: z.boolean().optional(),
    /** Prometheus Pushgateway to receive deployment metrics, if set. */
    pushgatewayUrl: httpUrl.optional(),
    /** Where the gate writes its reports. Default `reports/<stack>`. */
    reportDir: z.string().min(1, "must not be empty").optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.checks.forEach((c, i) => {
      if (seen.has(c.name)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["checks", i, "name"], message: `must be unique ("${c.name}" repeats)` });
      }
      seen.add(c.name);
      const needsBase = ["health", "availability", "api", "performance"].includes(c.type);
      if (needsBase && !cfg.baseUrl) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["baseUrl"], message: `is required by check "${c.name}" (type ${c.type})` });
      }
      // Configs that can never pass are refused here, before anything is sent (limits.ts).
      for (const f of feasibilityIssues(c, cfg.deadlineSeconds)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["checks", i, ...f.path], message: f.message });
      }
    });
  });

export type VerificationConfigInput = z.input<typeof verificationSchema>;
export type VerificationConfig = z.output<typeof verificationSchema>;
export type CheckConfig = z.output<typeof checkSchema>;
export type CheckConfigOf<T extends CheckType> = Extract<CheckConfig, { type: T }>;
