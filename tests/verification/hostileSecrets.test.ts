// Issue 11.1 and 10.9: a target that echoes the credentials it receives (bearer tokens of 4 to
// 4,096 characters, JWT-sized ones, URL userinfo) in its bodies and headers, plain, URL-encoded,
// base64 and JSON-escaped, never gets any of them, not even a prefix, into the console, the JSON,
// JUnit or Markdown reports, or the gate's error to the engine. The previews that cut response
// values short are where a prefix used to survive: they are masked before they are cut.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { create } from "../../components/gate/impl";
import { base64Cores, createRedactor } from "../../verification/redact";
import { encodeAs, startHostileServer, type EchoForm, type HostileServer } from "../fixtures/hostileServer";
import { runCli, tempDir, REPO } from "./helpers";

const LENGTHS = [4, 5, 16, 59, 61, 64, 100, 257, 1000, 4096];
const FORMS: EchoForm[] = ["plain", "url", "base64", "json"];
// Characters that change under URL-encoding, JSON escaping and base64 alignment.
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789/+=&%:@ \"\\-_.~";

/** Deterministic pseudo-random secret of `n` characters, distinct per seed. */
function secretOf(n: number, seed: number): string {
  let x = (seed * 2654435761) >>> 0 || 1;
  let s = "Q";
  while (s.length < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    s += ALPHABET[x % ALPHABET.length];
  }
  return s.slice(0, n);
}

/** A JWT-shaped bearer token of about 900 characters. */
const JWT = ["eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9", Buffer.from(JSON.stringify({ sub: "canary", pad: secretOf(500, 99) })).toString("base64url"), secretOf(342, 98).replace(/[^A-Za-z0-9]/g, "x")].join(".");

/** Every form a leak could take: the secret and its encodings, and their base64 cores. */
function formsOf(secret: string): string[] {
  return [...new Set([...FORMS.map((f) => encodeAs(f, secret)), ...base64Cores(secret)])];
}

/** The longest prefix of any form of `secret` found in `text` (4 characters or more counts as a leak). */
function leakedPrefix(text: string, secret: string): string | undefined {
  for (const form of formsOf(secret)) {
    if (form.length < 4) continue;
    let lo = 4;
    if (!text.includes(form.slice(0, lo))) continue;
    let hi = form.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (text.includes(form.slice(0, mid))) lo = mid;
      else hi = mid - 1;
    }
    return form.slice(0, lo);
  }
  return undefined;
}

function assertNoLeak(where: string, text: string, secrets: string[]): void {
  for (const s of secrets) {
    const leak = leakedPrefix(text, s);
    assert.equal(leak, undefined, `${where}: a ${leak?.length}-character prefix of a ${s.length}-character secret leaked`);
  }
}

