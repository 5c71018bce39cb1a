// Reads the stack config once, before any resource is registered: every problem is collected
// and thrown as one ConfigError (a StackConfigError, i.e. a pulumi.RunError, from the program's
// entry) whose lines name `agent-cellphone-v2:<key.path>` and the rule,
// never a value. Secret keys become secret Outputs here and nowhere else.
import * as pulumi from "@pulumi/pulumi";
import { ZodDefault, ZodEffects, ZodObject, ZodOptional, type ZodIssue, type ZodTypeAny } from "zod";
import { ConfigError, formatIssues } from "./errors";
import { crossFieldIssues, type Parts } from "./rules";
import {
  CONFIG_PREFIX, PROJECT, SECRET_KEYS, SECTION_KEYS, environmentOf, stackConfigSchema,
  type Environment, type SecretKey, type StackConfigValues,
} from "./schema";
import type { VerificationConfig } from "../verification/schema";
import { collectSecrets, createRedactor } from "../verification/redact";

/** What the Pulumi runtime hands a program: full keys (`project:key`) to string values. */
export interface RawStackConfig {
  /** As from `pulumi.runtime.allConfig()`; keys of other namespaces are ignored. */
  config: Record<string, string>;
  /** Full keys set with --secret (as `pulumi.runtime.isConfigSecret` reports them). */
  secretKeys: Iterable<string>;
  /** Stack name; `production` and `staging` select their environment, anything else is dev. */
  stack: string;
  /** KUBECONFIG of the process: render mode refuses to run with one. Default: unset. */
  kubeconfigEnv?: string;
}

export interface StackConfig extends Omit<StackConfigValues, SecretKey | "verification"> {
  project: string;
  stack: string;
  environment: Environment;
  verification: {
    /** The parsed config; a secret Output when the key was set with --secret. Hand this to the gate. */
    value: pulumi.Output<VerificationConfig>;
    /** Plain copy for preview display; credentials masked when the key is secret. */
    display: VerificationConfig;
    isSecret: boolean;
  };
  /** Secret Outputs of the secret keys that hold a value. */
  secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

const KNOWN_KEYS: readonly string[] = [...SECTION_KEYS, ...SECRET_KEYS];
const custom = (path: Array<string | number>, message: string): ZodIssue => ({ code: "custom", path, message });

/** Section values arrive as JSON text; secret keys stay raw strings (a password may look like a number). */
function decode(key: string, text: string): unknown {
  if ((SECRET_KEYS as readonly string[]).includes(key)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Parses and validates the stack config; throws one ConfigError listing every problem. */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
  const secretFull = new Set(raw.secretKeys);
  const values: Record<string, unknown> = {};
  const secret = new Set<string>();
  const issues: ZodIssue[] = [];
  for (const [fullKey, text] of Object.entries(raw.config)) {
    if (!fullKey.startsWith(CONFIG_PREFIX)) continue;
    const key = fullKey.slice(CONFIG_PREFIX.length);
    if (!KNOWN_KEYS.includes(key)) {
      issues.push(custom([key], `is not a known key (known: ${KNOWN_KEYS.join(", ")})`));
      continue;
    }
    values[key] = decode(key, text);
    if (secretFull.has(fullKey)) secret.add(key);
  }
  issues.push(...secretPlacementIssues(values, secret));

  // Each key parses on its own so one broken section still lets the others, and the cross-field
  // rules over them, report their problems.
  const parts: Parts = {};
  for (const [key, schema] of Object.entries(stackConfigSchema.shape)) {
    const r = schema.safeParse(values[key]);
    if (r.success) (parts as Record<string, unknown>)[key] = r.data;
    else {
      issues.push(...r.error.issues.map((i) => ({ ...i, path: [key, ...i.path] })));
      (parts as Record<string, unknown>)[key] = validFields(schema, values[key]);
    }
  }
  const environment = environmentOf(raw.stack);
  const presentSecrets = new Set(SECRET_KEYS.filter((k) => values[k] !== undefined));
  issues.push(...crossFieldIssues(parts, { environment, presentSecrets, verificationIsSecret: secret.has("verification") }));
  if (parts.kubernetes?.renderYamlToDirectory && raw.kubeconfigEnv) {
    // The provider fails in render mode when handed a kubeconfig, with a far less clear message.
    issues.push(custom(["kubernetes", "renderYamlToDirectory"], "cannot be used while KUBECONFIG is set: unset KUBECONFIG for this stack (scripts/stack does)"));
  }
  if (issues.length > 0) {
    const problems = [...new Set(formatIssues(issues, CONFIG_PREFIX))];
    throw new ConfigError(problems, `invalid configuration for stack "${raw.stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"})`);
  }

  const parsed = stackConfigSchema.parse(values);
  const { databaseUrl, apiToken, grafanaAdminPassword, verification, ...sections } = parsed;
  const secrets: StackConfig["secrets"] = {};
  for (const [k, v] of Object.entries({ databaseUrl, apiToken, grafanaAdminPassword })) {
    if (v !== undefined) secrets[k as SecretKey] = pulumi.secret(v);
  }
  const verificationIsSecret = secret.has("verification");
  return {
    ...sections,
    project: PROJECT,
    stack: raw.stack,
    environment,
    verification: {
      value: verificationIsSecret ? pulumi.secret(verification) : pulumi.output(verification),
      display: verificationIsSecret ? createRedactor(collectSecrets(verification)).redactDeep(verification) : verification,
      isSecret: verificationIsSecret,
    },
    secrets,
  };
}

/** The fields of a broken object section that parse on their own, so cross-field rules still see them. */
function validFields(schema: ZodTypeAny, value: unknown): Record<string, unknown> | undefined {
  let inner: ZodTypeAny = schema;
  while (inner instanceof ZodDefault || inner instanceof ZodOptional || inner instanceof ZodEffects) inner = inner instanceof ZodEffects ? inner._def.schema : inner._def.innerType;
  if (!(inner instanceof ZodObject) || !value || typeof value !== "object") return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, field] of Object.entries(inner.shape as Record<string, ZodTypeAny>)) {
    const r = field.safeParse((value as Record<string, unknown>)[k]);
    if (r.success) out[k] = r.data;
  }
  return out;
}

