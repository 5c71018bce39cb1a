// The Pulumi Deployments settings program (deployments/): the pure settings per stack, then the
// program itself under Pulumi mocks (pulumi.runtime.setMocks, dryRun false — a mock: no engine
// and no Pulumi Cloud, which is where these settings would be stored).
import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { defaultPaths, deploymentSettingsArgs, KUBECONFIG_DATA_VAR, KUBECONFIG_PATH, preRunCommands, type StackDeploymentArgs } from "../../deployments/settings";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const PROJECT = "agent-cellphone-v2-deployments";
const ENTRY = path.resolve(__dirname, "../../deployments/index.ts");
const SIG_KEY: string = pulumi.runtime.specialSigKey;
const SECRET_SIG: string = pulumi.runtime.specialSecretSig;
const CANARY = { staging: "CANARY-kubeconfig-staging-3e1f", production: "CANARY-kubeconfig-production-9a7c" };

const base: StackDeploymentArgs = { organization: "acme", repository: "acme/agent-cellphone-v2", kubeconfig: "kc" };

describe("deployments: settings per stack (pure)", () => {
  it("staging: GitHub app source on main, PR previews and push deploys filtered to the program's files", () => {
    const s: Any = deploymentSettingsArgs("staging", base);
    assert.deepStrictEqual([s.organization, s.project, s.stack], ["acme", "agent-cellphone-v2", "staging"]);
    assert.deepStrictEqual(s.sourceContext, { git: { branch: "main" } });
    assert.deepStrictEqual(s.vcs, {
      provider: "github",
      repository: "acme/agent-cellphone-v2",
      previewPullRequests: true,
      deployCommits: true,
      pullRequestTemplate: false,
      paths: defaultPaths("staging"),
    });
    assert.ok(s.vcs.paths.includes("Pulumi.staging.yaml") && !s.vcs.paths.includes("Pulumi.production.yaml"));
    assert.ok(s.vcs.paths.includes("components/**") && s.vcs.paths.includes("package-lock.json"));
  });

  it("production: its own stack file in the filters, the same triggers unless turned off", () => {
    const s: Any = deploymentSettingsArgs("production", base);
    assert.strictEqual(s.stack, "production");
    assert.ok(s.vcs.paths.includes("Pulumi.production.yaml") && !s.vcs.paths.includes("Pulumi.staging.yaml"));
    const gated: Any = deploymentSettingsArgs("production", { ...base, deployCommits: false });
    assert.deepStrictEqual([gated.vcs.deployCommits, gated.vcs.previewPullRequests], [false, true]);
  });

  it("runs npm ci itself (the runner's install skipped) and writes the kubeconfig from its secret variable", () => {
    const s: Any = deploymentSettingsArgs("staging", base);
    assert.deepStrictEqual(s.operationContext.preRunCommands, preRunCommands());
    assert.strictEqual(s.operationContext.preRunCommands[0], "npm ci --no-audit --no-fund");
    assert.strictEqual(s.operationContext.preRunCommands[1], `umask 077 && printf '%s\\n' "$${KUBECONFIG_DATA_VAR}" > "$KUBECONFIG"`);
    assert.strictEqual(s.operationContext.options.skipInstallDependencies, true);
    assert.deepStrictEqual(s.operationContext.environmentVariables, { KUBECONFIG: KUBECONFIG_PATH, [KUBECONFIG_DATA_VAR]: "kc" });
  });

  it("a program in a subdirectory: repoDir set and every path filter under it", () => {
    const s: Any = deploymentSettingsArgs("staging", { ...base, repoDir: "infra/" });
    assert.strictEqual(s.sourceContext.git.repoDir, "infra/");
    assert.ok(s.vcs.paths.every((p: string) => p.startsWith("infra/")), s.vcs.paths.join(","));
    assert.ok(s.vcs.paths.includes("infra/Pulumi.staging.yaml"));
  });

  it('source "git": repo URL and token auth, no GitHub triggers', () => {
    const s: Any = deploymentSettingsArgs("production", { ...base, source: "git", gitToken: "tok", branch: "release" });
    assert.deepStrictEqual(s.sourceContext.git, {
      branch: "release",
      repoUrl: "https://github.com/acme/agent-cellphone-v2.git",
      gitAuth: { basicAuth: { username: "x-access-token", password: "tok" } },
    });
    assert.strictEqual(s.vcs, undefined);
  });

  it("refuses what cannot work, naming the field and never echoing the value", () => {
    assert.throws(() => deploymentSettingsArgs("staging", { ...base, repository: "https://github.com/secret-looking" }), (e: Error) => /repository must be owner\/name/.test(e.message) && !e.message.includes("secret-looking"));
    assert.throws(() => deploymentSettingsArgs("staging", { ...base, source: "git" }), /gitToken is required/);
    assert.throws(() => deploymentSettingsArgs("staging", { ...base, environmentVariables: { [KUBECONFIG_DATA_VAR]: "x" } }), /environmentVariables.ACV2_KUBECONFIG_DATA is already set/);
    assert.throws(() => deploymentSettingsArgs("staging", { ...base, environmentVariables: { KUBECONFIG: "/x" } }), /environmentVariables.KUBECONFIG is already set/);
  });
});

