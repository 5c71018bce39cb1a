// Config errors through the real engine (CLI, language host, program): `pulumi preview` and
// `pulumi up` on a broken staging config print the heading and one line per problem, and nothing
// else of the error: no Node.js stack frames, no `problems` array, no ANSI colour codes
// (issue 15). The program raises a pulumi.RunError (config/load.ts StackConfigError).
import { strict as assert } from "assert";
import { Workspace } from "./engine";

const PROBLEMS = [
  "agent-cellphone-v2:autoscaling.minReplicas: must be <= maxReplicas (5 > 3)",
  "agent-cellphone-v2:gateway.host: must be a DNS name (lowercase labels separated by dots, e.g. acv2.example.com)",
];

function assertClean(text: string, command: string): void {
  assert.match(text, /invalid configuration for stack "staging" \(2 problems\):/, `${command}: heading missing\n${text}`);
  for (const p of PROBLEMS) assert.ok(text.includes(`  - ${p}`), `${command}: problem line missing: ${p}\n${text}`);
  assert.doesNotMatch(text, /^\s+at \S.*(\.ts|\.js|<anonymous>|node:internal)/m, `${command}: a stack frame was printed\n${text}`);
  assert.doesNotMatch(text, /problems: \[|StackConfigError|ConfigError:/, `${command}: the error object was printed\n${text}`);
  assert.doesNotMatch(text, /\x1b\[/, `${command}: ANSI escape codes in the output`);
  assert.doesNotMatch(text, /unhandled exception/i, `${command}: reported as a crash`);
}

describe("real engine: config errors read as messages, not crashes", function () {
  this.timeout(600_000);
  let ws: Workspace;
  before(async () => {
    ws = new Workspace("cfgerr");
    ws.editStack("staging", (c) => {
      c.autoscaling = { enabled: true, minReplicas: 5, maxReplicas: 3 };
      c.gateway = { ...c.gateway, host: "Not_A Host" };
    });
    await ws.initStack("staging");
  });
  after(() => {
    if (ws && !process.env.ACV2_KEEP_WORKSPACE) ws.remove();
  });

  it("pulumi preview: non-zero exit, the heading and one line per problem, nothing else of the error", async () => {
    const r = await ws.must(["preview", "--stack", "staging"], 1);
    assertClean(r.out, "preview");
  });

  it("pulumi up: the same, and nothing was created", async () => {
    const r = await ws.must(["up", "--yes", "--stack", "staging"], 1);
    assertClean(r.out, "up");
    const exp = JSON.parse((await ws.must(["stack", "export", "--stack", "staging"])).stdout);
    const created = (exp.deployment.resources ?? []).filter((x: { type: string }) => !x.type.startsWith("pulumi:"));
    assert.deepEqual(created, []);
  });
});
