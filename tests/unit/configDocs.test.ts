// docs/config.md is the config reference: its table must list exactly the keys the schema has.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { stackConfigSchema } from "../../config/schema";
import { schemaKeyPaths } from "./harness/schemaPaths";

const DOC = path.resolve(__dirname, "../../docs/config.md");

/** Keys in the first column of the reference table. */
function documentedKeys(markdown: string): string[] {
  return markdown
    .split("\n")
    .map((line) => /^\| `([A-Za-z0-9_.]+)` \|/.exec(line)?.[1])
    .filter((k): k is string => k !== undefined);
}

describe("docs/config.md", () => {
  const keys = documentedKeys(fs.readFileSync(DOC, "utf8"));
  const schema = schemaKeyPaths(stackConfigSchema);

  it("lists every schema key", () => {
    assert.ok(schema.length > 50, `${schema.length} schema keys`);
    assert.deepStrictEqual(schema.filter((k) => !keys.includes(k)), []);
  });

  it("lists no key the schema does not have, and none twice", () => {
    assert.deepStrictEqual(keys.filter((k) => !schema.includes(k)), []);
    assert.deepStrictEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
  });

  it("walks nested sections (so a missing nested key would be caught)", () => {
    assert.ok(schema.includes("app.resources.requests.cpu"));
    assert.ok(schema.includes("gateway.retries.perTryTimeoutSeconds"));
    assert.ok(!schema.some((k) => k.startsWith("verification.checks.")), "list items are documented as one entry");
  });
});
