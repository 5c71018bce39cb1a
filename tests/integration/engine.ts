// The real Pulumi engine for integration tests: the CLI and plugins from scripts/install-pulumi,
// a throwaway copy of the project (so stack files, state and reports never touch the checkout),
// a file:// backend inside it, and KUBECONFIG unset (render mode refuses one).
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { readManifests } from "../../components/gate/posture";

export const ROOT = path.resolve(__dirname, "../..");
export const PROJECT = "agent-cellphone-v2";
/** What a program needs at run time; tests/ and scripts/ stay behind. */
const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.production.yaml", "package.json", "tsconfig.json", "index.ts", "config", "components", "verification", "policy"];

export interface PulumiResult {
  code: number;
  stdout: string;
  stderr: string;
  out: string;
  ms: number;
}

export function pulumiBinDir(): string {
  const bin = execFileSync(path.join(ROOT, "scripts/install-pulumi"), ["--print-bin"], { encoding: "utf8" }).trim();
  for (const tool of ["pulumi", "pulumi-resource-kubernetes", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) {
    if (!fs.existsSync(path.join(bin, tool))) {
      throw new Error(`${tool} is missing from ${bin}: run scripts/install-pulumi (make test and .ci/run do)`);
    }
  }
  return bin;
}

/** The environment every engine test runs pulumi in: our tools, a file:// backend, no cluster. */
export function engineEnv(stateDir: string, passphrase = "integration-test-passphrase"): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${pulumiBinDir()}:${process.env.PATH}`,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_HOME: process.env.PULUMI_HOME ?? path.join(process.env.ACV2_PULUMI_CACHE ?? path.join(os.homedir(), ".cache/acv2-pulumi"), "home"),
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    CI: "true",
    // make test type-checks with tsc first. Pulumi's host, like the stand-in before it, leaves
    // type checking to @pulumi/pulumi's cmd/run, which checks unless told: measured here (load
    // ~10), a staging preview took 25.6 s transpiling only and 47.2 s type-checking (medians of 3).
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
  };
  // Render mode refuses a kubeconfig, and nothing here may reach a cluster or Pulumi Cloud.
  delete env.KUBECONFIG;
  delete env.PULUMI_ACCESS_TOKEN;
  return env;
}

/** Runs the pulumi CLI; `out` is stdout and stderr interleaved as they arrived. */
export function runPulumi(cwd: string, env: NodeJS.ProcessEnv, args: string[], timeoutMs = 600_000): Promise<PulumiResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let out = "";
    child.stdout.on("data", (d) => ((stdout += d), (out += d)));
    child.stderr.on("data", (d) => ((stderr += d), (out += d)));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, out, ms: Date.now() - started });
    });
  });
}

/** Copies what the program needs at run time into `dir`, with node_modules linked. */
export function copyProject(dir: string, files: readonly string[] = PROJECT_FILES): void {
  for (const f of files) fs.cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
}

export class Workspace {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(label: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `acv2-${label}-`));
    copyProject(this.dir);
    fs.mkdirSync(path.join(this.dir, ".state"));
    this.env = engineEnv(path.join(this.dir, ".state"));
  }

  pulumi(args: string[], timeoutMs = 600_000): Promise<PulumiResult> {
    return runPulumi(this.dir, this.env, args, timeoutMs);
  }

  /** Runs pulumi and fails with its whole output when the exit code is not the expected one. */
  async must(args: string[], expectCode = 0): Promise<PulumiResult> {
    const r = await this.pulumi(args);
    if ((expectCode === 0) !== (r.code === 0)) {
      throw new Error(`pulumi ${args.join(" ")} exited ${r.code} (expected ${expectCode === 0 ? "0" : "non-zero"})\n${r.stdout}\n${r.stderr}`);
    }
    return r;
  }

  /** Reads, edits and writes Pulumi.<stack>.yaml of the copy (keys without the project prefix). */
  editStack(stack: string, edit: (config: Record<string, any>) => void): void {
    const file = path.join(this.dir, `Pulumi.${stack}.yaml`);
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    const plain: Record<string, any> = {};
    for (const [k, v] of Object.entries(doc.config ?? {})) plain[k.replace(`${PROJECT}:`, "")] = v;
    edit(plain);
    doc.config = Object.fromEntries(Object.entries(plain).map(([k, v]) => [k.includes(":") ? k : `${PROJECT}:${k}`, v]));
    fs.writeFileSync(file, YAML.stringify(doc));
  }

  async initStack(stack: string, secrets: Record<string, string> = {}): Promise<void> {
    await this.must(["stack", "init", stack, "--secrets-provider", "passphrase"]);
    for (const [k, v] of Object.entries(secrets)) await this.must(["config", "set", "--secret", "--stack", stack, `${PROJECT}:${k}`, v]);
  }

  async outputs(stack: string): Promise<Record<string, any>> {
    const r = await this.must(["stack", "output", "--json", "--stack", stack]);
    return JSON.parse(r.stdout);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every YAML document under a render directory (none once destroy removed it). */
export function readRendered(dir: string): Array<Record<string, any>> {
  return fs.existsSync(dir) ? (readManifests(dir) as Array<Record<string, any>>) : [];
}
