// `agent-cellphone-v2:app`: what runs (image, size, env) and how it rolls out.
import { z } from "zod";
import { cpuQuantity, dnsLabel, memoryQuantity, nonNegativeInt, positiveInt } from "./common";

/** Env var names that hold secrets by their name; plain env lands in a ConfigMap. */
export const SECRET_ENV_NAME = /password|passwd|secret|token|api[-_]?key|credential/i;
/** Env vars the program sets itself from the secret keys. */
export const RESERVED_ENV = ["DATABASE_URL", "API_TOKEN"] as const;

const resourcePair = (cpu: string, memory: string) =>
  z.object({ cpu: cpuQuantity.default(cpu), memory: memoryQuantity.default(memory) }).strict().default({});

export const imageSchema = z
  .object({
    /** Registry and repository, e.g. ghcr.io/org/agent-cellphone-v2. Required. */
    repository: z
      .string({ required_error: "is required" })
      .min(1, "must not be empty")
      .regex(/^[a-z0-9]([a-z0-9._\-/:]*[a-z0-9])?$/, "must be an image repository without tag or digest (lowercase)")
      // A colon in the last path segment is a tag; one in the first segment may be a registry port.
      .refine((r) => !(r.split("/").pop() ?? "").includes(":"), "must not carry a tag: set app.image.tag"),
    /** Image tag. Either tag or digest is required in production; `latest` is refused there. */
    tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be a Docker tag ([A-Za-z0-9_.-], at most 128)").optional(),
    /** Content digest `sha256:<64 hex>`; wins over the tag when both are set. */
    digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, "must be sha256:<64 lowercase hex digits>").optional(),
  })
  .strict();

// Kubernetes label syntax: an optional DNS-subdomain prefix and a name of at most 63 characters.
const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelKey = z
  .string()
  .max(317, "must be at most 317 characters")
  .refine((k) => {
    const parts = k.split("/");
    if (parts.length > 2) return false;
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    return labelName.test(name) && (prefix === undefined || (prefix.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(prefix)));
  }, "must be a label key ([prefix/]name: name of at most 63 of [A-Za-z0-9-_.], prefix a DNS subdomain)");
const labelValue = z.string().refine((v) => v === "" || labelName.test(v), "must be a label value (at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric, or empty)");

export const tolerationSchema = z
  .object({
    /** Taint key; absent with operator Exists tolerates every taint. */
    key: labelKey.optional(),
    /** `Equal` (default: key and value must match) or `Exists` (key only). */
    operator: z.enum(["Equal", "Exists"]).default("Equal"),
    /** Taint value, for `Equal`. */
    value: labelValue.optional(),
    /** Taint effect tolerated; absent tolerates every effect. */
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.operator === "Exists" && t.value !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["value"], message: "must not be set when operator is Exists" });
    if (t.operator === "Equal" && t.key === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["key"], message: "is required when operator is Equal" });
  });

export const schedulingSchema = z
  .object({
    /** Node labels every pod requires (`spec.nodeSelector`). Default {}. */
    nodeSelector: z.record(labelKey, labelValue).default({}),
    /** Taints the pods tolerate (`spec.tolerations`). Default []. */
    tolerations: z.array(tolerationSchema).max(50, "must list at most 50 tolerations").default([]),
  })
  .strict()
  .default({});

export const appSchema = z
  .object({
    /** Name of the Deployment, Service and labels. Default "agent-cellphone-v2". */
    name: dnsLabel.default("agent-cellphone-v2"),
    /** Namespace everything is deployed in. Default: the app name. */
    namespace: dnsLabel.optional(),
    /** Create (and own) the namespace. Default true. */
    createNamespace: z.boolean().default(true),
    /** Label the namespace for Istio sidecar injection (PeerAuthentication STRICT needs sidecars). Default true. */
    istioInjection: z.boolean().default(true),
    image: imageSchema,
    /** Fixed replica count; used only when autoscaling is disabled. Default 2. */
    replicas: positiveInt.default(2),
    /** Container port serving /health and /metrics. Default 8000. */
    port: z.number().int("must be an integer").min(1, "must be >= 1").max(65535, "must be <= 65535").default(8000),
    resources: z
      .object({
        requests: resourcePair("250m", "256Mi"),
        limits: resourcePair("500m", "512Mi"),
      })
      .strict()
      .default({}),
    /** Plain (non-secret) environment variables, stored in a ConfigMap. Default {}. */
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"), z.string())
      .default({}),
    /** Seconds before a stuck rollout is reported as ProgressDeadlineExceeded. Default 300. */
    progressDeadlineSeconds: positiveInt.default(300),
    /** Old ReplicaSets kept for rollback; at least 3. Default 5. */
    revisionHistoryLimit: z.number().int("must be an integer").min(3, "must be >= 3 (rollback needs history)").max(1000, "must be <= 1000").default(5),
    /** Override of the PodDisruptionBudget; default derived from the minimum replica count. */
    podDisruptionBudget: z.object({ minAvailable: nonNegativeInt.optional() }).strict().default({}),
    /** Which nodes the app's pods may run on: a node selector and tolerations. Default: any untainted node. */
    scheduling: schedulingSchema,
    /** Where the app's database lives, for the NetworkPolicy egress allow. */
    database: z
      .object({
        /** Default 5432 (PostgreSQL). */
        port: z.number().int().min(1, "must be >= 1").max(65535, "must be <= 65535").default(5432),
        /** CIDR the database is reached at. Default 0.0.0.0/0 (port-restricted only). */
        cidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 10.0.0.0/8").default("0.0.0.0/0"),
      })
      .strict()
      .default({}),
  })
  .strict();

export type AppConfig = z.output<typeof appSchema>;
export type SchedulingConfig = z.output<typeof schedulingSchema>;
export type ImageConfig = z.output<typeof imageSchema>;
