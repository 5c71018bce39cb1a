// Runs index.ts under Pulumi mocks for one stack, with the real Pulumi.<stack>.yaml config, and
// returns everything it registered. Mocks are the point here (no engine, no cluster): the
// program's wiring, names, parents, specs and secrecy are what these tests look at.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { CANARY_SECRETS } from "./secrets";

export const PROJECT = "agent-cellphone-v2";
export const ROOT = path.resolve(__dirname, "../../..");
export const STACKS = ["dev", "staging", "production"] as const;

export interface RegisteredResource {
  /** Type token, e.g. `kubernetes:apps/v1:Deployment` or `acv2:app:AppDeployment`. */
  type: string;
  name: string;
  /** Custom (provider-managed) or component. */
  custom: boolean;
  /** Inputs as the mock monitor saw them; secrets stay wrapped (see secrets.ts). */
  inputs: Record<string, unknown>;
  /** Name of the parent resource; undefined for top-level resources. */
  parent?: string;
  /** Type token of the parent resource. */
  parentType?: string;
  /** Provider reference (`<urn>::<id>`) a custom resource was registered with. */
  provider?: string;
  /** Names of the resources this one was registered as depending on (dependsOn, expanded by the SDK). */
  dependencies: string[];
}

export interface ProgramRun {
  stack: string;
  resources: RegisteredResource[];
  /** Stack exports, resolved. */
  outputs: Record<string, unknown>;
  /** Names of the exports that are secret Outputs. */
  secretOutputs: Set<string>;
  /** Wall time of the program evaluation (import to settled registrations), ms. */
  durationMs: number;
}

export interface RunOptions {
  /** Keys (without the project prefix) to set or replace; objects are JSON-encoded like the CLI does. */
  config?: Record<string, unknown>;
  /** Secret keys to set (as `pulumi config set --secret`). Default: the canaries outside dev, none in dev. */
  secrets?: Record<string, string>;
  /** Keys to drop from the stack file's config. */
  remove?: string[];
  /** Keys to mark secret besides `secrets` (e.g. `verification` set with --secret --path). */
  secretKeys?: string[];
  /** Program entry point. Default: index.ts at the project root. */
  entry?: string;
  /** Re-evaluate every project module, not just the entry. Default: false. */
  freshModules?: boolean;
}

/** Thrown when the program fails; carries what was registered before the failure. */
export class ProgramError extends Error {
  constructor(readonly cause: unknown, readonly resources: RegisteredResource[]) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "ProgramError";
  }
}

/** The `config:` block of Pulumi.<stack>.yaml, keyed without the project prefix. */
export function loadStackYaml(stack: string): Record<string, unknown> {
  const doc = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((doc.config ?? {}) as Record<string, unknown>)) {
    out[k.startsWith(`${PROJECT}:`) ? k.slice(PROJECT.length + 1) : k] = v;
  }
  return out;
}

/** The canary secrets a stack gets by default (dev holds no secrets). */
export function defaultSecrets(stack: string): Record<string, string> {
  return stack === "dev" ? {} : { ...CANARY_SECRETS };
}

const encode = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * Forgets project modules so the next require evaluates the program again. Only the entry is
 * dropped by default: the modules it imports are pure (no registration at import time), and
 * recompiling them through ts-node for every run would make each run cost seconds.
 */
function clearProjectModules(entry: string, all: boolean): void {
  for (const file of Object.keys(require.cache)) {
    const project = file.startsWith(ROOT) && !file.includes(`${path.sep}node_modules${path.sep}`) && !file.includes(`${path.sep}harness${path.sep}`);
    if (file === entry || (all && project)) delete require.cache[file];
  }
}

/** Resolves an export to its value and whether it is secret. */
async function settleExport(v: unknown): Promise<{ value: unknown; secret: boolean }> {
  if (!pulumi.Output.isInstance(v)) return { value: v, secret: false };
  const o = v as pulumi.Output<unknown> & { isSecret: Promise<boolean> };
  const value = await new Promise((resolve) => o.apply((x) => resolve(x)));
  return { value, secret: await o.isSecret };
}

