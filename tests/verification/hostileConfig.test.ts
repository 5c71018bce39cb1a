// Issue 10.9: a credential in baseUrl, pushgatewayUrl, a request body or expectJson, in a
// verification key that is not secret, is refused with its key path and never its value (the
// stack config would otherwise keep it in plaintext state); in the CLI it is masked everywhere.
import { strict as assert } from "node:assert";
import { crossFieldIssues, verificationCredentialIssues } from "../../config/rules";
import { collectSecrets, createRedactor } from "../../verification/redact";
import { config } from "./helpers";

const CANARY = "canary-cfg-7d1e9a";
const base = { baseUrl: "http://127.0.0.1:1", checks: [{ name: "h", type: "health" as const }] };
const paths = (v: Parameters<typeof verificationCredentialIssues>[0]) => verificationCredentialIssues(v).map((i) => `${i.path.join(".")}: ${i.message}`);

describe("hostile config: credentials in non-secret verification keys (issue 10.9)", () => {
  it("refuses a password or a token query in baseUrl and pushgatewayUrl, naming the key and not the value", () => {
    const v = config({ ...base, baseUrl: `http://app:${CANARY}@127.0.0.1:1`, pushgatewayUrl: `http://127.0.0.1:9091/?token=${CANARY}` });
    const got = paths(v);
    assert.deepEqual(got, [
      "verification.pushgatewayUrl: holds a credential in the URL query: set it with `pulumi config set --secret --path` so the verification key is secret",
      "verification.baseUrl: holds a URL password: set it with `pulumi config set --secret --path` so the verification key is secret",
    ]);
    assert.ok(!got.join("\n").includes(CANARY));
  });

  it("refuses credentials in a request body or in expectJson, at any depth, by key path", () => {
    const v = config({
      ...base,
      checks: [{ name: "a", type: "api", endpoints: [
        { method: "POST", path: "/login", body: { user: "ci", password: CANARY, nested: [{ apiKey: CANARY }] }, expectStatus: 200 },
        { path: "/me", expectJson: { "session.token": CANARY, "user.name": "ci" } },
      ] }],
    });
    assert.deepEqual(paths(v).map((p) => p.split(": holds ")[0]), [
      "verification.checks.0.endpoints.0.body.password",
      "verification.checks.0.endpoints.0.body.nested.0.apiKey",
      "verification.checks.0.endpoints.1.expectJson.session.token",
    ]);
  });

  it("the stack-config rules run them, and not when the verification key is secret", () => {
    const parts = { verification: config({ ...base, baseUrl: `http://u:${CANARY}@127.0.0.1:1` }) };
    const ctx = { environment: "staging" as const, presentSecrets: new Set<never>(), verificationIsSecret: false };
    assert.deepEqual(crossFieldIssues(parts, ctx).map((i) => i.path.join(".")), ["verification.baseUrl"]);
    assert.deepEqual(crossFieldIssues(parts, { ...ctx, verificationIsSecret: true }), []);
  });

  it("kept secret in the CLI: body and expectJson credentials are masked", () => {
    const v = config({ ...base, checks: [{ name: "a", type: "api", endpoints: [{ method: "POST", path: "/x", body: { password: CANARY }, expectJson: { "data.token": `${CANARY}-2` } }] }] });
    const r = createRedactor(collectSecrets(v));
    assert.equal(r.redact(`got ${CANARY} and ${CANARY}-2`), "got *** and ***");
  });
});
