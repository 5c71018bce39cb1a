// A throwaway copy of the project's entry points (scripts/, Makefile, stack files) with a stub
// `pulumi` first on PATH, for exit-code and usage tests of scripts/stack that need no engine.
// The stub stands in for the CLI only where the real one is not needed; the real CLI runs the
// same scenario in tests/integration/scriptsExit.test.ts. The stub logs every call, so a test
// can prove that nothing ran before a prerequisite check refused.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../../..");
const COPIED = ["scripts", "Makefile", "Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.production.yaml", "package.json", "package-lock.json"];

// Exits with STUB_<VERB>_EXIT (default 0); `stack output` fails like the real one on a fresh stack.
const STUB = `#!/usr/bin/env bash
echo "$*" >>"$STUB_LOG"
case "$1 \${2:-}" in
  "version "*) echo v3.248.0; exit 0 ;;
  "stack ls") cat "$STUB_DIR/stacks.json" 2>/dev/null || echo '[]'; exit 0 ;;
  "stack init") printf '[{"name":"%s"}]' "\${!#}" >"$STUB_DIR/stacks.json"; exit 0 ;;
  "stack select") exit 0 ;;
  "stack export") echo '{"version":3,"deployment":{"manifest":{}}}'; exit 0 ;;
  "stack output") echo "error: current stack does not have output property 'verification'" >&2; exit 255 ;;
  "preview "*) echo "Previewing update"; exit "\${STUB_PREVIEW_EXIT:-0}" ;;
  "up "*) echo "Updating"; exit "\${STUB_UP_EXIT:-0}" ;;
  "destroy "*) echo "Destroying"; exit "\${STUB_DESTROY_EXIT:-0}" ;;
  "refresh "*) exit 0 ;;
esac
echo "stub pulumi: unexpected call: $*" >&2
exit 99
`;

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every call the stub pulumi received, one per line. */
  calls: string[];
}

export class StubProject {
  readonly dir: string;
  private readonly stubDir: string;
  private readonly log: string;
  readonly baseEnv: NodeJS.ProcessEnv;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-scripts-"));
    for (const f of COPIED) fs.cpSync(path.join(ROOT, f), path.join(this.dir, f), { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(this.dir, "node_modules"));
    this.stubDir = path.join(this.dir, ".stub");
    fs.mkdirSync(this.stubDir);
    for (const tool of ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs", "pulumi-analyzer-policy"]) {
      fs.writeFileSync(path.join(this.stubDir, tool), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    }
    fs.writeFileSync(path.join(this.stubDir, "pulumi"), STUB, { mode: 0o755 });
    // make's install step would run `npm ci` here (the copied package.json is newer than the
    // marker): a stand-in that logs and refuses, so tests see whether the install was reached.
    fs.writeFileSync(path.join(this.stubDir, "npm"), '#!/usr/bin/env bash\necho "npm $*" >>"$STUB_LOG"\nexit 97\n', { mode: 0o755 });
    this.log = path.join(this.stubDir, "calls.log");
    // install-pulumi finds the stub on PATH as the CLI; the provider build is marked done so it
    // builds nothing (the key is install-pulumi's: SDK version, module version, Go version).
    const cache = path.join(this.dir, ".cache");
    const bin = path.join(cache, "v3.248.0", "bin");
    fs.mkdirSync(path.join(cache, "v3.248.0", "stamps"), { recursive: true });
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "pulumi-resource-kubernetes"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const goVersion = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" }).stdout.trim();
    fs.writeFileSync(path.join(cache, "v3.248.0", "stamps", "kubernetes"), `kubernetes 4.23.0 stub ${goVersion}\n`);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (/^(PULUMI_|KUBE|STACK$|STUB_|MAKE|MFLAGS)/.test(k)) delete env[k];
    this.baseEnv = {
      ...env,
      PATH: `${this.stubDir}:${process.env.PATH}`,
      ACV2_PULUMI_CACHE: cache,
      ACV2_K8S_PROVIDER_MODULE_VERSION: "stub",
      HOME: path.join(this.dir, ".home"),
      STUB_LOG: this.log,
      STUB_DIR: this.stubDir,
    };
    fs.mkdirSync(this.baseEnv.HOME!);
  }

  /** Writes a kubeconfig with the given contexts (the first is current) and returns its path. */
  kubeconfig(contexts: string[], current = contexts[0]): string {
    const file = path.join(this.dir, `kubeconfig-${contexts.join("-") || "empty"}`);
    const ctx = contexts.map((c) => `  - name: ${c}\n    context: { cluster: ${c}, user: ${c} }`).join("\n");
    fs.writeFileSync(file, `apiVersion: v1\nkind: Config\n${current ? `current-context: ${current}\n` : ""}contexts:\n${ctx || "  []"}\n`);
    return file;
  }

  run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ScriptRun {
    fs.rmSync(this.log, { force: true });
    const r = spawnSync(cmd, args, { cwd: this.dir, env: { ...this.baseEnv, ...env }, encoding: "utf8", timeout: 120_000 });
    const calls = fs.existsSync(this.log) ? fs.readFileSync(this.log, "utf8").split("\n").filter(Boolean) : [];
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls };
  }

  /** Calls that did work (everything but `pulumi version`, which install-pulumi uses to find the CLI). */
  static work(calls: string[]): string[] {
    return calls.filter((c) => c !== "version");
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
