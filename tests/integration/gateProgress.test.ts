// The gate's progress in `pulumi up` through the real engine (staging, render mode, checks against
// the fixture service): the start line, a line per check as it finishes, a heartbeat for the
// check still running after 10 s, in that order, and no canary secret from a check's header
// anywhere in the output (issue 15).
import { strict as assert } from "assert";
import * as path from "path";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { Workspace } from "./engine";

const CANARY = "canary-progress-bearer-2b7e90";

describe("real engine: gate progress lines in `pulumi up`", function () {
  this.timeout(900_000);
  let ws: Workspace;
  let fixture: Fixture;
  const stack = "staging";

  before(async () => {
    fixture = await startFixture();
    ws = new Workspace("progress");
    ws.editStack(stack, (c) => {
      c.kubernetes = { renderYamlToDirectory: path.join(ws.dir, "rendered", stack) };
      c.verification = {
        baseUrl: fixture.url,
        deadlineSeconds: 120,
        reportDir: path.join(ws.dir, "reports"),
        checks: [
          { name: "health", type: "health", timeoutSeconds: 3 },
          { name: "api", type: "api", timeoutSeconds: 3, endpoints: [{ method: "GET", path: "/api/v1/status", expectStatus: 200 }] },
          // About 13 s of load: long enough for one heartbeat at 10 s.
          { name: "load", type: "performance", path: "/health", ratePerSecond: 5, durationSeconds: 13, minSamples: 50, thresholds: { p95Ms: 2000 }, timeoutSeconds: 40 },
        ],
      };
    });
    await ws.initStack(stack, { grafanaAdminPassword: "canary-progress-grafana-77c1" });
    // The credential header as a secret leaf, the way a user sets it.
    await ws.must(["config", "set", "--secret", "--path", "--stack", stack, "agent-cellphone-v2:verification.checks[1].endpoints[0].headers.authorization", `Bearer ${CANARY}`]);
  });
  after(async () => {
    await fixture?.close();
    if (ws && !process.env.ACV2_KEEP_WORKSPACE) ws.remove();
  });

  it("prints start, each result and the heartbeat in order, without the canary", async () => {
    const r = await ws.must(["up", "--yes", "--stack", stack]);
    console.log(`      pulumi up with a 13 s gate: ${r.ms} ms`);
    const lines = r.out.split("\n").map((l) => l.trim()).filter((l) => l.includes("[verification]"));
    console.log(lines.map((l) => `      | ${l}`).join("\n"));
    const find = (re: RegExp) => {
      const i = lines.findIndex((l) => re.test(l));
      assert.ok(i >= 0, `no line matches ${re}:\n${lines.join("\n")}`);
      return i;
    };
    const start = find(/\[verification\] running 4 checks \(deadline 120s\)/);
    const posture = find(/\[verification\] manifest-posture: PASSED in \d+\.\ds \[1\/4\]/);
    const health = find(/\[verification\] health: PASSED in \d+\.\ds \[\d\/4\]: /);
    const api = find(/\[verification\] api: PASSED in \d+\.\ds \[\d\/4\]: /);
    const beat = find(/\[verification\] load: still running after 1\ds$/);
    const load = find(/\[verification\] load: PASSED in 1\d\.\ds \[4\/4\]: .*p95/);
    assert.ok(start < posture && posture < health && posture < api, "start, then posture, then the quick checks");
    assert.ok(Math.max(health, api) < beat && beat < load, `quick checks, then the heartbeat, then the slow check:\n${lines.join("\n")}`);
    assert.ok(!r.out.includes(CANARY), "the header secret appears in pulumi up's output");
    assert.equal((await ws.outputs(stack)).verification.verdict, "passed");
  });
});
