// Broken stack configs through the real program under mocks: each gives its exact error lines
// (key path and rule, never a value) and the program registers nothing at all.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { StackConfigError } from "../../config/load";
import { loadStackYaml, ProgramError, runProgram, type RunOptions } from "./harness/runProgram";
import { CANARIES, CANARY_SECRETS } from "./harness/secrets";

const P = "agent-cellphone-v2:";
const stagingApp = () => loadStackYaml("staging").app as Record<string, unknown>;
const prodApp = () => loadStackYaml("production").app as Record<string, unknown>;

interface Case {
  title: string;
  stack: string;
  options: RunOptions;
  problems: string[];
}

const CASES: Case[] = [
  {
    title: "missing image",
    stack: "staging",
    options: { config: { app: { ...stagingApp(), image: undefined } } },
    problems: [`${P}app.image: is required`],
  },
  {
    title: "negative replicas",
    stack: "dev",
    options: { config: { app: { ...loadStackYaml("dev").app as object, replicas: -2 } } },
    problems: [`${P}app.replicas: must be >= 1`],
  },
  {
    title: "minReplicas above maxReplicas",
    stack: "staging",
    options: { config: { autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 3 } } },
    problems: [`${P}autoscaling.minReplicas: must be <= maxReplicas (5 > 3)`],
  },
  {
    title: "host that is not a DNS name",
    stack: "staging",
    options: { config: { gateway: { host: "Not_A Host", tls: { issuer: "self-signed" } } } },
    problems: [`${P}gateway.host: must be a DNS name (lowercase labels separated by dots, e.g. acv2.example.com)`],
  },
  {
    title: "latest in production",
    stack: "production",
    options: { config: { app: { ...prodApp(), image: { repository: "ghcr.io/dadudekc/agent-cellphone-v2", tag: "latest" } } } },
    problems: [`${P}app.image.tag: must not be "latest" in production: pin a version tag or a digest`],
  },
  {
    title: "neither tag nor digest in production",
    stack: "production",
    options: { config: { app: { ...prodApp(), image: { repository: "ghcr.io/dadudekc/agent-cellphone-v2" } } } },
    problems: [`${P}app.image: needs a tag or a digest in production`],
  },
  {
    title: "malformed digest",
    stack: "production",
    options: { config: { app: { ...prodApp(), image: { repository: "ghcr.io/dadudekc/agent-cellphone-v2", digest: "sha256:abc" } } } },
    problems: [`${P}app.image.digest: must be sha256:<64 lowercase hex digits>`],
  },
  {
    title: "unknown top-level key",
    stack: "dev",
    options: { config: { replicaCount: 3 } },
    problems: [`${P}replicaCount: is not a known key (known: app, autoscaling, gateway, monitoring, verification, kubernetes, release, databaseUrl, apiToken, grafanaAdminPassword)`],
  },
  {
    title: "unknown nested key",
    stack: "dev",
    options: { config: { autoscaling: { enabled: false, maxReplica: 4 } } },
    problems: [`${P}autoscaling: unknown key(s) "maxReplica"`],
  },
  {
    title: "wrong type",
    stack: "dev",
    options: { config: { app: { ...loadStackYaml("dev").app as object, replicas: "3" } } },
    problems: [`${P}app.replicas: must be number (got string)`],
  },
  {
    title: "ACME issuer without an e-mail",
    stack: "staging",
    options: { config: { gateway: { host: "staging.acv2.example.com", tls: { issuer: "acme-staging" } } } },
    problems: [`${P}gateway.tls.acmeEmail: is required when tls.issuer is "acme-staging"`],
  },
  {
    title: "self-signed certificate in production",
    stack: "production",
    options: { config: { gateway: { host: "acv2.example.com", tls: { issuer: "self-signed" } } } },
    problems: [`${P}gateway.tls.issuer: must be "acme-production" in production (browsers do not trust "self-signed")`],
  },
  {
    title: "PDB override that would block every eviction",
    stack: "production",
    options: { config: { app: { ...prodApp(), podDisruptionBudget: { minAvailable: 3 } } } },
    problems: [`${P}app.podDisruptionBudget.minAvailable: must be < autoscaling.minReplicas (3 >= 3): it would block every voluntary eviction`],
  },
  {
    title: "scheduling: a bad node label key, a value with Exists, Equal without a key, an unknown effect",
    stack: "dev",
    options: {
      config: {
        app: {
          ...loadStackYaml("dev").app as object,
          scheduling: { nodeSelector: { "bad key": "x" }, tolerations: [{ key: "k", operator: "Exists", value: "v" }, { value: "v" }, { key: "k", operator: "Exists", effect: "Sometimes" }] },
        },
      },
    },
    problems: [
      `${P}app.scheduling.nodeSelector.bad key: must be a label key ([prefix/]name: name of at most 63 of [A-Za-z0-9-_.], prefix a DNS subdomain)`,
      `${P}app.scheduling.tolerations[0].value: must not be set when operator is Exists`,
      `${P}app.scheduling.tolerations[1].key: is required when operator is Equal`,
      `${P}app.scheduling.tolerations[2].effect: must be one of "NoSchedule", "PreferNoSchedule", "NoExecute"`,
    ],
  },
  {
    title: "unknown verification check type",
    stack: "dev",
    options: { config: { verification: { checks: [{ name: "x", type: "ping" }] } } },
    problems: [`${P}verification.checks[0].type: must be one of "rollout", "rollback", "health", "availability", "api", "database", "performance", "security", "external", "monitoring"`],
  },
  {
    title: "several problems at once, each section still checked",
    stack: "production",
    options: {
      config: {
        app: { ...prodApp(), replicas: 0, image: { repository: "ghcr.io/dadudekc/agent-cellphone-v2", tag: "latest" } },
        autoscaling: { enabled: true, minReplicas: 4, maxReplicas: 2 },
        monitoring: { mode: "sidecar" },
      },
    },
    problems: [
      `${P}app.replicas: must be >= 1`,
      `${P}monitoring.mode: must be one of "bundled", "operator", "none"`,
      `${P}autoscaling.minReplicas: must be <= maxReplicas (4 > 2)`,
      `${P}app.image.tag: must not be "latest" in production: pin a version tag or a digest`,
    ],
  },
];

