// Test helpers shared by the gateway and monitoring tests: the kubernetes-models validators
// (real upstream schemas, ESM-only) and a mock run of one component on its own.
import * as pulumi from "@pulumi/pulumi";

// A CommonJS compile turns `import()` into `require()`, which ESM-only packages refuse.
const dynamicImport = new Function("s", "return import(s)") as (s: string) => Promise<Record<string, unknown>>;

const MODEL_MODULES: Record<string, string> = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "networking.istio.io/v1beta1": "@kubernetes-models/istio/networking.istio.io/v1beta1",
  "security.istio.io/v1beta1": "@kubernetes-models/istio/security.istio.io/v1beta1",
  "cert-manager.io/v1": "@kubernetes-models/cert-manager/cert-manager.io/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
  "argoproj.io/v1alpha1": "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1",
};

type Model = new (o: unknown) => { validate(): void };
export type Validate = <T extends { apiVersion: string; kind: string }>(obj: T) => void;

/** Validates an object against its upstream schema; throws naming the failing path. */
export async function loadValidator(): Promise<Validate> {
  const mods: Record<string, Record<string, unknown>> = {};
  for (const [api, mod] of Object.entries(MODEL_MODULES)) mods[api] = await dynamicImport(mod);
  return (obj) => {
    const Cls = mods[obj.apiVersion]?.[obj.kind] as Model | undefined;
    if (!Cls) throw new Error(`no kubernetes-models class for ${obj.apiVersion} ${obj.kind}`);
    new Cls(obj).validate();
  };
}

export interface Captured {
  type: string;
  name: string;
  custom: boolean;
  /** Inputs as the mock monitor saw them; secrets stay wrapped (harness/secrets.ts). */
  inputs: Record<string, any>;
  parent?: string;
  parentType?: string;
  /** Names of the resources it depends on (dependsOn, expanded by the SDK). */
  dependencies: string[];
}

export interface ComponentRun<T> {
  component: T;
  resources: Captured[];
  /** Child resource objects, for checks on their Outputs (pulumi.isSecret). */
  objects: Map<string, pulumi.Resource>;
}

const nameFromUrn = (urn: string) => urn.split("::").pop() ?? urn;
const typeFromUrn = (urn: string) => (urn.split("::")[2] ?? "").split("$").pop() ?? "";

/**
 * MOCKS: constructs one component under pulumi.runtime.setMocks (dryRun false, no engine, no
 * cluster) and records every registration with its parent.
 */
export async function runComponent<T>(build: (opts: pulumi.ComponentResourceOptions) => T): Promise<ComponentRun<T>> {
  const resources: Captured[] = [];
  const objects = new Map<string, pulumi.Resource>();
  let pending = 0;
  await pulumi.runtime.setMocks(
    { newResource: (a) => ({ id: a.custom ? `${a.name}-id` : undefined, state: a.inputs }), call: (a) => a.inputs },
    "acv2-test",
    "unit",
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: any, cb: (e: unknown, r: unknown) => void): unknown };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    pending++;
    const parentUrn: string = req.getParent();
    resources.push({
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      inputs: pulumi.runtime.deserializeProperties(req.getObject()),
      parent: parentUrn ? nameFromUrn(parentUrn) : undefined,
      parentType: parentUrn ? typeFromUrn(parentUrn) : undefined,
      dependencies: (req.getDependenciesList() as string[]).map(nameFromUrn),
    });
    return original(req, (e, r) => {
      pending--;
      cb(e, r);
    });
  };
  const capture: pulumi.ResourceTransformation = (a) => {
    objects.set(a.name, a.resource);
    return undefined;
  };
  const component = build({ transformations: [capture] });
  const deadline = Date.now() + 10_000;
  for (let quiet = 0; quiet < 3; ) {
    await new Promise((r) => setTimeout(r, 5));
    quiet = pending === 0 ? quiet + 1 : 0;
    if (Date.now() > deadline) throw new Error(`${pending} registrations never completed`);
  }
  return { component, resources, objects };
}

/** Resolves an Output's value under mocks. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}
