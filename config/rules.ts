// Cross-field rules, all in one place. Each takes the sections that parsed on their own, so a
// broken section does not hide the problems of the others: the user sees every problem at once.
import { DEPLOYMENT_CHECK_TYPES } from "./sections/release";
import type { ZodIssue } from "zod";
import { quantityValue } from "./sections/common";
import { RESERVED_ENV, SECRET_ENV_NAME } from "./sections/app";
import type { Environment, SecretKey, StackConfigValues } from "./schema";
import type { VerificationConfig } from "../verification/schema";

export interface RuleContext {
  environment: Environment;
  /** Secret keys that hold a value. */
  presentSecrets: ReadonlySet<SecretKey>;
  /** The `verification` key was set with --secret (so it may hold credentials). */
  verificationIsSecret: boolean;
}

/** Sections as far as they parsed: a broken section keeps its valid fields (one level deep). */
export type Parts = { [K in keyof StackConfigValues]?: Partial<NonNullable<StackConfigValues[K]>> };
const issue = (path: Array<string | number>, message: string): ZodIssue => ({ code: "custom", path, message });

/** Every cross-field problem in `parts`, as custom zod issues for formatIssues. */
export function crossFieldIssues(parts: Parts, ctx: RuleContext): ZodIssue[] {
  return [
    ...replicaRules(parts),
    ...imageRules(parts, ctx),
    ...resourceRules(parts),
    ...envRules(parts),
    ...gatewayRules(parts, ctx),
    ...releaseRules(parts),
    ...(parts.verification?.checks && !ctx.verificationIsSecret
      ? verificationCredentialIssues({ checks: parts.verification.checks, pushgatewayUrl: parts.verification.pushgatewayUrl, baseUrl: parts.verification.baseUrl })
      : []),
  ];
}

function replicaRules({ app, autoscaling }: Parts): ZodIssue[] {
  const out: ZodIssue[] = [];
  const { minReplicas, maxReplicas, enabled } = autoscaling ?? {};
  if (minReplicas !== undefined && maxReplicas !== undefined && minReplicas > maxReplicas) {
    out.push(issue(["autoscaling", "minReplicas"], `must be <= maxReplicas (${minReplicas} > ${maxReplicas})`));
  }
  const minAvailable = app?.podDisruptionBudget?.minAvailable;
  // The replica floor the PDB must leave room under: HPA minimum when autoscaling, else replicas.
  const floor = enabled ? minReplicas : enabled === false ? app?.replicas : undefined;
  if (minAvailable !== undefined && floor !== undefined) {
    const source = enabled ? "autoscaling.minReplicas" : "app.replicas";
    if (minAvailable >= floor) {
      out.push(issue(["app", "podDisruptionBudget", "minAvailable"], `must be < ${source} (${minAvailable} >= ${floor}): it would block every voluntary eviction`));
    }
  }
  return out;
}

function imageRules({ app }: Parts, ctx: RuleContext): ZodIssue[] {
  if (!app?.image || ctx.environment !== "production") return [];
  const { tag, digest } = app.image;
  if (!tag && !digest) return [issue(["app", "image"], "needs a tag or a digest in production")];
  if (tag === "latest" && !digest) return [issue(["app", "image", "tag"], 'must not be "latest" in production: pin a version tag or a digest')];
  if (tag === "latest") return [issue(["app", "image", "tag"], 'must not be "latest" in production, even beside a digest')];
  return [];
}

function resourceRules({ app }: Parts): ZodIssue[] {
  if (!app?.resources) return [];
  const { requests, limits } = app.resources;
  return (["cpu", "memory"] as const)
    .filter((k) => quantityValue(requests[k]) > quantityValue(limits[k]))
    .map((k) => issue(["app", "resources", "requests", k], `must be <= limits.${k} (${requests[k]} > ${limits[k]})`));
}

function envRules({ app }: Parts): ZodIssue[] {
  if (!app?.env) return [];
  return Object.keys(app.env).flatMap((name) => {
    if ((RESERVED_ENV as readonly string[]).includes(name)) {
      return [issue(["app", "env", name], "is set by the program from the secret keys databaseUrl/apiToken")];
    }
    if (SECRET_ENV_NAME.test(name)) {
      return [issue(["app", "env", name], "looks like a secret, but app.env goes into a plain ConfigMap: use the secret keys databaseUrl/apiToken")];
    }
    return [];
  });
}

function gatewayRules({ gateway }: Parts, ctx: RuleContext): ZodIssue[] {
  const out: ZodIssue[] = [];
  const { issuer, acmeEmail } = gateway?.tls ?? {};
  if (!issuer) return out;
  if (issuer.startsWith("acme-") && !acmeEmail) out.push(issue(["gateway", "tls", "acmeEmail"], `is required when tls.issuer is "${issuer}"`));
  if (ctx.environment === "production" && issuer !== "acme-production") {
    out.push(issue(["gateway", "tls", "issuer"], `must be "acme-production" in production (browsers do not trust "${issuer}")`));
  }
  const perTry = gateway?.retries?.perTryTimeoutSeconds;
  const timeout = gateway?.timeoutSeconds;
  if (perTry !== undefined && timeout !== undefined && perTry > timeout) {
    out.push(issue(["gateway", "retries", "perTryTimeoutSeconds"], `must be <= timeoutSeconds (${perTry} > ${timeout})`));
  }
  return out;
}