async function failure(stack: string, options: RunOptions): Promise<{ error: StackConfigError; registered: number }> {
  try {
    await runProgram(stack, options);
  } catch (err) {
    assert.ok(err instanceof ProgramError, `expected ProgramError, got ${err}`);
    assert.ok(err.cause instanceof StackConfigError, `expected StackConfigError, got ${err.cause}`);
    // A RunError is reported by its message alone (no stack trace); tests/integration/configErrors
    // shows it through the real engine.
    assert.ok(pulumi.RunError.isInstance(err.cause), "config errors must be pulumi.RunError");
    assert.ok(!Object.keys(err.cause).includes("problems"), "problems is not an enumerable property");
    return { error: err.cause, registered: err.resources.length };
  }
  throw new assert.AssertionError({ message: "the program accepted a broken config" });
}

describe("broken stack configs: one clear error, nothing registered", function () {
  this.timeout(60_000);
  for (const c of CASES) {
    it(`${c.title} (${c.stack})`, async () => {
      const { error, registered } = await failure(c.stack, c.options);
      assert.deepStrictEqual(error.problems, c.problems);
      assert.match(error.message, new RegExp(`^invalid configuration for stack "${c.stack}" \\(${c.problems.length} problems?\\):\\n`));
      assert.strictEqual(registered, 0, "no resource may be registered before the config is valid");
    });
  }

  it("never echoes a secret value, even when the secret is the broken field", async () => {
    const leaked = `${CANARIES.dbPassword}-not-a-url`;
    const { error, registered } = await failure("staging", {
      secrets: { ...CANARY_SECRETS, databaseUrl: leaked, grafanaAdminPassword: CANARIES.dbPassword.slice(0, 6) },
    });
    assert.deepStrictEqual(error.problems, [
      `${P}databaseUrl: must be a postgres://, postgresql://, redis://, rediss:// or mysql:// URL`,
      `${P}grafanaAdminPassword: must be at least 12 characters`,
    ]);
    assert.ok(!error.message.includes(CANARIES.dbPassword.slice(0, 6)), "no part of a secret in the message");
    assert.strictEqual(registered, 0);
  });

  it("refuses a secret key set without --secret, without echoing it", async () => {
    const { error } = await failure("staging", { secrets: { grafanaAdminPassword: CANARIES.grafanaAdminPassword }, config: { databaseUrl: CANARIES.databaseUrl } });
    assert.deepStrictEqual(error.problems, [`${P}databaseUrl: must be set as a secret: \`pulumi config set --secret ${P}databaseUrl <value>\``]);
    assert.ok(!error.message.includes(CANARIES.dbPassword));
  });

  it("refuses credentials in a verification key that is not secret, naming the path", async () => {
    const checks = [{ name: "db", type: "database", url: CANARIES.databaseUrl }];
    const { error } = await failure("dev", { config: { verification: { checks } } });
    assert.deepStrictEqual(error.problems, [
      `${P}verification.checks[0].url: holds a URL password: set it with \`pulumi config set --secret --path\` so the verification key is secret`,
    ]);
    assert.ok(!error.message.includes(CANARIES.dbPassword));
  });
});
