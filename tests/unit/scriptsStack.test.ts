// scripts/stack (what `make up|preview|destroy` run): exit codes, usage lines, prerequisites said
// before any work, and a never-deployed stack. The engine is a stub here (see harness/stubPulumi);
// tests/integration/scriptsExit.test.ts runs the scenario with the real CLI.
import { strict as assert } from "assert";
import * as fs from "fs";
import { StubProject } from "./harness/stubPulumi";

const PASS = { PULUMI_CONFIG_PASSPHRASE: "unit-test-passphrase" };

describe("scripts/stack: exit codes and first-run messages (stub pulumi)", function () {
  this.timeout(120_000);
  let p: StubProject;
  before(() => {
    p = new StubProject();
  });
  after(() => p?.remove());

  describe("bad usage: exit 2, one line, nothing run", () => {
    for (const args of [["deploy"], ["up", "nosuchstack"], ["up", "dev", "extra"]]) {
      it(`scripts/stack ${args.join(" ")}`, () => {
        const r = p.run("scripts/stack", args, PASS);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stderr.trim().split("\n").length, 1, `expected one line, got:\n${r.stderr}`);
        assert.match(r.stderr, /^(usage: scripts\/stack|scripts\/stack: no stack file Pulumi\.nosuchstack\.yaml \(stacks: dev production staging)/);
        assert.deepEqual(r.calls, [], "pulumi must not be called");
      });
    }
  });

  describe("staging and production say what must be set first, before any work", () => {
    it("no passphrase and no kubeconfig: `up` names both and runs nothing", () => {
      const r = p.run("scripts/stack", ["up", "staging"], { KUBECONFIG: `${p.dir}/no-such-kubeconfig` });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /stack staging needs, before `pulumi up` can run:/);
      assert.match(r.stderr, /- export PULUMI_CONFIG_PASSPHRASE=\.\.\. \(or PULUMI_CONFIG_PASSPHRASE_FILE\)/);
      assert.match(r.stderr, /- a Kubernetes cluster: no kubeconfig at KUBECONFIG=.*no-such-kubeconfig/);
      assert.deepEqual(r.calls, [], "install-pulumi and pulumi must not run before the user fixed this");
    });

    it("`preview` needs the passphrase but runs without a cluster, saying so", () => {
      const refused = p.run("scripts/stack", ["preview", "production"]);
      assert.equal(refused.code, 2);
      assert.doesNotMatch(refused.stderr, /Kubernetes cluster/);
      const r = p.run("scripts/stack", ["preview", "production"], PASS);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^== stack production: backend file:\/\/.*; secrets: passphrase in \$PULUMI_CONFIG_PASSPHRASE; cluster: none: no kubeconfig at ~\/\.kube\/config; previewing without a cluster$/m);
    });

    it("a kubeconfig context is named before the work; a configured context that does not exist refuses", () => {
      const kc = p.kubeconfig(["kind-acv2", "other"]);
      const r = p.run("scripts/stack", ["up", "staging"], { ...PASS, KUBECONFIG: kc });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /cluster: kubeconfig context "kind-acv2" from .*kubeconfig-kind-acv2-other/);
      const headerAt = r.stdout.indexOf("== stack staging");
      assert.ok(headerAt >= 0 && headerAt < r.stdout.indexOf("Updating"), "the prerequisites line comes before the work");
      const pinned = new StubProject();
      try {
        fs.appendFileSync(`${pinned.dir}/Pulumi.staging.yaml`, "  agent-cellphone-v2:kubernetes:\n    context: prod-cluster\n");
        const bad = pinned.run("scripts/stack", ["up", "staging"], { ...PASS, KUBECONFIG: pinned.kubeconfig(["kind-acv2"]) });
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /context "prod-cluster" \(agent-cellphone-v2:kubernetes\.context\) is not in /);
        assert.deepEqual(StubProject.work(bad.calls), []);
      } finally {
        pinned.remove();
      }
    });
  });

  describe("a stack that was never deployed", () => {
    it("preview succeeds with exit 0 although the stack has no outputs yet (issue 15)", () => {
      const r = p.run("scripts/stack", ["preview", "production"], PASS);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /== summary: pulumi preview on stack production: succeeded in \d+s/);
      assert.match(r.stdout, /resources in state: 0/);
      assert.match(r.stdout, /verification: runs on `up`, not in a preview/);
    });

    it("up succeeds with exit 0 and says verification did not run when there is no output", () => {
      const r = p.run("scripts/stack", ["up", "staging"], { ...PASS, KUBECONFIG: p.kubeconfig(["kind-acv2"]) });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.calls.some((c) => c.startsWith("stack output verification")), "the summary asked for the output");
      assert.match(r.stdout, /verification: not run$/m);
    });

    it("destroy of a stack never created: exit 0, nothing to do, no stack created", () => {
      const fresh = new StubProject();
      try {
        const r = fresh.run("scripts/stack", ["destroy", "staging"], { ...PASS, KUBECONFIG: fresh.kubeconfig(["kind-acv2"]) });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /nothing to do \(the stack was never created/);
        assert.deepEqual(StubProject.work(r.calls), ["stack ls --json"]);
      } finally {
        fresh.remove();
      }
    });
  });

  describe("pulumi's exit code is the script's, and make's", () => {
    it("a failing preview exits with pulumi's code and says FAILED", () => {
      const r = p.run("scripts/stack", ["preview", "production"], { ...PASS, STUB_PREVIEW_EXIT: "255" });
      assert.equal(r.code, 255);
      assert.match(r.stdout, /pulumi preview on stack production: FAILED \(exit 255\)/);
    });

    it("make up/preview/destroy check the passphrase and cluster before `npm ci`", () => {
      for (const target of ["up", "preview", "destroy"]) {
        const r = p.run("make", ["-s", target, "STACK=staging"], { KUBECONFIG: `${p.dir}/none` });
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /stack staging needs, before `pulumi \w+` can run:\n  - export PULUMI_CONFIG_PASSPHRASE/);
        assert.equal(/a Kubernetes cluster/.test(r.stderr), target !== "preview", r.stderr);
        assert.deepEqual(r.calls, [], `nothing ran before the check (${target}): ${r.calls.join("; ")}`);
      }
      // With what is needed set, make goes on to the install step (the npm stand-in refuses it here).
      const ok = p.run("make", ["-s", "preview", "STACK=staging"], PASS);
      assert.deepEqual(ok.calls, ["ci --no-audit --no-fund"].map((c) => `npm ${c}`));
    });

    it("make preview / up return 0 on success and non-zero on failure", () => {
      const ok = p.run("make", ["-s", "-o", "node_modules/.installed", "preview", "STACK=production"], PASS);
      assert.equal(ok.code, 0, ok.stderr);
      const failed = p.run("make", ["-s", "-o", "node_modules/.installed", "up", "STACK=staging"], { ...PASS, KUBECONFIG: p.kubeconfig(["kind-acv2"]), STUB_UP_EXIT: "1" });
      assert.notEqual(failed.code, 0);
      const usage = p.run("make", ["-s", "-o", "node_modules/.installed", "up", "STACK=nosuch"], PASS);
      assert.notEqual(usage.code, 0);
      assert.match(usage.stderr, /no stack file Pulumi\.nosuch\.yaml/);
    });
  });
});
