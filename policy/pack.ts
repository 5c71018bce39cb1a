// Builds the CrossGuard policies from the catalogue. Each policy turns the resource the engine
// hands it back into a plain Kubernetes manifest and asks the shared posture rules about it, so
// the pack, the gate's offline check and the unit tests can never disagree about a rule.
import type {
  Policies,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { postureFindings, type Environment, type Finding, type Manifest } from "./posture";
import { crossObjectFindings } from "./postureStack";
import { listedRules, POLICY_CATALOGUE, UNLISTED_RESOURCE_POLICY, UNLISTED_STACK_POLICY, type PolicyEntry } from "./catalogue";

/** Per-policy config (`--policy-pack-config`) read by the environment-dependent policies. */
export interface PostureEnvironmentConfig {
  /**
   * Which posture applies. Default: "production" (the strictest: image pinning on), so a stack
   * nobody configured is judged as if it were production rather than let through.
   */
  environment?: Environment;
}

export const ENVIRONMENT_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    environment: { type: "string", enum: ["dev", "staging", "production"], default: "production" },
  },
};

/** Resource types that are never Kubernetes objects, though their type token starts with `kubernetes:`. */
const NOT_MANIFESTS = [/^pulumi:providers:/, /^kubernetes:helm\.sh\//, /^kubernetes:yaml(\/v2)?:/, /^kubernetes:kustomize/];

/**
 * The Kubernetes object behind a Pulumi resource: the provider's inputs (and outputs) are the
 * manifest itself (apiVersion, kind, metadata, spec). Undefined for anything else.
 */
export function manifestOf(type: string, props: Record<string, unknown> | undefined): Manifest | undefined {
  if (!type.startsWith("kubernetes:") || NOT_MANIFESTS.some((re) => re.test(type))) return undefined;
  if (!props || typeof props.kind !== "string") return undefined;
  return props as Manifest;
}

export function environmentOf(config: PostureEnvironmentConfig | undefined): Environment {
  return config?.environment ?? "production";
}

const messageOf = (f: Finding) => `${f.object}: ${f.message}`;

/** Findings of one object that belong to a resource policy covering `rules` (or, if unlisted, to no policy). */
export function resourceFindings(m: Manifest, environment: Environment, covers: (rule: string) => boolean): Finding[] {
  return postureFindings(m, { environment }).filter((f) => covers(f.rule));
}

function resourcePolicy(name: string, entry: Omit<PolicyEntry, "name" | "rules" | "scope">, covers: (rule: string) => boolean): ResourceValidationPolicy {
  return {
    name,
    description: entry.description,
    enforcementLevel: entry.enforcementLevel,
    remediationSteps: entry.remediationSteps,
    configSchema: ENVIRONMENT_CONFIG_SCHEMA,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      const m = manifestOf(args.type, args.props);
      if (!m) return;
      const env = environmentOf(args.getConfig<PostureEnvironmentConfig>());
      for (const f of resourceFindings(m, env, covers)) reportViolation(messageOf(f));
    },
  };
}

function stackPolicy(name: string, entry: Omit<PolicyEntry, "name" | "rules" | "scope">, covers: (rule: string) => boolean): StackValidationPolicy {
  return {
    name,
    description: entry.description,
    enforcementLevel: entry.enforcementLevel,
    remediationSteps: entry.remediationSteps,
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const objects = args.resources.flatMap((r) => {
        const m = manifestOf(r.type, r.props);
        return m ? [{ m, urn: r.urn }] : [];
      });
      // Findings name objects as Kind/name; point each at the resource it is about.
      const urnOf = new Map<string, string>();
      for (const o of objects) {
        const ref = `${o.m.kind}/${o.m.metadata?.name ?? "?"}`;
        if (!urnOf.has(ref)) urnOf.set(ref, o.urn);
      }
      for (const f of crossObjectFindings(objects.map((o) => o.m))) {
        if (covers(f.rule)) reportViolation(messageOf(f), urnOf.get(f.object));
      }
    },
  };
}

/**
 * Every policy of the pack: one per catalogue entry, plus a mandatory catch-all per scope.
 * `catalogue` defaults to POLICY_CATALOGUE; tests pass a shorter one to prove the catch-all.
 */
export function buildPolicies(catalogue: readonly PolicyEntry[] = POLICY_CATALOGUE): Policies {
  const listed = { resource: listedRules("resource", catalogue), stack: listedRules("stack", catalogue) };
  const policies: Policies = catalogue.map((e) => {
    const covers = (rule: string) => e.rules.includes(rule);
    return e.scope === "resource" ? resourcePolicy(e.name, e, covers) : stackPolicy(e.name, e, covers);
  });
  const unlisted = {
    enforcementLevel: "mandatory" as const,
    description: "Posture rules added to policy/posture.ts but not yet given a policy of their own: enforced until they are.",
    remediationSteps: "Fix the finding, or give the rule an entry in policy/catalogue.ts.",
  };
  policies.push(resourcePolicy(UNLISTED_RESOURCE_POLICY, unlisted, (rule) => !listed.resource.has(rule)));
  policies.push(stackPolicy(UNLISTED_STACK_POLICY, unlisted, (rule) => !listed.stack.has(rule)));
  return policies;
}
