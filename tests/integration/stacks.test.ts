// The real engine end to end: CLI, language host, Kubernetes provider (render mode, no cluster),
// the gate in the engine's dynamic provider host against the fixture service, stack config files
// and file:// state. Nothing here is mocked.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { schemaError } from "../unit/harness/validate";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { upstreamPromtool } from "../fixtures/upstreamPromtool";
import { readRendered, Workspace } from "./engine";

const CANARIES = {
  grafanaAdminPassword: "canary-grafana-3e8b1f",
  databaseUrl: "postgres://acv2:canary-dbpw-9c4d2a@127.0.0.1:55432/acv2",
  apiToken: "canary-token-6a0f7e",
};

function liveChecks(ws: Workspace, stack: string, fixture: Fixture) {
  return {
    baseUrl: fixture.url,
    deadlineSeconds: 60,
    reportDir: path.join(ws.dir, "reports", stack),
    checks: [
      { name: "health", type: "health", timeoutSeconds: 3 },
      { name: "api", type: "api", timeoutSeconds: 3, endpoints: [{ method: "GET", path: "/api/v1/status", expectStatus: 200, expectJson: { status: "ok" } }] },
      { name: "availability", type: "availability", requests: 20, minSuccessRate: 0.95, timeoutSeconds: 10 },
    ],
  };
}

/**
 * Renders into the workspace, points the gate at the fixture, and sets the canary secrets the way
 * a user would: plain keys with --secret, the credential header as a secret leaf of the
 * verification key.
 */
async function prepareStack(ws: Workspace, stack: string, fixture: Fixture): Promise<void> {
  ws.editStack(stack, (c) => {
    c.kubernetes = { renderYamlToDirectory: path.join(ws.dir, "rendered", stack) };
    c.verification = liveChecks(ws, stack, fixture);
  });
  await ws.initStack(stack, CANARIES);
  await ws.must(["config", "set", "--secret", "--path", "--stack", stack, "agent-cellphone-v2:verification.checks[1].endpoints[0].headers.authorization", `Bearer ${CANARIES.apiToken}`]);
}

async function validateRendered(dir: string): Promise<number> {
  const manifests = readRendered(dir);
  const errors: string[] = [];
  for (const m of manifests) {
    const e = await schemaError(m as { apiVersion: string; kind: string });
    if (e) errors.push(`${m.kind}/${m.metadata?.name}: ${e}`);
  }
  assert.deepEqual(errors, []);
  return manifests.length;
}

function promtoolRendered(dir: string, scratch: string): void {
  const maps = readRendered(dir).filter((m) => m.kind === "ConfigMap" && m.data);
  const prom = maps.find((m) => Object.keys(m.data).includes("prometheus.yml"));
  const rules = maps.filter((m) => Object.keys(m.data).some((k) => /rules?.*\.ya?ml$/.test(k)));
  assert.ok(prom, "no rendered ConfigMap holds prometheus.yml");
  fs.mkdirSync(scratch, { recursive: true });
  fs.writeFileSync(path.join(scratch, "prometheus.yml"), prom.data["prometheus.yml"].replace(/^rule_files:[\s\S]*?(?=^\S)/m, ""));
  // Upstream promtool: the app job's kubernetes_sd_configs is not in Debian's build.
  execFileSync(upstreamPromtool(), ["check", "config", path.join(scratch, "prometheus.yml")], { stdio: "pipe" });
  assert.ok(rules.length > 0, "no rendered rule files");
  for (const m of rules) {
    for (const [k, v] of Object.entries<string>(m.data).filter(([k]) => /\.ya?ml$/.test(k) && k !== "prometheus.yml")) {
      const f = path.join(scratch, `${m.metadata.name}-${k}`);
      fs.writeFileSync(f, v);
      execFileSync("promtool", ["check", "rules", f], { stdio: "pipe" });
    }
  }
}

