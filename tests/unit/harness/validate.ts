// Validates manifests against the published Kubernetes, Istio, cert-manager and
// prometheus-operator schemas (kubernetes-models). The packages are ESM-only; a real dynamic
// import keeps TypeScript's CommonJS output from turning it into require().
const dynamicImport = new Function("s", "return import(s)") as (s: string) => Promise<Record<string, unknown>>;

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** Module specifiers that may define `apiVersion`, best first. */
export function modelModules(apiVersion: string): string[] {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (!group) return [`kubernetes-models/${version}`];
  if (group.endsWith(".istio.io")) {
    // @kubernetes-models/istio 2.3 publishes v1beta1 schemas; Istio's v1 API is the same schema.
    const versions = version === "v1" ? ["v1", "v1beta1"] : [version];
    return versions.map((v) => `@kubernetes-models/istio/${group}/${v}`);
  }
  if (group.endsWith("cert-manager.io")) return [`@kubernetes-models/cert-manager/${group}/${version}`];
  if (group === "monitoring.coreos.com") return [`@kubernetes-models/prometheus-operator/${group}/${version}`];
  if (group === "argoproj.io") return [`@kubernetes-models/argo-rollouts/${group}/${version}`];
  return [`kubernetes-models/${group}/${version}`];
}

const cache = new Map<string, Record<string, unknown> | null>();

async function load(spec: string): Promise<Record<string, unknown> | null> {
  if (!cache.has(spec)) {
    cache.set(spec, await dynamicImport(spec).catch(() => null));
  }
  return cache.get(spec) ?? null;
}

/** The model class for a manifest's apiVersion/kind; throws when no schema is known. */
export async function modelFor(apiVersion: string, kind: string): Promise<ModelClass> {
  for (const spec of modelModules(apiVersion)) {
    const mod = await load(spec);
    const cls = mod?.[kind];
    if (typeof cls === "function") return cls as ModelClass;
  }
  throw new Error(`no kubernetes-models schema for ${apiVersion} ${kind} (tried ${modelModules(apiVersion).join(", ")})`);
}

/** Validates one manifest; resolves to the schema error message, or undefined when valid. */
export async function schemaError(manifest: { apiVersion: string; kind: string }): Promise<string | undefined> {
  const Model = await modelFor(manifest.apiVersion, manifest.kind);
  try {
    new Model(manifest).validate();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