describe("hostile targets: echoed secrets never leak, not even a prefix (issue 11.1, 10.9)", function () {
  this.timeout(240_000);
  let h: HostileServer;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    h = await startHostileServer();
    tmp = tempDir("hostile-secrets-");
  });
  after(async () => {
    await h.close();
    tmp.cleanup();
  });

  it("the redactor masks every form, including base64 of a secret inside a larger value", () => {
    for (const n of LENGTHS) {
      const s = secretOf(n, n);
      const r = createRedactor([s]);
      for (const text of [...formsOf(s), Buffer.from(`user:${s}`).toString("base64"), Buffer.from(`xy${s}z`).toString("base64"), encodeURIComponent(s).toLowerCase()]) {
        assertNoLeak(`redact(${n})`, r.redact(`before ${text} after`), [s]);
      }
    }
  });

  it("CLI: bearer tokens and URL userinfo echoed in bodies and headers stay out of console, JSON, JUnit and Markdown", async () => {
    const secrets: string[] = [];
    const checks: string[] = [];
    LENGTHS.forEach((n, i) => {
      const s = secretOf(n, i + 1);
      secrets.push(s);
      const auth = JSON.stringify(`Bearer ${s}`);
      const endpoints = FORMS.map((f) => `{ path: /echo/${f}, headers: { Authorization: ${auth} }, expectJson: { status: ok, detail: x } }`);
      endpoints.push(`{ path: /echo-header/plain, headers: { Authorization: ${auth} }, expectJson: { status: nope } }`);
      checks.push(`  - { name: api-${n}, type: api, endpoints: [${endpoints.join(", ")}] }`);
    });
    secrets.push(JWT);
    checks.push(`  - { name: jwt, type: api, endpoints: [{ path: /echo/plain, headers: { Authorization: "Bearer ${JWT}" }, expectJson: { status: ok } }] }`);
    // URL userinfo: Node sends it as Basic auth, the server echoes the password as the status.
    const userinfo = secretOf(300, 77);
    secrets.push(userinfo);
    const base = `http://app:${encodeURIComponent(userinfo)}@127.0.0.1:${h.port}`;
    checks.push("  - { name: userinfo, type: health, path: /echo/plain }");
    // A database URL pointed at an HTTP server: whatever the driver says must not quote it.
    const dbPassword = secretOf(120, 55);
    secrets.push(dbPassword);
    checks.push(`  - { name: db, type: database, timeoutSeconds: 5, url: "postgres://app:${encodeURIComponent(dbPassword)}@127.0.0.1:${h.port}/app" }`);
    const cfg = tmp.file("echo.yaml", [`baseUrl: "${base}"`, "deadlineSeconds: 60", "checks:", ...checks].join("\n"));
    const [json, junit, md] = [tmp.file("r.json"), tmp.file("r.xml"), tmp.file("r.md")];
    const r = await runCli(["--config", cfg, "--json", json, "--junit", junit, "--markdown", md], { killAfterMs: 120_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(json, "utf8")) as { checks: Array<{ name: string; status: string; message: string }> };
    // The echoes really reached the previews: every api check failed on the echoed status.
    for (const c of report.checks.filter((c) => c.name.startsWith("api-"))) {
      assert.equal(c.status, "failed", c.name);
      assert.match(c.message, /status expected "ok", got "/, c.name);
    }
    assert.match(report.checks.find((c) => c.name === "userinfo")?.message ?? "", /body reports status "\*\*\*"/);
    for (const [where, text] of [["stdout", r.stdout], ["stderr", r.stderr], ["json", readFileSync(json, "utf8")], ["junit", readFileSync(junit, "utf8")], ["markdown", readFileSync(md, "utf8")]]) {
      assertNoLeak(where, text, secrets);
    }
  });

  it("gate: the error that reaches the engine holds no secret, from the report or from libraries (pushgateway)", async () => {
    const token = secretOf(2048, 5);
    const pgPassword = secretOf(64, 6);
    const inputs = {
      config: {
        baseUrl: h.url,
        deadlineSeconds: 30,
        // fetch refuses URLs with userinfo and quotes the URL; the gateway echoes what it got.
        pushgatewayUrl: `http://acv2:${encodeURIComponent(pgPassword)}@127.0.0.1:${h.port}/pushgateway`,
        reportDir: tmp.file("gate-reports"),
        checks: [{ name: "echo", type: "api", endpoints: [{ path: "/echo/plain", headers: { Authorization: `Bearer ${token}` }, expectJson: { status: "ok" } }] }],
      },
      configHash: "h",
      imageRef: "img:1",
      specHash: "s",
      alwaysRun: false,
      onFailure: "fail" as const,
      target: { namespace: "ns", deployment: "d" },
      projectRoot: REPO,
      stack: "hostile",
      plannedChecks: ["echo"],
    };
    const err = await create(inputs).then(
      () => assert.fail("the gate passed a failing check"),
      (e: Error) => e,
    );
    assert.match(err.message, /verification failed/);
    assert.match(err.message, /pushgateway: not pushed: push failed with status 401/);
    assertNoLeak("gate error", `${err.message}\n${err.stack}`, [token, pgPassword]);
  });
});
