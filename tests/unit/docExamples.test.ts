// Every stack-config example in the README and docs/ (a ```yaml block whose keys are all
// `agent-cellphone-v2:<section>`) goes through the program's own config loader on top of a
// committed stack, so an example a user copies cannot drift from the schema and its rules. The
// stack is the one the example names (`acv2-<stack>` in it), else dev.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { ConfigError } from "../../config/errors";
import { parseStackConfig } from "../../config/load";
import { defaultSecrets, loadStackYaml } from "./harness/runProgram";

const ROOT = path.resolve(__dirname, "../..");
const P = "agent-cellphone-v2:";

interface Example { file: string; line: number; text: string }

function examples(): Example[] {
  const files = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  const out: Example[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() !== "```yaml") continue;
      const end = lines.findIndex((l, j) => j > i && l.trim() === "```");
      const text = lines.slice(i + 1, end).join("\n");
      const doc = YAML.parse(text);
      if (doc && typeof doc === "object" && Object.keys(doc).length > 0 && Object.keys(doc).every((k) => k.startsWith(P))) out.push({ file, line: i + 1, text });
      i = end;
    }
  }
  return out;
}

describe("stack-config examples in the docs parse as written", () => {
  const found = examples();

  it("there is at least one (the README's abTest section)", () => {
    assert.ok(found.some((e) => e.file === "README.md" && /strategy: abTest/.test(e.text)), JSON.stringify(found.map((e) => `${e.file}:${e.line}`)));
  });

  for (const ex of found) {
    const stack = /acv2-(staging|production|dev)\b/.exec(ex.text)?.[1] ?? "dev";
    it(`${ex.file}:${ex.line} on the ${stack} stack as committed`, () => {
      const sections = Object.fromEntries(Object.entries(YAML.parse(ex.text) as Record<string, unknown>).map(([k, v]) => [k.slice(P.length), v]));
      const all = { ...loadStackYaml(stack), ...sections };
      const config = Object.fromEntries(Object.entries(all).map(([k, v]) => [`${P}${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
      const secrets = defaultSecrets(stack);
      for (const [k, v] of Object.entries(secrets)) config[k.startsWith(P) ? k : `${P}${k}`] = v;
      try {
        parseStackConfig({ config, secretKeys: Object.keys(secrets).map((k) => (k.startsWith(P) ? k : `${P}${k}`)), stack });
      } catch (err) {
        assert.fail(err instanceof ConfigError ? `${ex.file}:${ex.line}: ${err.problems.join("; ")}` : String(err));
      }
    });
  }
});
