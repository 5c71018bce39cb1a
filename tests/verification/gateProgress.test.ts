// The gate's progress lines as its serialized provider prints them in Pulumi's own dynamic
// provider host (a fresh process, over gRPC), against the real fixture service: the start line,
// then one line per check in the order the checks finish, on the host's stderr (what the engine
// passes through to `pulumi up`), and no canary secret from a check's header.
import { strict as assert } from "assert";
import { gateInputs, gateUrn, reportDir, useGateHarness } from "../fixtures/gateHarness";

const URN = gateUrn();
const CANARY = "canary-progress-token-4e91d7";

describe("gate progress lines from the serialized provider (dynamic provider host)", function () {
  this.timeout(120_000);
  const h = useGateHarness();

  it("prints the start line, then each check as it finishes, in finishing order, without secrets", async () => {
    const checks = [
      // Slowest last: 40 requests at 10/s take ~4 s; the others finish in milliseconds.
      { name: "load", type: "performance", path: "/health", ratePerSecond: 10, durationSeconds: 4, minSamples: 30, thresholds: { p95Ms: 2000 }, timeoutSeconds: 20 },
      { name: "api", type: "api", timeoutSeconds: 3, endpoints: [{ method: "GET", path: "/api/v1/status", headers: { authorization: `Bearer ${CANARY}` }, expectStatus: 200 }] },
      { name: "broken", type: "health", path: "/nope", timeoutSeconds: 3, advisory: true },
    ];
    const { host } = h;
    const before = host.output.stderr.length;
    const res = await host.create(URN, gateInputs(h.text, { baseUrl: h.fixture.url, deadlineSeconds: 60, reportDir: reportDir("acv2-progress-"), checks }));
    assert.ifError(res.error);
    const lines = host.output.stderr.slice(before).split("\n").filter((l) => /^\[verification\] (running|\S+: [A-Z]+)/.test(l));
    assert.equal(lines[0], "[verification] running 3 checks (deadline 60s); a line per check as it finishes");
    const finished = lines.slice(1).map((l) => /^\[verification\] (\S+): ([A-Z]+)/.exec(l)!.slice(1, 3).join(" "));
    assert.deepEqual(finished.slice(-1), ["load PASSED"], `load finishes last: ${JSON.stringify(lines)}`);
    assert.deepEqual(finished.slice(0, 2).sort(), ["api PASSED", "broken FAILED"]);
    assert.match(lines.find((l) => l.includes("broken:"))!, /broken: FAILED \(advisory\) in \d+\.\ds \[\d\/3\]: /);
    assert.match(lines[lines.length - 1], /load: PASSED in \d+\.\ds \[3\/3\]: /);
    assert.ok(!host.output.stderr.includes(CANARY), "a progress or log line leaks the header secret");
  });
});
