// Every entry point under scripts/ (and .ci/run): an unexpected argument gets exit 2 and one
// usage line, before the script does anything. The list is read from the directory, so a new
// script without a usage check fails here. The bad-usage runs happen in a throwaway copy of the
// entry points, without node_modules, with stand-ins first on PATH for every tool that would do
// real work (npm, apt-get, go, runuser, make, curl; each exits 97): a script that ignored its
// arguments fails this test instead of reinstalling packages or starting a server.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
/** Sourced, not run (`source scripts/pulumi-env.sh`), so it has no exit code of its own. */
const SOURCED = new Set(["scripts/pulumi-env.sh"]);

function entryPoints(): string[] {
  const scripts = fs
    .readdirSync(path.join(ROOT, "scripts"), { withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => `scripts/${d.name}`)
    .filter((f) => !SOURCED.has(f) && (fs.statSync(path.join(ROOT, f)).mode & 0o111) !== 0);
  return [...scripts, ".ci/run"];
}

const WORKERS = ["npm", "npx", "apt-get", "go", "runuser", "make", "curl", "sudo"];

/** A copy of the entry points with the working tools replaced by stand-ins that exit 97. */
function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-usage-"));
  for (const f of ["scripts", ".ci", "Makefile", "package.json", "package-lock.json", "Pulumi.yaml", "Pulumi.dev.yaml"]) {
    fs.cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
  }
  const stubs = path.join(dir, ".stubs");
  fs.mkdirSync(stubs);
  for (const t of WORKERS) fs.writeFileSync(path.join(stubs, t), `#!/bin/sh\necho "stand-in ${t} called: the script ignored its arguments" >&2\nexit 97\n`, { mode: 0o755 });
  const env = { ...process.env, PATH: `${stubs}:${process.env.PATH}`, ACV2_RUNTIME_DIR: path.join(dir, "runtime"), ACV2_PULUMI_CACHE: path.join(dir, "cache"), ACV2_K8S_CACHE: path.join(dir, "cache") };
  return { dir, env };
}

function run(file: string, args: string[], where: { dir: string; env: NodeJS.ProcessEnv } = { dir: ROOT, env: process.env }, timeout = 30_000) {
  return spawnSync(path.join(where.dir, file), args, { cwd: where.dir, encoding: "utf8", timeout, env: where.env });
}

describe("scripts/ entry points: one usage line and exit 2 on bad usage", function () {
  this.timeout(60_000);
  let box: { dir: string; env: NodeJS.ProcessEnv };
  before(() => {
    box = sandbox();
  });
  after(() => fs.rmSync(box.dir, { recursive: true, force: true }));

  it("finds the entry points (every executable in scripts/ but the sourced env file)", () => {
    const found = entryPoints();
    for (const f of ["scripts/stack", "scripts/install-pulumi", "scripts/start-postgres", "scripts/check-file-length", "scripts/install-bench-tools", ".ci/run"]) {
      assert.ok(found.includes(f), `${f} missing from ${found.join(", ")}`);
    }
  });

  for (const file of entryPoints()) {
    it(`${file} --no-such-option`, () => {
      const r = run(file, ["--no-such-option", "extra"], box);
      assert.equal(r.status, 2, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
      assert.match(lines[0], /usage: /);
      assert.equal(r.stdout, "", "nothing else is printed");
    });
  }

  it("scripts/start-prometheus --target without a value: the usage line, not a shell error", () => {
    const r = run("scripts/start-prometheus", ["--target"], box);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), "usage: scripts/start-prometheus [--target HOST:PORT] [--job NAME]");
  });

  it("exit 0 when what it ran succeeded: check-file-length, and a stop-* with nothing running", function () {
    this.timeout(300_000);
    for (const file of ["scripts/check-file-length", "scripts/stop-postgres", "scripts/stop-prometheus", "scripts/stop-registry"]) {
      // check-file-length reads the checkout (git ls-files), so it runs in place; it only reads.
      // It reads every file; 180 s leaves room for a machine busy with Go builds.
      const r = file === "scripts/check-file-length" ? run(file, [], undefined, 180_000) : run(file, [], box);
      assert.equal(r.status, 0, `${file}: exit ${r.status}\n${r.stderr}`);
    }
  });
});
