// The e2e layer's only edits to committed stack files (tests/e2e/committedStacks.ts): which stacks
// run, and that re-pointing changes URLs and nothing else (every check, threshold, count, timeout
// and advisory flag stays as committed). Pure: no cluster, no engine.
import { strict as assert } from "assert";
import * as path from "path";
import { committedStacks, maxP95, repoint, SKIPPED_STACKS, slowBlocks, stackConfig } from "../e2e/committedStacks";

const ROOT = path.resolve(__dirname, "../..");
const targets = { baseUrl: "http://127.0.0.1:1111", tlsUrl: "https://localhost:2222", httpRedirectUrl: "http://127.0.0.1:3333", prometheusUrl: "http://127.0.0.1:4444" };
const URL_KEYS = new Set(["baseUrl", "url", "httpRedirectUrl", "prometheusUrl"]);

/** Pure: the object with every URL-valued key removed, for comparing the rest. */
function withoutUrls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutUrls);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).filter(([k]) => !URL_KEYS.has(k)).map(([k, x]) => [k, withoutUrls(x)]));
  return v;
}

describe("committed stacks for the e2e layer (fault 16)", () => {
  it("finds every Pulumi.<stack>.yaml; skips only dev and e2e, each with a reason", () => {
    const stacks = committedStacks(ROOT);
    assert.ok(stacks.includes("staging") && stacks.includes("production"), stacks.join(", "));
    assert.deepEqual(Object.keys(SKIPPED_STACKS).sort(), ["dev", "e2e"]);
    for (const reason of Object.values(SKIPPED_STACKS)) assert.ok(reason.length > 20);
  });

  for (const stack of ["staging", "production"]) {
    it(`${stack}: re-pointing changes where checks point and nothing else`, () => {
      const committed = stackConfig(ROOT, stack).verification;
      const local = repoint(committed, targets);
      assert.deepEqual(withoutUrls(local), withoutUrls(committed));
      assert.equal(local.baseUrl, targets.baseUrl);
      for (const c of local.checks) {
        if (c.type === "security") assert.equal(c.url, targets.tlsUrl);
        if (c.type === "monitoring") assert.equal(c.prometheusUrl, targets.prometheusUrl);
      }
      const urls = JSON.stringify(local).match(/https?:\/\/[^"]+/g) ?? [];
      assert.ok(urls.every((u) => /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u)), `only loopback targets remain: ${urls.join(", ")}`);
    });
  }

  it("reads what a slow release must do from the committed config", () => {
    assert.equal(slowBlocks(stackConfig(ROOT, "production").verification), true, "production's performance check blocks");
    assert.equal(slowBlocks(stackConfig(ROOT, "staging").verification), false, "staging's is advisory");
    assert.equal(maxP95(stackConfig(ROOT, "production").verification), 300);
  });

  it("refuses a check type it cannot point at a local stand-in", () => {
    assert.throws(() => repoint({ checks: [{ name: "db", type: "database", url: "postgres://db.example.com/x" }] }, targets), /checks\.db \(database\): no local stand-in/);
  });
});
