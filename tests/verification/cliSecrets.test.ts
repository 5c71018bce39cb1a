// Faults 12 and 13 through the real CLI process. Every config carries canary secrets; the fixture
// counts requests, so "rejected before any request" is measured, not assumed.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { runCli, tempDir, type CliRun } from "./helpers";

const TOKEN = "canary-bearer-4e1d2c";
const DB_PASSWORD = "canary-dbpass-9b7a";
const ENV_CANARY = "canary-env-31f0";

/** YAML for a config whose api check carries the bearer canary, plus the lines under test. */
function configWith(baseUrl: string, extraChecks: string[], top: string[] = []): string {
  return [
    `baseUrl: ${baseUrl}`,
    ...top,
    "checks:",
    "  - name: api",
    "    type: api",
    "    endpoints:",
    `      - { path: /api/v1/status, headers: { Authorization: 'Bearer ${TOKEN}' } }`,
    ...extraChecks,
  ].join("\n");
}

function assertNoCanary(r: CliRun, ...files: string[]): void {
  for (const [where, text] of [["stdout", r.stdout], ["stderr", r.stderr], ...files.map((f) => [f, readFileSync(f, "utf8")])]) {
    for (const canary of [TOKEN, DB_PASSWORD, ENV_CANARY, encodeURIComponent(DB_PASSWORD)]) {
      assert.ok(!text.includes(canary), `${canary} leaked into ${where}:\n${text}`);
    }
  }
}

/** Runs `jobs` two at a time: CLI processes are slow to start, the machine has two cores. */
async function inPairs<T>(jobs: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += 2) out.push(...(await Promise.all(jobs.slice(i, i + 2).map((j) => j()))));
  return out;
}

describe("CLI: fault 12, malformed configs are rejected before any request", function () {
  this.timeout(120000);
  let fx: Fixture;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    fx = await startFixture();
    tmp = tempDir();
  });
  after(async () => {
    await fx.close();
    tmp.cleanup();
  });

  it("exit 2, the field path and rule on stderr, no request, no canary echoed", async () => {
    const db = (url: string) => [`  - { name: db, type: database, url: '${url}' }`];
    const cases: Array<{ name: string; yaml: string; args?: string[]; expect: RegExp }> = [
      { name: "negative timeout", yaml: configWith(fx.url, ["  - { name: h, type: health, timeoutSeconds: -1 }"]), expect: /checks\[1\]\.timeoutSeconds: must be > 0/ },
      { name: "rate above 1", yaml: configWith(fx.url, ["  - { name: a, type: availability, minSuccessRate: 1.5 }"]), expect: /checks\[1\]\.minSuccessRate: must be <= 1/ },
      { name: "unknown type", yaml: configWith(fx.url, ["  - { name: s, type: smoke }"]), expect: /checks\[1\]\.type: must be one of "rollout", "rollback", "health"/ },
      { name: "bad URL", yaml: configWith("not-a-url", []), expect: /: baseUrl: must be a valid URL/ },
      { name: "bad --base-url", yaml: configWith(fx.url, []), args: ["--base-url", `ftp://u:${TOKEN}@127.0.0.1/`], expect: /^  - --base-url: must use http or https$/m },
      { name: "missing required field", yaml: configWith(fx.url, ["  - { name: p, type: performance, durationSeconds: 1 }"]), expect: /checks\[1\]\.ratePerSecond: is required/ },
      { name: "missing secret", yaml: configWith(fx.url, ["  - { name: db, type: database }"]), expect: /checks\[1\]\.url: is required/ },
      { name: "invalid secret-bearing URL", yaml: configWith(fx.url, db(`postgres//app:${DB_PASSWORD}@127.0.0.1:5432/app`)), expect: /checks\[1\]\.url: must be a valid URL/ },
      { name: "secret in an unknown key", yaml: configWith(fx.url, [], [`password: ${DB_PASSWORD}`]), expect: /\(root\): unknown key\(s\) "password"/ },
      { name: "YAML syntax error on a secret line", yaml: configWith(fx.url, [`  - { name: x, type: health, note: [${DB_PASSWORD} }`]), expect: /: not valid YAML or JSON at line \d+, column \d+/ },
      { name: "bad baseline file", yaml: configWith(fx.url, []), args: ["--baseline", "BASELINE"], expect: /--baseline: .*not valid JSON/ },
    ];
    const baseline = tmp.file("baseline.json", `{ "x": ${DB_PASSWORD} }`);
    const results = await inPairs(cases.map((c, i) => async () => {
      const file = tmp.file(`bad-${i}.yaml`, c.yaml);
      const args = ["--config", file, "--json", tmp.file(`bad-${i}.json`), ...(c.args ?? []).map((a) => (a === "BASELINE" ? baseline : a))];
      return { c, file, r: await runCli(args, { env: { ACV2_API_TOKEN: ENV_CANARY } }) };
    }));
    for (const { c, file, r } of results) {
      assert.equal(r.code, 2, `${c.name}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, c.expect, `${c.name}: ${r.stderr}`);
      if (!c.args) assert.ok(r.stderr.includes(file), `${c.name}: stderr names the file`);
      assert.match(r.stderr, /no check was run/);
      assertNoCanary(r);
    }
    assert.equal(fx.requestCount(), 0, "no request reached the service");
  });
});

describe("CLI: fault 13, canary secrets never leave the process", function () {
  this.timeout(60000);
  let fx: Fixture;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    fx = await startFixture({ requireToken: TOKEN });
    tmp = tempDir();
  });
  after(async () => {
    await fx.close();
    tmp.cleanup();
  });

  it("not in stdout, stderr, JSON, JUnit, Markdown or the step summary, even when the service echoes them", async () => {
    const files = { json: tmp.file("r.json"), junit: tmp.file("r.xml"), md: tmp.file("r.md"), summary: tmp.file("summary.md", "") };
    const cfg = tmp.file("canary.yaml", configWith(fx.url, [
      "  - name: echo",
      "    type: api",
      "    endpoints:",
      `      - { method: POST, path: /api/v1/echo, headers: { Authorization: 'Bearer ${TOKEN}' }, body: { t: '${TOKEN}', e: '${ENV_CANARY}' }, expectJson: { t: x, e: y } }`,
      `  - { name: db, type: database, url: 'postgres://app:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:1/app', timeoutSeconds: 3 }`,
      `  - { name: dep, type: external, targets: [{ name: svc, url: 'http://app:${DB_PASSWORD}@127.0.0.1:1/' }] }`,
    ]));
    const r = await runCli(["--config", cfg, "--json", files.json, "--junit", files.junit, "--markdown", files.md], {
      env: { ACV2_API_TOKEN: ENV_CANARY, GITHUB_STEP_SUMMARY: files.summary },
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(files.json, "utf8"));
    assert.equal(report.checks[0].status, "passed", "the bearer token really was sent and accepted");
    assert.match(report.checks[1].message, /t expected "x", got "\*\*\*"; e expected "y", got "\*\*\*"/, "echoed secrets are masked");
    assert.ok(readFileSync(files.summary, "utf8").includes("| echo | api |"), "the step summary was written");
    assertNoCanary(r, files.json, files.junit, files.md, files.summary);
  });
});
