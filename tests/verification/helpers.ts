// Shared by the verification tests: spawn the real CLI, make temp dirs, check XML is well formed.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verificationSchema, type VerificationConfigInput, type VerificationConfig } from "../../verification/schema";

export const REPO = join(__dirname, "..", "..");

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliSpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Kill the child after this long (test safety net). Default 30 s. */
  killAfterMs?: number;
  /** Called once stdout contains `text` (e.g. to send SIGINT mid-run). */
  onStdout?: { text: string | RegExp; then: (child: ReturnType<typeof spawn>) => void };
}

/** Runs `node -r ts-node/register/transpile-only verification/cli.ts ...args` from the repo root. */
export function runCli(args: string[], opts: CliSpawnOptions = {}): Promise<CliRun> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", ...opts.env };
  delete env.GITHUB_STEP_SUMMARY;
  if (opts.env?.GITHUB_STEP_SUMMARY) env.GITHUB_STEP_SUMMARY = opts.env.GITHUB_STEP_SUMMARY;
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "verification/cli.ts", ...args], {
    cwd: REPO,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let fired = false;
  child.stdout.on("data", (d) => {
    stdout += d;
    const hook = opts.onStdout;
    if (hook && !fired && (typeof hook.text === "string" ? stdout.includes(hook.text) : hook.text.test(stdout))) {
      fired = true;
      hook.then(child);
    }
  });
  child.stderr.on("data", (d) => (stderr += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), opts.killAfterMs ?? 30_000);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export function tempDir(prefix = "verify-test-"): { dir: string; file(name: string, content?: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name, content) {
      const p = join(dir, name);
      if (content !== undefined) writeFileSync(p, content);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Parses a config the way the CLI would, for in-process runner tests. */
export function config(input: VerificationConfigInput): VerificationConfig {
  return verificationSchema.parse(input);
}

/**
 * Minimal XML well-formedness check: one root, balanced and properly nested tags, quoted
 * attributes, only the five predefined entities or numeric references. Returns the problem or
 * undefined. Enough to prove the JUnit writer escapes hostile text; not a validating parser.
 */
export function xmlProblem(xml: string): string | undefined {
  let s = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: string[] = [];
  let roots = 0;
  const name = "[A-Za-z_][\\w.-]*";
  const attr = `\\s+${name}="[^"<]*"`;
  const tag = new RegExp(`^<(/?)(${name})((?:${attr})*)\\s*(/?)>`);
  while (s.length > 0) {
    if (s.startsWith("<")) {
      const m = tag.exec(s);
      if (!m) return `bad tag near ${JSON.stringify(s.slice(0, 40))}`;
      const [whole, close, tagName, attrs, selfClose] = m;
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(attrs)) return `bad entity in attributes of <${tagName}>`;
      if (close) {
        if (stack.pop() !== tagName) return `mismatched </${tagName}>`;
      } else if (!selfClose) {
        if (stack.length === 0) roots += 1;
        stack.push(tagName);
      } else if (stack.length === 0) roots += 1;
      s = s.slice(whole.length);
    } else {
      const next = s.indexOf("<");
      const text = next < 0 ? s : s.slice(0, next);
      if (stack.length === 0 && text.trim() !== "") return "text outside the root element";
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) return `bad entity in text ${JSON.stringify(text.slice(0, 40))}`;
      s = next < 0 ? "" : s.slice(next);
    }
  }
  if (stack.length > 0) return `unclosed <${stack[stack.length - 1]}>`;
  if (roots !== 1) return `expected one root element, found ${roots}`;
  return undefined;
}