describe("real Pulumi engine: staging and production in render mode", function () {
  this.timeout(900_000);
  let fixture: Fixture;
  let ws: Workspace;

  before(async () => {
    fixture = await startFixture();
    ws = new Workspace("engine");
  });
  after(async () => {
    await fixture?.close();
    if (ws && !process.env.ACV2_KEEP_WORKSPACE) ws.remove();
  });

  describe("staging", () => {
    const stack = "staging";
    const image = (tag: string) => (c: Record<string, any>) => (c.app.image.tag = tag);

    before(() => prepareStack(ws, stack, fixture));

    it("previews: the plan lists the gate's checks and runs none of them", async () => {
      const before = fixture.requestCount();
      const r = await ws.must(["preview", "--diff", "--stack", stack]);
      assert.match(r.stdout, /health \(health\)/);
      assert.match(r.stdout, /availability \(availability\)/);
      assert.match(r.stdout, /pulumi-nodejs:dynamic\/verification:Verification/);
      assert.equal(fixture.requestCount(), before, "preview must not run live checks");
    });

    it("ups: manifests rendered and schema-valid, promtool accepts the monitoring config, the gate passed", async () => {
      const r = await ws.must(["up", "--yes", "--stack", stack]);
      console.log(`      pulumi up (staging, first): ${r.ms} ms`);
      const dir = path.join(ws.dir, "rendered", stack);
      const count = await validateRendered(dir);
      assert.ok(count > 30, `only ${count} manifests rendered`);
      promtoolRendered(dir, path.join(ws.dir, "promtool"));
      const out = await ws.outputs(stack);
      assert.equal(out.verification.verdict, "passed");
      assert.deepEqual(out.verification.checks.map((c: any) => `${c.name}:${c.status}`).sort(), ["api:passed", "availability:passed", "health:passed", "manifest-posture:passed"]);
      assert.match(out.verification.verifiedImage, /:2\.0\.0-rc\.1$/);
      assert.ok(fixture.requestCount() >= 22);
    });

    it("an unchanged up does not run the gate again", async () => {
      const before = fixture.requestCount();
      const r = await ws.must(["up", "--yes", "--stack", stack]);
      console.log(`      pulumi up (staging, no change): ${r.ms} ms`);
      assert.equal(fixture.requestCount(), before, "the gate ran although nothing changed");
      assert.doesNotMatch(r.stdout, /~ .*verification-run/);
    });

    it("a broken release fails `pulumi up` with the gate's table; the previous outputs remain", async () => {
      ws.editStack(stack, image("2.0.1"));
      fixture.knobs.healthStatus = 503;
      fixture.knobs.errorRate = 1;
      const r = await ws.must(["up", "--yes", "--stack", stack], 1);
      const text = r.stdout + r.stderr;
      assert.match(text, /verification failed: \d blocking check\(s\) did not pass/);
      assert.match(text, /health\s+health\s+FAILED/);
      assert.match(text, /full report: /);
      for (const canary of Object.values(CANARIES)) assert.ok(!text.includes(canary), "pulumi output leaks a canary");
      const out = await ws.outputs(stack);
      assert.equal(out.verification.verdict, "passed");
      assert.match(out.verification.verifiedImage, /:2\.0\.0-rc\.1$/, "the stored pass must still name the old image");
    });

    it("fixed again, the next up verifies the same release and succeeds", async () => {
      fixture.reset();
      const before = fixture.requestCount();
      await ws.must(["up", "--yes", "--stack", stack]);
      assert.ok(fixture.requestCount() > before, "the gate must verify 2.0.1 again");
      assert.match((await ws.outputs(stack)).verification.verifiedImage, /:2\.0\.1$/);
    });

    it("a new image tag runs the gate again", async () => {
      ws.editStack(stack, image("2.0.2"));
      const before = fixture.requestCount();
      await ws.must(["up", "--yes", "--stack", stack]);
      assert.ok(fixture.requestCount() > before);
      assert.match((await ws.outputs(stack)).verification.verifiedImage, /:2\.0\.2$/);
    });
  });

  describe("production", () => {
    const stack = "production";
    before(() => prepareStack(ws, stack, fixture));

    it("previews and ups; manifests schema-valid and posture-checked as production", async () => {
      await ws.must(["preview", "--stack", stack]);
      const r = await ws.must(["up", "--yes", "--stack", stack]);
      console.log(`      pulumi up (production, first): ${r.ms} ms`);
      const count = await validateRendered(path.join(ws.dir, "rendered", stack));
      assert.ok(count > 10, `only ${count} manifests rendered`);
      const out = await ws.outputs(stack);
      assert.equal(out.verification.verdict, "passed");
      assert.ok(out.verification.checks.some((c: any) => c.name === "manifest-posture" && c.status === "passed"));
    });
  });

  describe("state and teardown", () => {
    it("`pulumi stack export` holds no canary secret in plaintext", async () => {
      for (const stack of ["staging", "production"]) {
        const r = await ws.must(["stack", "export", "--stack", stack]);
        assert.ok(r.stdout.length > 10_000);
        for (const canary of Object.values(CANARIES)) {
          assert.ok(!r.stdout.includes(canary), `${stack} state holds a canary in plaintext`);
          assert.ok(!r.stdout.includes(Buffer.from(canary).toString("base64")), `${stack} state holds a base64 canary`);
        }
        assert.match(r.stdout, /"ciphertext"/, "secrets are stored encrypted");
      }
    });

    it("`pulumi destroy` then `stack rm` leave the backend without stacks", async () => {
      for (const stack of ["staging", "production"]) {
        await ws.must(["destroy", "--yes", "--stack", stack]);
        await ws.must(["stack", "rm", "--yes", stack]);
      }
      const ls = await ws.must(["stack", "ls", "--json"]);
      assert.deepEqual(JSON.parse(ls.stdout), []);
      const stacksDir = path.join(ws.dir, ".state/.pulumi/stacks");
      const left = fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir, { recursive: true }).filter((f) => String(f).endsWith(".json")) : [];
      assert.deepEqual(left, []);
      assert.equal(readRendered(path.join(ws.dir, "rendered", "staging")).length, 0, "destroy removes rendered manifests");
    });
  });
});
