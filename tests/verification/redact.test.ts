// Redaction decides what may leave the process, so it is tested on the forms a secret really
// takes: raw, URL-encoded, inside a URL's userinfo, after "Bearer ", inside JSON text.
import { strict as assert } from "node:assert";
import { collectSecrets, createRedactor, envSecrets, redact, redactUrl } from "../../verification/redact";
import { config } from "./helpers";

const TOKEN = "canary-token-7f3a9";
const DB_PASSWORD = "p@ss/w0rd:canary";

const cfg = config({
  baseUrl: "http://127.0.0.1:8000",
  checks: [
    { name: "api", type: "api", endpoints: [{ path: "/api/v1/status", headers: { Authorization: `Bearer ${TOKEN}`, "X-Trace": "1" } }] },
    { name: "db", type: "database", url: `postgres://app:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:5432/app?sslmode=disable` },
    { name: "ext", type: "external", targets: [{ name: "svc", url: "https://user:hunter22@svc.example.com/x?api_key=k3y-canary" }] },
  ],
});

describe("redaction: collecting secrets from a config", () => {
  const secrets = collectSecrets(cfg);

  it("takes header values whole and the credential after the scheme", () => {
    assert.ok(secrets.includes(`Bearer ${TOKEN}`));
    assert.ok(secrets.includes(TOKEN));
  });

  it("takes whole database URLs and their decoded password, URL passwords and secret query params", () => {
    assert.ok(secrets.some((s) => s.startsWith("postgres://app:")));
    assert.ok(secrets.includes(DB_PASSWORD), "the decoded password");
    assert.ok(secrets.includes("hunter22"));
    assert.ok(secrets.includes("k3y-canary"));
  });

  it("takes strings under secret-looking keys and extra values, skips very short ones", () => {
    const s = collectSecrets({ nested: { clientSecret: "abcdef", note: "public", apiKey: "xyz" } }, ["env-canary-1"]);
    assert.deepEqual(s.sort(), ["abcdef", "env-canary-1"].sort());
    assert.ok(!secrets.includes("1"), "a one-character header value is not treated as a secret");
  });

  it("orders longest first so a secret containing another is masked whole", () => {
    for (let i = 1; i < secrets.length; i++) assert.ok(secrets[i - 1].length >= secrets[i].length);
  });
});

describe("redaction: masking text", () => {
  const r = createRedactor(collectSecrets(cfg));

  it("masks raw, URL-encoded, JSON-escaped and base64 forms", () => {
    const text = [
      `token ${TOKEN}`,
      `encoded ${encodeURIComponent(DB_PASSWORD)}`,
      `json ${JSON.stringify({ p: DB_PASSWORD })}`,
      `b64 ${Buffer.from(TOKEN).toString("base64")}`,
    ].join("\n");
    const out = r.redact(text);
    assert.ok(!out.includes(TOKEN) && !out.includes(DB_PASSWORD) && !out.includes(encodeURIComponent(DB_PASSWORD)));
    assert.ok(!out.includes(Buffer.from(TOKEN).toString("base64")));
    assert.equal((out.match(/\*\*\*/g) ?? []).length, 4);
  });

  it("strips userinfo from any URL, even one the config did not mention", () => {
    assert.equal(r.redact("dial redis://admin:s3cr3t@10.0.0.1:6379 failed"), "dial redis://***@10.0.0.1:6379 failed");
    assert.equal(redactUrl("https://u:p@host.example/a?b=1"), "https://host.example/a?b=1");
    assert.equal(redactUrl("http://127.0.0.1:8000/health"), "http://127.0.0.1:8000/health");
  });

  it("redacts deeply through reports, keys included, without touching non-strings", () => {
    const out = r.redactDeep({ message: `Bearer ${TOKEN}`, n: 3, list: [TOKEN, true], [TOKEN]: 1 });
    assert.deepEqual(out, { message: "***", n: 3, list: ["***", true], "***": 1 });
  });

  it("leaves ordinary text alone and works one-shot", () => {
    assert.equal(r.redact("GET /health 200 in 12ms"), "GET /health 200 in 12ms");
    assert.equal(redact("a secret-value b", ["secret-value"]), "a *** b");
  });

  it("masks environment values whose names look secret", () => {
    const env = { DB_PASSWORD: "envpass-canary", PATH: "/usr/bin", API_TOKEN: "tok" };
    assert.deepEqual(envSecrets(env), ["envpass-canary"]);
  });
});
