// The CrossGuard pack on the real engine: `pulumi preview --policy-pack policy` with the CLI and
// plugins from scripts/install-pulumi, a throwaway file:// backend, render mode (KUBECONFIG
// unset, manifests to a temp dir). The dev stack of the real program passes; a tiny program whose
// Deployment lacks limits and whose NetworkPolicy fences ingress only fails with the policies'
// messages, and passes once the same program is made compliant through its config.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { copyProject, engineEnv, runPulumi, type PulumiResult } from "./engine";

const ROOT = path.resolve(__dirname, "../..");
const POLICY_PACK = path.join(ROOT, "policy");
/** The engine names a loaded pack `<name>@v<version of policy/package.json>`. */
const PACK_LOADED = new RegExp(`acv2-posture@v${JSON.parse(fs.readFileSync(path.join(POLICY_PACK, "package.json"), "utf8")).version.replace(/\./g, "\\.")} \\(local: `);
type Run = PulumiResult;

function pulumi(cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<Run> {
  return runPulumi(cwd, env, args, 180_000);
}

async function must(cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<Run> {
  const r = await pulumi(cwd, env, args);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.out}`);
  return r;
}

/** A Deployment that meets every rule except, unless `limits` is set, resource limits; fenced for ingress only unless `egress` is set. */
const VIOLATING_PROGRAM = `
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const cfg = new pulumi.Config();
const provider = new k8s.Provider("render", { renderYamlToDirectory: cfg.require("renderDir") });
const labels = { app: "violator" };
const probe = { httpGet: { path: "/health", port: 8000 } };
const limits = cfg.getBoolean("limits") ? { limits: { cpu: "250m", memory: "256Mi" } } : {};
new k8s.apps.v1.Deployment("violator", {
  metadata: { name: "violator", namespace: "policy-test" },
  spec: {
    replicas: 1,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [{
          name: "app",
          image: "ghcr.io/acme/violator:1.0.0",
          resources: { requests: { cpu: "100m", memory: "128Mi" }, ...limits },
          livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        }],
        volumes: [{ name: "tmp", emptyDir: {} }],
      },
    },
  },
}, { provider });
new k8s.networking.v1.NetworkPolicy("fence", {
  metadata: { name: "violator-fence", namespace: "policy-test" },
  spec: { podSelector: {}, policyTypes: cfg.getBoolean("egress") ? ["Ingress", "Egress"] : ["Ingress"] },
}, { provider });
`;

describe("policy pack on the real engine (pulumi preview --policy-pack)", function () {
  this.timeout(300_000);
  let tmp: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-policy-"));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("the dev stack of the real program passes the pack", async () => {
    const dir = path.join(tmp, "project");
    copyProject(dir);
    // Fresh passphrase and state: drop the committed salt; render into the temp dir, not rendered/dev.
    const stackFile = path.join(dir, "Pulumi.dev.yaml");
    const doc = YAML.parse(fs.readFileSync(stackFile, "utf8"));
    delete doc.encryptionsalt;
    doc.config["agent-cellphone-v2:kubernetes"] = { ...doc.config["agent-cellphone-v2:kubernetes"], renderYamlToDirectory: path.join(tmp, "rendered-dev") };
    fs.writeFileSync(stackFile, YAML.stringify(doc));
    fs.mkdirSync(path.join(tmp, "state-dev"));
    const env = engineEnv(path.join(tmp, "state-dev"), "policy-integration-test");

    await must(dir, env, ["stack", "init", "dev", "--secrets-provider", "passphrase"]);
    const r = await pulumi(dir, env, ["preview", "--stack", "dev", "--policy-pack", POLICY_PACK, "--policy-pack-config", path.join(POLICY_PACK, "config/dev.json")]);
    assert.strictEqual(r.code, 0, r.out);
    assert.match(r.out, PACK_LOADED, "the pack was loaded");
    assert.doesNotMatch(r.out, /\[mandatory\]/);
    assert.match(r.out, /kubernetes:apps\/v1:Deployment\s+app-deployment\s+create/, "the preview reached the app's Deployment");
  });

  describe("a program that breaks the posture", () => {
    let dir: string;
    let env: NodeJS.ProcessEnv;
    before(async () => {
      dir = path.join(tmp, "violator");
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: acv2-policy-violator\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
      fs.writeFileSync(path.join(dir, "index.ts"), VIOLATING_PROGRAM);
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "acv2-policy-violator", version: "0.0.0", private: true, main: "index.ts" }));
      fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
      fs.mkdirSync(path.join(tmp, "state-violator"));
      env = engineEnv(path.join(tmp, "state-violator"), "policy-integration-test");
      await must(dir, env, ["stack", "init", "test", "--secrets-provider", "passphrase"]);
      await must(dir, env, ["config", "set", "renderDir", path.join(tmp, "rendered-violator")]);
    });

    it("fails the preview with the policies' messages: no limits, no egress fence", async () => {
      const r = await pulumi(dir, env, ["preview", "--stack", "test", "--policy-pack", POLICY_PACK]);
      assert.notStrictEqual(r.code, 0, r.out);
      assert.match(r.out, /\[mandatory\]\s+pod-resources\s+\(kubernetes:apps\/v1:Deployment: violator\)/);
      assert.match(r.out, /Deployment\/violator: container app: resources\.limits\.cpu must be set/);
      assert.match(r.out, /Deployment\/violator: container app: resources\.limits\.memory must be set/);
      assert.match(r.out, /\[mandatory\]\s+network-default-deny/);
      assert.match(r.out, /Deployment\/violator: no NetworkPolicy restricts its egress/);
      // Only what was broken: every other rule holds for this Deployment.
      const fired = [...r.out.matchAll(/\[(mandatory|advisory)\]\s+([a-z-]+)/g)].map((m) => m[2]);
      assert.deepStrictEqual([...new Set(fired)].sort(), ["network-default-deny", "pod-resources"]);
    });

    it("passes once the same program sets limits and fences egress", async () => {
      await must(dir, env, ["config", "set", "limits", "true"]);
      await must(dir, env, ["config", "set", "egress", "true"]);
      const r = await pulumi(dir, env, ["preview", "--stack", "test", "--policy-pack", POLICY_PACK]);
      assert.strictEqual(r.code, 0, r.out);
      assert.doesNotMatch(r.out, /\[(mandatory|advisory)\]/);
      assert.match(r.out, PACK_LOADED);
    });
  });
});