/**
 * canary, blueGreen and abTest hand promotion to the gate, so the gate must run and check something;
 * each strategy's own block only applies to that strategy; the HPA still targets the Deployment.
 */
function releaseRules({ release, verification, autoscaling }: Parts): ZodIssue[] {
  const strategy = release?.strategy;
  if (!strategy) return [];
  const out: ZodIssue[] = [];
  if (release.canary && strategy !== "canary") out.push(issue(["release", "canary"], `only applies when release.strategy is "canary" (it is "${strategy}")`));
  if (release.blueGreen && strategy !== "blueGreen") out.push(issue(["release", "blueGreen"], `only applies when release.strategy is "blueGreen" (it is "${strategy}")`));
  if (release.abTest && strategy !== "abTest") out.push(issue(["release", "abTest"], `only applies when release.strategy is "abTest" (it is "${strategy}")`));
  if (strategy === "rolling") return out;
  if (verification?.enabled === false) {
    out.push(issue(["release", "strategy"], `"${strategy}" needs the verification gate: promotion is the gate's (verification.enabled is false)`));
  } else if (verification?.checks !== undefined && verification.checks.every((c) => DEPLOYMENT_CHECK_TYPES.has(String(c?.type)))) {
    const why = verification.checks.length === 0 ? "verification.checks is empty" : "rollout and rollback checks judge the Deployment, whose pods the Rollout runs: none of them verifies the new version at a step";
    out.push(issue(["release", "strategy"], `"${strategy}" needs a gate with checks of the new version: promotion is the gate's (${why})`));
  }
  if (autoscaling?.enabled) {
    out.push(issue(["release", "strategy"], `"${strategy}" cannot be combined with autoscaling.enabled yet: the HPA scales the Deployment, not the Rollout`));
  }
  const steps = release.canary?.steps;
  const interval = release.analysisIntervalSeconds;
  if (strategy === "canary" && steps && interval !== undefined) {
    steps.forEach((s, i) => {
      if (s.pauseSeconds < interval) {
        out.push(issue(["release", "canary", "steps", i, "pauseSeconds"], `must be >= release.analysisIntervalSeconds (${s.pauseSeconds} < ${interval}): a step must hold one measurement`));
      }
    });
  }
  return out;
}

const SECRET_HEADER = /authorization|cookie|token|secret|api[-_]?key|password/i;

const SECRET_FIELD = /password|passwd|token|secret|dsn|authorization|api[-_]?key|credential/i;

/** "a URL password", or a query parameter named like a credential (`?token=`), or undefined. */
function urlCredential(u: string): string | undefined {
  try {
    const url = new URL(u);
    if (url.password !== "") return "a URL password";
    if ([...url.searchParams.keys()].some((k) => SECRET_FIELD.test(k))) return "a credential in the URL query";
  } catch {
    // not a URL: the schema reports it
  }
  return undefined;
}

/** Key paths (below `root`) of string or number values under credential-like keys, at any depth. */
function secretFields(node: unknown, root: Array<string | number>): Array<Array<string | number>> {
  if (Array.isArray(node)) return node.flatMap((v, i) => secretFields(v, [...root, i]));
  if (!node || typeof node !== "object") return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) =>
    // expectJson keys are dotted paths ("data.apiToken"): any segment may name the credential.
    SECRET_FIELD.test(k) && (typeof v === "string" || typeof v === "number") ? [[...root, k]] : secretFields(v, [...root, k]),
  );
}

/**
 * Credentials in a verification config that was not set with --secret would land in plaintext
 * state; name each one with the `--secret --path` command that fixes it.
 */
export function verificationCredentialIssues(v: Pick<VerificationConfig, "checks" | "pushgatewayUrl" | "baseUrl">): ZodIssue[] {
  const out: ZodIssue[] = [];
  const flag = (path: Array<string | number>, what: string) =>
    out.push(issue(["verification", ...path], `holds ${what}: set it with \`pulumi config set --secret --path\` so the verification key is secret`));
  v.checks.forEach((c, i) => {
    for (const [k, val] of Object.entries(c)) {
      const what = typeof val === "string" && /url$/i.test(k) ? urlCredential(val) : undefined;
      if (what) flag(["checks", i, k], what);
    }
    if (c.type === "external") {
      c.targets.forEach((t, j) => {
        const what = urlCredential(t.url);
        if (what) flag(["checks", i, "targets", j, "url"], what);
      });
    }
    if (c.type === "api") {
      c.endpoints.forEach((e, j) => {
        Object.keys(e.headers ?? {}).forEach((h) => SECRET_HEADER.test(h) && flag(["checks", i, "endpoints", j, "headers", h], "a credential header"));
        const at = ["checks", i, "endpoints", j];
        secretFields(e.body, [...at, "body"]).forEach((p) => flag(p, "a credential in the request body"));
        secretFields(e.expectJson, [...at, "expectJson"]).forEach((p) => flag(p, "a credential in an expected value"));
      });
    }
  });
  for (const key of ["pushgatewayUrl", "baseUrl"] as const) {
    const what = v[key] ? urlCredential(v[key] as string) : undefined;
    if (what) flag([key], what);
  }
  return out;
}
