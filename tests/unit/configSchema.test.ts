// The stack config loader as a pure function (no mocks): defaults, environments, which keys it
// reads, and how secrets come out.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, type RawStackConfig } from "../../config/load";
import { environmentOf } from "../../config/schema";
import { CANARIES } from "./harness/secrets";

const P = "agent-cellphone-v2:";
const minimal = (extra: Record<string, unknown> = {}): Record<string, string> => {
  const cfg: Record<string, unknown> = {
    app: { image: { repository: "ghcr.io/acme/acv2", tag: "1.0.0" } },
    gateway: { host: "acv2.example.com" },
    ...extra,
  };
  return Object.fromEntries(Object.entries(cfg).map(([k, v]) => [`${P}${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
};
const parse = (raw: Partial<RawStackConfig> & { config: Record<string, string> }) => parseStackConfig({ stack: "dev", secretKeys: [], ...raw });
const isSecret = (o: pulumi.Output<unknown>) => (o as unknown as { isSecret: Promise<boolean> }).isSecret;
const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));

describe("stack config loader", () => {
  it("maps stack names to environments; unknown stacks are dev-like", () => {
    assert.deepStrictEqual(["dev", "staging", "production", "pr-42"].map(environmentOf), ["dev", "staging", "production", "dev"]);
  });

  it("fills every documented default", () => {
    const c = parse({ config: minimal() });
    assert.strictEqual(c.app.name, "agent-cellphone-v2");
    assert.strictEqual(c.app.namespace, undefined);
    assert.strictEqual(c.app.port, 8000);
    assert.strictEqual(c.app.replicas, 2);
    assert.deepStrictEqual(c.app.resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
    assert.strictEqual(c.app.revisionHistoryLimit, 5);
    assert.deepStrictEqual(c.autoscaling, { enabled: false, minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 70, targetMemoryUtilization: 80, scaleDownStabilizationSeconds: 300 });
    assert.deepStrictEqual(c.gateway.tls, { issuer: "self-signed", installCertManager: false });
    assert.strictEqual(c.gateway.gatewayNamespace, "istio-system");
    assert.deepStrictEqual([c.monitoring.mode, c.monitoring.scrapeIntervalSeconds, c.monitoring.retention], ["bundled", 5, "15d"]);
    assert.deepStrictEqual(c.kubernetes, {});
    assert.deepStrictEqual(c.verification.display, { deadlineSeconds: 300, checks: [], enabled: true, alwaysRun: false, onFailure: "fail" });
    assert.deepStrictEqual(c.secrets, {});
  });

  it("ignores other namespaces' keys", () => {
    const c = parse({ config: { ...minimal(), "kubernetes:context": "elsewhere", "aws:region": "x" } });
    assert.strictEqual(c.kubernetes.context, undefined);
  });

  it("turns secret keys into secret Outputs", async () => {
    const c = parse({
      stack: "staging",
      config: { ...minimal(), [`${P}databaseUrl`]: CANARIES.databaseUrl, [`${P}grafanaAdminPassword`]: CANARIES.grafanaAdminPassword },
      secretKeys: [`${P}databaseUrl`, `${P}grafanaAdminPassword`],
    });
    assert.deepStrictEqual(Object.keys(c.secrets).sort(), ["databaseUrl", "grafanaAdminPassword"]);
    assert.strictEqual(await isSecret(c.secrets.databaseUrl!), true);
    assert.strictEqual(await valueOf(c.secrets.databaseUrl!), CANARIES.databaseUrl);
    assert.ok(!JSON.stringify({ ...c, secrets: undefined, verification: c.verification.display }).includes(CANARIES.dbPassword));
  });

  it("keeps a secret password that looks like a number a string", async () => {
    const c = parse({ stack: "staging", config: { ...minimal(), [`${P}grafanaAdminPassword`]: "123456789012345" }, secretKeys: [`${P}grafanaAdminPassword`] });
    assert.strictEqual(await valueOf(c.secrets.grafanaAdminPassword!), "123456789012345");
  });

  it("hands a secret verification key over as a secret Output and masks its display copy", async () => {
    const verification = { checks: [{ name: "db", type: "database", url: CANARIES.databaseUrl }] };
    const c = parse({ config: minimal({ verification }), secretKeys: [`${P}verification`] });
    assert.strictEqual(c.verification.isSecret, true);
    assert.strictEqual(await isSecret(c.verification.value), true);
    assert.strictEqual((await valueOf(c.verification.value)).checks[0].type, "database");
    const shown = JSON.stringify(c.verification.display);
    assert.ok(!shown.includes(CANARIES.dbPassword), shown);
    assert.ok(shown.includes('"name":"db"'), "names stay readable");
  });

  it("keeps a plain verification key plain", async () => {
    const c = parse({ config: minimal({ verification: { checks: [{ name: "r", type: "rollout", namespace: "n", deployment: "d" }] } }) });
    assert.strictEqual(c.verification.isSecret, false);
    assert.strictEqual(await isSecret(c.verification.value), false);
  });

  it("refuses to treat a plain section as secret", () => {
    assert.throws(() => parse({ config: minimal(), secretKeys: [`${P}app`] }), {
      message: /agent-cellphone-v2:app: must not be secret: only databaseUrl, apiToken, grafanaAdminPassword and verification may hold secrets/,
    });
  });

  it("requires resource requests within limits and refuses secret-looking or reserved env names", () => {
    const app = {
      image: { repository: "r/x", tag: "1" },
      resources: { requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "500m", memory: "512Mi" } },
      env: { DB_PASSWORD: "x", DATABASE_URL: "y", LOG_LEVEL: "info" },
    };
    assert.throws(() => parse({ config: minimal({ app }) }), (err: Error & { problems?: string[] }) => {
      assert.deepStrictEqual(err.problems, [
        `${P}app.resources.requests.cpu: must be <= limits.cpu (2 > 500m)`,
        `${P}app.resources.requests.memory: must be <= limits.memory (1Gi > 512Mi)`,
        `${P}app.env.DB_PASSWORD: looks like a secret, but app.env goes into a plain ConfigMap: use the secret keys databaseUrl/apiToken`,
        `${P}app.env.DATABASE_URL: is set by the program from the secret keys databaseUrl/apiToken`,
      ]);
      return true;
    });
  });

  it("refuses a repository that carries a tag, but accepts a registry port", () => {
    assert.throws(() => parse({ config: minimal({ app: { image: { repository: "r/x:1.0" } } }) }), { message: /app\.image\.repository: must not carry a tag: set app\.image\.tag/ });
    assert.strictEqual(parse({ config: minimal({ app: { image: { repository: "localhost:5000/r/x", tag: "1" } } }) }).app.image.repository, "localhost:5000/r/x");
  });

  it("refuses render mode while KUBECONFIG is set, and accepts it without", () => {
    const config = minimal({ kubernetes: { renderYamlToDirectory: "rendered/dev" } });
    assert.throws(() => parse({ config, kubeconfigEnv: "/home/me/.kube/config" }), {
      message: /agent-cellphone-v2:kubernetes\.renderYamlToDirectory: cannot be used while KUBECONFIG is set: unset KUBECONFIG for this stack \(scripts\/stack does\)/,
    });
    assert.strictEqual(parse({ config }).kubernetes.renderYamlToDirectory, "rendered/dev");
  });

  it("requires retries to fit in the route timeout", () => {
    assert.throws(() => parse({ config: minimal({ gateway: { host: "a.example.com", timeoutSeconds: 4, retries: { perTryTimeoutSeconds: 5 } } }) }), {
      message: /agent-cellphone-v2:gateway\.retries\.perTryTimeoutSeconds: must be <= timeoutSeconds \(5 > 4\)/,
    });
  });
});