interface Registered {
  type: string;
  name: string;
  inputs: Any;
}

/** Runs deployments/index.ts under mocks with the given config; returns what it registered. */
async function runDeploymentsProgram(config: Record<string, string>, secretKeys: string[]): Promise<{ resources: Registered[]; settings: Record<string, string> }> {
  const resources: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    "settings",
    false,
    "acme-org",
  );
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])),
    secretKeys.map((k) => `${PROJECT}:${k}`),
  );
  for (const id of Object.keys(require.cache)) if (id.includes(`${path.sep}deployments${path.sep}`)) delete require.cache[id];
  const program = require(ENTRY) as { settings: Record<string, pulumi.Output<string>> };
  const settings: Record<string, string> = {};
  for (const [k, v] of Object.entries(program.settings)) settings[k] = await new Promise<string>((resolve) => v.apply(resolve));
  return { resources, settings };
}

const isSecret = (v: unknown) => !!v && typeof v === "object" && (v as Any)[SIG_KEY] === SECRET_SIG;
const unwrap = (v: Any): Any => (isSecret(v) ? v.value : v);
function withoutSecrets(v: unknown): unknown {
  if (isSecret(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(withoutSecrets);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutSecrets(x)]));
  return v;
}

describe("deployments: the program under Pulumi mocks", function () {
  this.timeout(30_000);
  const config = { repository: "acme/agent-cellphone-v2", branch: "main", kubeconfigStaging: CANARY.staging, kubeconfigProduction: CANARY.production };
  const secretKeys = ["kubeconfigStaging", "kubeconfigProduction"];
  let run: { resources: Registered[]; settings: Record<string, string> };
  before(async () => {
    run = await runDeploymentsProgram(config, secretKeys);
  });

  it("declares one DeploymentSettings per deployed stack, in the stack's own org by default", () => {
    const ds = run.resources.filter((r) => r.type === "pulumiservice:index:DeploymentSettings");
    assert.deepStrictEqual(ds.map((r) => r.name).sort(), ["production-settings", "staging-settings"]);
    assert.deepStrictEqual(run.settings, { staging: "acme-org/agent-cellphone-v2/staging", production: "acme-org/agent-cellphone-v2/production" });
  });

  for (const stack of ["staging", "production"] as const) {
    it(`${stack}: git source, triggers, path filters and pre-run commands as registered`, () => {
      const r = run.resources.find((x) => x.name === `${stack}-settings`)!;
      assert.strictEqual(r.inputs.stack, stack);
      assert.deepStrictEqual(r.inputs.sourceContext, { git: { branch: "main" } });
      assert.strictEqual(r.inputs.vcs.provider, "github");
      assert.strictEqual(r.inputs.vcs.repository, "acme/agent-cellphone-v2");
      assert.deepStrictEqual([r.inputs.vcs.previewPullRequests, r.inputs.vcs.deployCommits], [true, true]);
      assert.deepStrictEqual(r.inputs.vcs.paths, defaultPaths(stack));
      const oc = unwrap(r.inputs.operationContext);
      assert.deepStrictEqual(oc.preRunCommands, preRunCommands());
      assert.strictEqual(oc.environmentVariables.KUBECONFIG, KUBECONFIG_PATH);
      assert.strictEqual(oc.options.skipInstallDependencies, true);
    });

    it(`${stack}: the kubeconfig goes by reference, as a secret, and nowhere in plain text`, () => {
      const r = run.resources.find((x) => x.name === `${stack}-settings`)!;
      // The SDK marks the whole top-level property secret when a value inside it is secret.
      assert.ok(isSecret(r.inputs.operationContext), "operationContext (holding the kubeconfig) is not secret");
      assert.strictEqual(unwrap(r.inputs.operationContext).environmentVariables[KUBECONFIG_DATA_VAR], CANARY[stack]);
      const plain = JSON.stringify(withoutSecrets(run.resources.map((x) => x.inputs)));
      assert.ok(!plain.includes(CANARY.staging) && !plain.includes(CANARY.production), "a kubeconfig canary is outside a secret");
    });
  }

  it("per-stack switches: production without push deploys when deployCommitsProduction is false", async () => {
    const gated = await runDeploymentsProgram({ ...config, deployCommitsProduction: "false" }, secretKeys);
    const flags = (n: string) => gated.resources.find((x) => x.name === n)!.inputs.vcs.deployCommits;
    assert.deepStrictEqual([flags("staging-settings"), flags("production-settings")], [true, false]);
  });

  it("fails without a stack's kubeconfig secret, naming the key", async () => {
    const { kubeconfigProduction: _, ...missing } = config;
    await assert.rejects(runDeploymentsProgram(missing, ["kubeconfigStaging"]), /kubeconfigProduction/);
  });
});
