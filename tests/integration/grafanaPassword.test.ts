// The generated Grafana admin password through the real engine, staging in render mode: generated
// once when not configured, kept in state as ciphertext only, exported as a secret output that
// `pulumi stack output grafanaAdminPassword --show-secrets` reads, never in a plain output or a
// log line, unchanged by a second `up`, and replaced by a configured `--secret` value.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { readRendered, Workspace } from "./engine";

const GENERATOR = "pulumi-nodejs:dynamic/password:GeneratedPassword";
const CONFIGURED = "canary-configured-grafana-8d21f0";

describe("real engine: Grafana admin password generated unless configured (staging, render mode)", function () {
  this.timeout(900_000);
  let ws: Workspace;
  let fixture: Fixture;
  let generated = "";
  const outputs: string[] = [];
  const stack = "staging";

  before(async () => {
    fixture = await startFixture();
    ws = new Workspace("grafana");
    ws.editStack(stack, (c) => {
      c.kubernetes = { renderYamlToDirectory: path.join(ws.dir, "rendered", stack) };
      c.verification = { baseUrl: fixture.url, deadlineSeconds: 60, reportDir: path.join(ws.dir, "reports"), checks: [{ name: "health", type: "health", timeoutSeconds: 3 }] };
    });
    await ws.initStack(stack); // no grafanaAdminPassword
  });
  after(async () => {
    await fixture?.close();
    if (ws && !process.env.ACV2_KEEP_WORKSPACE) ws.remove();
  });

  const exportText = async () => (await ws.must(["stack", "export", "--stack", stack])).stdout;
  const adminSecretValue = (): string => {
    const s = readRendered(path.join(ws.dir, "rendered", stack)).find((m) => m.kind === "Secret" && m.metadata?.name === "agent-cellphone-v2-grafana-admin");
    assert.ok(s, "the Grafana admin Secret was rendered");
    const v = s!.stringData?.["admin-password"] ?? Buffer.from(s!.data?.["admin-password"] ?? "", "base64").toString();
    return String(v);
  };

  it("the first up generates a 32-character password: a secret output, ciphertext in state", async () => {
    const up = await ws.must(["up", "--yes", "--stack", stack]);
    outputs.push(up.out);
    const plain = await ws.must(["stack", "output", "grafanaAdminPassword", "--stack", stack]);
    assert.equal(plain.stdout.trim(), "[secret]");
    const all = await ws.must(["stack", "output", "--json", "--stack", stack]);
    outputs.push(all.out);
    assert.equal(JSON.parse(all.stdout).grafanaAdminPassword, "[secret]");
    generated = (await ws.must(["stack", "output", "grafanaAdminPassword", "--show-secrets", "--stack", stack])).stdout.trim();
    assert.match(generated, /^[A-Za-z0-9_-]{32}$/);
    const exp = await exportText();
    assert.ok(!exp.includes(generated), "the password is in the state export in plaintext");
    assert.ok(!exp.includes(Buffer.from(generated).toString("base64")), "the password is in the state export as base64");
    const gens = JSON.parse(exp).deployment.resources.filter((r: { type: string }) => r.type === GENERATOR);
    assert.equal(gens.length, 1);
    assert.ok(gens[0].outputs.password?.ciphertext, "the generator's password output is stored as ciphertext");
    // Render mode writes the Secret to disk as the cluster would receive it: the same value.
    assert.equal(adminSecretValue(), generated);
  });

  it("an unchanged up keeps the same password", async () => {
    const up = await ws.must(["up", "--yes", "--stack", stack]);
    outputs.push(up.out);
    const again = (await ws.must(["stack", "output", "grafanaAdminPassword", "--show-secrets", "--stack", stack])).stdout.trim();
    assert.equal(again, generated);
  });

  it("a configured --secret value overrides it and the generator leaves the state", async () => {
    await ws.must(["config", "set", "--secret", "--stack", stack, "agent-cellphone-v2:grafanaAdminPassword", CONFIGURED]);
    const up = await ws.must(["up", "--yes", "--stack", stack]);
    outputs.push(up.out);
    assert.equal((await ws.must(["stack", "output", "grafanaAdminPassword", "--show-secrets", "--stack", stack])).stdout.trim(), CONFIGURED);
    assert.equal(adminSecretValue(), CONFIGURED);
    const exp = await exportText();
    assert.equal(JSON.parse(exp).deployment.resources.filter((r: { type: string }) => r.type === GENERATOR).length, 0);
    assert.ok(!exp.includes(CONFIGURED) && !exp.includes(generated), "plaintext password in state");
  });

  it("no password appeared in any pulumi output or the gate's reports", async () => {
    for (const text of outputs) {
      assert.ok(!text.includes(generated), "generated password in pulumi output");
      assert.ok(!text.includes(CONFIGURED), "configured password in pulumi output");
    }
    const reports = path.join(ws.dir, "reports");
    for (const f of fs.existsSync(reports) ? fs.readdirSync(reports) : []) {
      const text = fs.readFileSync(path.join(reports, f), "utf8");
      assert.ok(!text.includes(generated) && !text.includes(CONFIGURED), `password in report ${f}`);
    }
  });
});