/** Secret keys must be secret; plain sections must not be (their values would be handled as plain text). */
function secretPlacementIssues(values: Record<string, unknown>, secret: ReadonlySet<string>): ZodIssue[] {
  const out: ZodIssue[] = [];
  for (const key of SECRET_KEYS) {
    if (values[key] !== undefined && !secret.has(key)) {
      out.push(custom([key], `must be set as a secret: \`pulumi config set --secret ${CONFIG_PREFIX}${key} <value>\``));
    }
  }
  for (const key of SECTION_KEYS) {
    if (key !== "verification" && secret.has(key)) {
      out.push(custom([key], `must not be secret: only ${SECRET_KEYS.join(", ")} and verification may hold secrets`));
    }
  }
  return out;
}

// `isConfigSecret` is exported by the SDK's runtime/config module but missing from its typings;
// it is the only way to learn which keys the user set with --secret.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/**
 * A config error as the program raises it: a `pulumi.RunError`, which the language host reports
 * with its message alone (the heading and one line per problem), without a stack trace or the
 * error's own properties. `problems` stays available to callers and tests.
 */
export class StackConfigError extends pulumi.RunError {
  declare readonly problems: string[];
  constructor(cause: ConfigError) {
    super(cause.message);
    this.name = "StackConfigError";
    // Not enumerable: only the message is meant for people.
    Object.defineProperty(this, "problems", { value: cause.problems, enumerable: false });
  }
}

/** The program's entry: reads the Pulumi runtime's config for the current stack; throws StackConfigError. */
export function loadStackConfig(): StackConfig {
  const config = pulumi.runtime.allConfig();
  const secretKeys = Object.keys(config).filter((k) => runtimeConfig.isConfigSecret(k));
  try {
    return parseStackConfig({ config, secretKeys, stack: pulumi.getStack(), kubeconfigEnv: process.env.KUBECONFIG || undefined });
  } catch (err) {
    throw err instanceof ConfigError ? new StackConfigError(err) : err;
  }
}
