// Issue 15's first run, with the real CLI: a fresh copy of the project (as a new clone has it:
// no .pulumi-state, no stacks), `make preview` / `make destroy` for staging and production on the
// default file:// backend, no kubeconfig at all. tests/unit/scriptsStack.test.ts covers the
// remaining exit-code paths with a stub CLI.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { copyProject, pulumiBinDir } from "./engine";

const FILES = ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.production.yaml", "package.json", "package-lock.json", "tsconfig.json", "index.ts", "config", "components", "verification", "policy", "scripts", "Makefile"];

interface Run {
  code: number | null;
  out: string;
  ms: number;
}

describe("real CLI: make preview/destroy on a fresh clone, staging and production", function () {
  this.timeout(900_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    pulumiBinDir(); // fails with a clear message when the tools are not built
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-fresh-"));
    copyProject(dir, FILES);
    const home = path.join(dir, ".home");
    fs.mkdirSync(home);
    env = { ...process.env };
    for (const k of Object.keys(env)) if (/^(PULUMI_|KUBE|STACK$|MAKE|MFLAGS)/.test(k)) delete env[k];
    Object.assign(env, {
      // A new user's HOME: no ~/.kube/config. The built tools stay where install-pulumi put them.
      HOME: home,
      ACV2_PULUMI_CACHE: process.env.ACV2_PULUMI_CACHE ?? path.join(os.homedir(), ".cache/acv2-pulumi"),
      GOPATH: process.env.GOPATH ?? path.join(os.homedir(), "go"),
      PULUMI_CONFIG_PASSPHRASE: "fresh-clone-passphrase",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    });
  });
  after(() => {
    if (dir && !process.env.ACV2_KEEP_WORKSPACE) fs.rmSync(dir, { recursive: true, force: true });
  });

  function make(target: string, stack: string, extra: NodeJS.ProcessEnv = {}): Promise<Run> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      // -o: node_modules is a link to the checkout's, already installed; never `npm ci` it from here.
      const child = spawn("make", ["-s", "-o", "node_modules/.installed", target, `STACK=${stack}`], { cwd: dir, env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const timer = setTimeout(() => child.kill("SIGTERM"), 600_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, out, ms: Date.now() - started });
      });
    });
  }

  it("STACK=production make preview: exit 0 after the summary, on a stack that has no outputs", async () => {
    const r = await make("preview", "production");
    console.log(`      make preview (production, fresh): ${r.ms} ms`);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /== stack production: backend file:\/\/.*\.pulumi-state; secrets: passphrase in \$PULUMI_CONFIG_PASSPHRASE; cluster: none: no kubeconfig at ~\/\.kube\/config; previewing without a cluster/);
    assert.match(r.out, /== summary: pulumi preview on stack production: succeeded in \d+s/);
    assert.match(r.out, /verification: runs on `up`, not in a preview/);
  });

  it("STACK=staging make preview: exit 0 without a Grafana password (generated on up), no stack trace", async () => {
    const r = await make("preview", "staging");
    console.log(`      make preview (staging, fresh): ${r.ms} ms`);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /pulumi-nodejs:dynamic\/password:GeneratedPassword/);
    assert.doesNotMatch(r.out, /^\s+at \S/m);
    assert.match(r.out, /== summary: pulumi preview on stack staging: succeeded/);
  });

  it("make up / destroy without a kubeconfig: exit 2 and what to set, before any work", async () => {
    for (const target of ["up", "destroy"]) {
      const r = await make(target, "production");
      assert.notEqual(r.code, 0);
      assert.match(r.out, new RegExp(`scripts/stack: stack production needs, before \`pulumi ${target}\` can run:`));
      assert.match(r.out, /- a Kubernetes cluster: no kubeconfig at ~\/\.kube\/config; point KUBECONFIG at a kubeconfig/);
      assert.doesNotMatch(r.out, /Previewing|Updating|Destroying|\[install-pulumi\]/, "nothing ran");
    }
    const noPass = await make("preview", "staging", { PULUMI_CONFIG_PASSPHRASE: "" });
    assert.notEqual(noPass.code, 0);
    assert.match(noPass.out, /- export PULUMI_CONFIG_PASSPHRASE=\.\.\. \(or PULUMI_CONFIG_PASSPHRASE_FILE\)/);
  });

  it("make destroy of a stack that holds nothing, and of one never created: exit 0", async () => {
    // A kubeconfig naming an unreachable loopback cluster: destroy of an empty stack never calls it.
    const kc = path.join(dir, "kubeconfig");
    fs.writeFileSync(kc, "apiVersion: v1\nkind: Config\ncurrent-context: nowhere\nclusters:\n- name: nowhere\n  cluster: { server: 'https://127.0.0.1:1' }\nusers:\n- name: nowhere\n  user: { token: x }\ncontexts:\n- name: nowhere\n  context: { cluster: nowhere, user: nowhere }\n");
    const empty = await make("destroy", "staging", { KUBECONFIG: kc });
    assert.equal(empty.code, 0, empty.out);
    assert.match(empty.out, /cluster: kubeconfig context "nowhere"/);
    assert.match(empty.out, /== summary: pulumi destroy on stack staging: succeeded/);
    fs.copyFileSync(path.join(dir, "Pulumi.staging.yaml"), path.join(dir, "Pulumi.other.yaml"));
    const never = await make("destroy", "other", { KUBECONFIG: kc });
    assert.equal(never.code, 0, never.out);
    assert.match(never.out, /nothing to do \(the stack was never created/);
  });
});
