// The verification config contract. Shared by the CLI (`--config FILE`), the stack config's
// `verification` key (config/) and the gate's `check` method, so one schema decides validity
// everywhere and every error names the same key path.
import { z } from "zod";

const positiveSeconds = z.number().positive("must be > 0");
const nonNegativeSeconds = z.number().min(0, "must be >= 0");
const rate = z.number().min(0, "must be >= 0").max(1, "must be <= 1");
const httpUrl = z
  .string()
  .url("must be a valid URL")
  .refine((u) => /^https?:\/\//i.test(u), "must use http or https");
const path = z.string().startsWith("/", "must start with /");
const status = z.number().int().min(100, "must be an HTTP status").max(599, "must be an HTTP status");

/** Policy fields every check accepts (DESIGN.md "Result semantics"). */
export const policyShape = {
  /** Unique name of the check in the report. */
  name: z.string().min(1, "must not be empty").regex(/^[A-Za-z0-9_.-]+$/, "must match [A-Za-z0-9_.-]+"),
  /** Per-attempt timeout. Default 10 s. */
  timeoutSeconds: positiveSeconds.optional(),
  /** Attempts made. Default 1. */
  count: z.number().int().min(1, "must be >= 1").optional(),
  /** Pause between attempts. Default 1 s. */
  intervalSeconds: nonNegativeSeconds.optional(),
  /** Wait before the first attempt. Default 0. */
  initialDelaySeconds: nonNegativeSeconds.optional(),
  /** Failed attempts tolerated before the check is FAILED. Default 0. */
  failureLimit: z.number().int().min(0, "must be >= 0").optional(),
  /** Consecutive ERROR attempts tolerated before the check is ERROR. Default 0. */
  consecutiveErrorLimit: z.number().int().min(0, "must be >= 0").optional(),
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
      requests: z.number().int().min(1, "must be >= 1").default(20),
      minSuccessRate: rate.default(0.99),
    })
    .strict(),
  z.object({ ...policyShape, type: z.literal("api"), endpoints: z.array(endpointSchema).min(1, "must list at least one endpoint") }).strict(),
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
      ratePerSecond: z.number().positive("must be > 0").max(10000, "must be <= 10000"),
      durationSeconds: positiveSeconds,
      minSamples: z.number().int().min(1, "must be >= 1").default(100),
      thresholds: z
        .object({
          p95Ms: z.number().positive("must be > 0").optional(),
          p99Ms: z.number().positive("must be > 0").optional(),
          maxErrorRate: rate.optional(),
        })
        .strict()
        .default({}),
      /** Fail when p95 is this fraction worse than the last passing baseline (0.2 = 20%). */
      maxRegression: z.number().min(0, "must be >= 0").optional(),
    })
    .strict(),
  z
    .object({
      ...policyShape,
      type: z.literal("security"),
      url: httpUrl.refine((u) => u.toLowerCase().startsWith("https://"), "must use https"),
      minTlsVersion: z.enum(["TLSv1.2", "TLSv1.3"]).default("TLSv1.2"),
      minCertDays: z.number().int().min(0, "must be >= 0").default(14),
      requiredHeaders: z.array(z.string().min(1)).default(["strict-transport-security", "x-content-type-options"]),
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
        .min(1, "must list at least one target"),
    })
    .strict(),
  z
    .object({
      ...policyShape,
      type: z.literal("monitoring"),
      prometheusUrl: httpUrl,
      job: z.string().min(1, "must not be empty"),
      /** Series names the app's /metrics must expose. */
      requiredMetrics: z.array(z.string().min(1)).default([]),
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
    deadlineSeconds: positiveSeconds.default(300),
    /** Checks run concurrently; the suite fails closed on any blocking check not PASSED. */
    checks: z.array(checkSchema).default([]),
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
    });
  });

export type VerificationConfigInput = z.input<typeof verificationSchema>;
export type VerificationConfig = z.output<typeof verificationSchema>;
export type CheckConfig = z.output<typeof checkSchema>;
export type CheckConfigOf<T extends CheckType> = Extract<CheckConfig, { type: T }>;