const nameFromUrn = (urn: string) => urn.split("::").pop() ?? urn;
const typeFromUrn = (urn: string) => (urn.split("::")[2] ?? "").split("$").pop() ?? "";

/** Runs the program for `stack` under mocks (dryRun false) and collects what it registered. */
export async function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
  const resources: RegisteredResource[] = [];
  let pending = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = { ...args.inputs };
        // Kubernetes fills metadata.name when the program leaves it to auto-naming.
        if (args.type.startsWith("kubernetes:") && inputs.metadata && !inputs.metadata.name) {
          inputs.metadata = { ...inputs.metadata, name: `${args.name}-mock` };
        }
        return { id: args.custom ? `${args.name}-id` : undefined, state: inputs };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    false,
  );
  // The mock API does not pass the parent to newResource; read it off the request.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: (err: unknown, res: unknown) => void): unknown;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    pending++;
    const parentUrn = req.getParent();
    const entry: RegisteredResource = {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      inputs: {},
      parent: parentUrn ? nameFromUrn(parentUrn) : undefined,
      parentType: parentUrn ? typeFromUrn(parentUrn) : undefined,
      provider: req.getProvider() || undefined,
      dependencies: req.getDependenciesList().map(nameFromUrn),
    };
    resources.push(entry);
    entry.inputs = pulumi.runtime.deserializeProperties(req.getObject() as Parameters<typeof pulumi.runtime.deserializeProperties>[0]) as Record<string, unknown>;
    return original(req, (err, res) => {
      pending--;
      cb(err, res);
    });
  };

  const fromFile = loadStackYaml(stack);
  for (const k of options.remove ?? []) delete fromFile[k];
  const values = { ...fromFile, ...options.config };
  const secrets = options.secrets ?? defaultSecrets(stack);
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) config[k.includes(":") ? k : `${PROJECT}:${k}`] = encode(v);
  for (const [k, v] of Object.entries(secrets)) config[`${PROJECT}:${k}`] = v;
  const secretKeys = [...Object.keys(secrets), ...(options.secretKeys ?? [])].map((k) => `${PROJECT}:${k}`);
  pulumi.runtime.setAllConfig(config, secretKeys);

  const entry = options.entry ?? path.join(ROOT, "index.ts");
  clearProjectModules(entry, options.freshModules ?? false);
  const started = performance.now();
  let program: Record<string, unknown>;
  // As scripts/stack does: render mode (dev) refuses a KUBECONFIG, and no test talks to a cluster.
  const kubeconfig = process.env.KUBECONFIG;
  delete process.env.KUBECONFIG;
  try {
    program = require(entry);
  } catch (err) {
    throw new ProgramError(err, resources);
  } finally {
    if (kubeconfig !== undefined) process.env.KUBECONFIG = kubeconfig;
  }
  const outputs: Record<string, unknown> = {};
  const secretOutputs = new Set<string>();
  for (const [k, v] of Object.entries(program)) {
    const s = await settleExport(v);
    outputs[k] = s.value;
    if (s.secret) secretOutputs.add(k);
  }
  // Registrations run asynchronously; wait until the monitor has answered every one.
  const deadline = Date.now() + 20_000;
  for (let quiet = 0; quiet < 3; ) {
    await new Promise((r) => setTimeout(r, 5));
    quiet = pending === 0 ? quiet + 1 : 0;
    if (Date.now() > deadline) throw new Error(`runProgram(${stack}): ${pending} registrations never completed`);
  }
  return { stack, resources, outputs, secretOutputs, durationMs: performance.now() - started };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getObject(): unknown;
  getDependenciesList(): string[];
}

const runs = new Map<string, Promise<ProgramRun>>();

/**
 * The default run of a stack (stack file + default canary secrets), evaluated once per mocha
 * process and shared by every test file that only reads it.
 */
export function cachedRun(stack: string): Promise<ProgramRun> {
  if (!runs.has(stack)) runs.set(stack, runProgram(stack));
  return runs.get(stack)!;
}
