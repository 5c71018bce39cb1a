// @pulumi/policy has no test harness: this calls a policy's validateResource / validateStack the
// way its analyzer server does (server.js in @pulumi/policy), with props behind the same
// unknown-checking proxy, and records every reportViolation call. No engine, no mocks of the
// rules: the posture functions run for real.
import type { Policies, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { buildPolicies } from "../../policy/pack";

// The analyzer's own proxy module: its typings export nothing (internal), the code is what the
// server wraps props in, so a policy reading an unknown value throws here exactly as it does there.
interface ProxyModule {
  unknownCheckingProxy<T extends object>(o: T): T;
  /** The sentinel the analyzer puts where a value is unknown during preview. */
  unknownStringValue: string;
  UnknownValueError: new (...args: never[]) => Error;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy: ProxyModule = require("@pulumi/policy/proxy");
const { unknownCheckingProxy } = proxy;
export const { unknownStringValue, UnknownValueError } = proxy;

export interface Violation {
  policy: string;
  message: string;
  urn?: string;
}

export interface FakeResource {
  /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
  type: string;
  /** Resource name (the Pulumi name, not metadata.name). */
  name: string;
  props: Record<string, unknown>;
}

export const POLICIES: Policies = buildPolicies();

/** Type token the Kubernetes provider gives an object: `kubernetes:<group/version>:<Kind>`, core group as `core/v1`. */
export function k8sType(m: { apiVersion?: string; kind?: string }): string {
  const gv = m.apiVersion?.includes("/") ? m.apiVersion : `core/${m.apiVersion ?? "v1"}`;
  return `kubernetes:${gv}:${m.kind}`;
}

export function urnOf(r: { type: string; name: string }, stack = "dev"): string {
  return `urn:pulumi:${stack}::agent-cellphone-v2::${r.type}::${r.name}`;
}

const opts = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };

function notApplicable(reason?: string): never {
  throw new Error(`notApplicable: ${reason ?? ""}`);
}

export function policyNamed(name: string, policies: Policies = POLICIES): ResourceValidationPolicy | StackValidationPolicy {
  const p = policies.find((x) => x.name === name);
  if (!p) throw new Error(`no policy ${name}`);
  return p;
}

/** Runs one resource policy on one resource; returns its violations. */
export async function validateResource(policy: ResourceValidationPolicy, r: FakeResource, config: Record<string, unknown> = {}): Promise<Violation[]> {
  const out: Violation[] = [];
  const props = unknownCheckingProxy(structuredClone(r.props));
  const args = {
    type: r.type,
    props,
    urn: urnOf(r),
    name: r.name,
    opts,
    stackTags: new Map<string, string>(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
  const validate = policy.validateResource ?? [];
  for (const v of Array.isArray(validate) ? validate : [validate]) {
    await v(args, (message: string) => out.push({ policy: policy.name, message }));
  }
  return out;
}

/** Runs one stack policy over a set of resources; returns its violations with the URNs they name. */
export async function validateStack(policy: StackValidationPolicy, rs: FakeResource[], config: Record<string, unknown> = {}): Promise<Violation[]> {
  const out: Violation[] = [];
  const resources = rs.map((r) => ({
    type: r.type,
    props: unknownCheckingProxy(structuredClone(r.props)),
    urn: urnOf(r),
    name: r.name,
    opts,
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  })) as unknown as PolicyResource[];
  await policy.validateStack(
    { resources, stackTags: new Map(), getConfig: <T extends object>() => config as T, notApplicable },
    (message: string, urn?: string) => out.push({ policy: policy.name, message, urn }),
  );
  return out;
}

const isStack = (p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy => "validateStack" in p;

/**
 * Every policy of the pack over a set of resources, as the engine would run them (each resource
 * policy per resource, each stack policy once). `config` is keyed by policy name like
 * `--policy-pack-config` files.
 */
export async function runPack(rs: FakeResource[], config: Record<string, Record<string, unknown>> = {}, policies: Policies = POLICIES): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const p of policies) {
    const c = config[p.name] ?? {};
    if (isStack(p)) out.push(...(await validateStack(p, rs, c)));
    else for (const r of rs) out.push(...(await validateResource(p, r, c)));
  }
  return out;
}

/** A manifest as the resource the Kubernetes provider would register for it. */
export function asResource(m: { apiVersion?: string; kind?: string; metadata?: { name?: string } } & Record<string, unknown>, name?: string): FakeResource {
  return { type: k8sType(m), name: name ?? `${(m.kind ?? "x").toLowerCase()}-${m.metadata?.name ?? "x"}`, props: m };
}
