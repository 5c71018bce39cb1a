// The GitHub workflows as data: what each job runs and the guarantees the deploy path rests on
// (one edited PR comment per stack, the policy pack with the stack's config, one concurrency group
// per stack that never cancels a running `up`, reports kept when the gate fails, production
// behind its environment). actionlint (scripts/lint-workflows) checks syntax and expressions;
// this checks intent.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const ROOT = path.resolve(__dirname, "../..");
const workflow = (name: string): Any => YAML.parse(fs.readFileSync(path.join(ROOT, ".github/workflows", name), "utf8"));
const pulumiStep = (job: Any): Any => job.steps.find((s: Any) => String(s.uses ?? "").startsWith("pulumi/actions@"));
const CLI_VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")).packages["node_modules/@pulumi/pulumi"].version;

describe("workflows: preview.yml", () => {
  const wf = workflow("preview.yml");

  it("runs on pull requests; comments need pull-requests: write and nothing more", () => {
    assert.ok(wf.on.pull_request);
    assert.deepStrictEqual(wf.permissions, { contents: "read", "pull-requests": "write" });
  });

  it("installs with npm ci on Node 20 and runs the type check and the unit tests before any preview", () => {
    const unit = wf.jobs.unit;
    const runs = unit.steps.map((s: Any) => s.run).filter(Boolean).join("\n");
    assert.strictEqual(unit.steps.find((s: Any) => String(s.uses).startsWith("actions/setup-node@")).with["node-version"], 20);
    assert.match(runs, /npm ci/);
    assert.match(runs, /tsc --noEmit/);
    assert.match(runs, /mocha 'tests\/unit\/\*\*\/\*\.test\.ts'/);
    assert.strictEqual(wf.jobs.preview.needs, "unit");
  });

  it("previews staging and production, one edited comment per stack, with the pack and the stack's policy config", () => {
    const job = wf.jobs.preview;
    assert.deepStrictEqual(job.strategy.matrix.include.map((i: Any) => i.stack), ["staging", "production"]);
    const step = pulumiStep(job);
    assert.strictEqual(step.with.command, "preview");
    assert.strictEqual(step.with["stack-name"], "${{ matrix.stack }}");
    assert.strictEqual(step.with["comment-on-pr"], true);
    assert.strictEqual(step.with["edit-pr-comment"], true);
    assert.strictEqual(step.with.policyPacks, "policy");
    assert.strictEqual(step.with.policyPackConfigs, "policy/config/${{ matrix.stack }}.json");
    assert.strictEqual(String(step.with["pulumi-version"]), CLI_VERSION, "the CLI matches @pulumi/pulumi in the lockfile");
  });

  it("takes credentials from secrets, never from the workflow text", () => {
    const job = wf.jobs.preview;
    assert.strictEqual(job.env.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
    assert.strictEqual(job.env.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    const kube = job.steps.find((s: Any) => s.env?.KUBECONFIG_DATA);
    assert.strictEqual(kube.env.KUBECONFIG_DATA, "${{ secrets[matrix.kubeconfig] }}");
    assert.match(kube.run, /umask 077/);
    assert.match(job.if, /head\.repo\.full_name == github\.repository/, "fork PRs get no secrets, so they are not previewed");
  });
});

describe("workflows: deploy.yml", () => {
  const wf = workflow("deploy.yml");
  const stacks = ["staging", "production"];

  it("runs on pushes to main", () => {
    assert.deepStrictEqual(wf.on.push.branches, ["main"]);
  });

  for (const stack of stacks) {
    describe(stack, () => {
      const job = wf.jobs[stack];

      it("one concurrency group per stack; a running up is never cancelled", () => {
        assert.deepStrictEqual(job.concurrency, { group: `pulumi-${stack}`, "cancel-in-progress": false });
      });

      it("pulumi up with the pack and the stack's policy config", () => {
        const step = pulumiStep(job);
        assert.strictEqual(step.with.command, "up");
        assert.strictEqual(step.with["stack-name"], stack);
        assert.strictEqual(step.with.policyPacks, "policy");
        assert.strictEqual(step.with.policyPackConfigs, `policy/config/${stack}.json`);
        assert.ok(fs.existsSync(path.join(ROOT, step.with.policyPackConfigs)));
        assert.ok(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`)));
      });

      it("keeps the gate's reports even when the update fails: JSON and JUnit artifacts, Markdown in the job summary", () => {
        const upload = job.steps.find((s: Any) => String(s.uses).startsWith("actions/upload-artifact@"));
        assert.strictEqual(upload.if, "always()");
        const files = upload.with.path.trim().split("\n").map((l: string) => l.trim());
        assert.ok(files.includes(`reports/${stack}/verification-results.json`));
        assert.ok(files.includes(`reports/${stack}/verification-results.xml`));
        const summary = job.steps.find((s: Any) => /GITHUB_STEP_SUMMARY/.test(s.run ?? ""));
        assert.strictEqual(summary.if, "always()");
        assert.match(summary.run, new RegExp(`reports/${stack}/verification-results\\.md`));
        const order = job.steps.indexOf(pulumiStep(job));
        assert.ok(job.steps.indexOf(upload) > order && job.steps.indexOf(summary) > order);
      });
    });
  }

  it("production waits for staging and for the production environment's reviewers", () => {
    assert.strictEqual(wf.jobs.production.needs, "staging");
    assert.strictEqual(wf.jobs.production.environment, "production");
  });

  it("the gate writes the JUnit file the upload names (components/gate/impl.ts)", () => {
    assert.match(fs.readFileSync(path.join(ROOT, "components/gate/impl.ts"), "utf8"), /verification-results\.xml/);
  });
});
