// Deployment metrics pushed to a real Prometheus Pushgateway (Debian package
// prometheus-pushgateway, started here on loopback): the counter keeps counting across pushes.
import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { pushDeploymentMetrics, readCounter } from "../../components/gate/pushgateway";
import type { SuiteReport } from "../../verification/types";

const PORT = 59091;
const URL = `http://127.0.0.1:${PORT}`;

function report(status: SuiteReport["status"]): SuiteReport {
  return {
    status, startedAt: new Date().toISOString(), durationMs: 2500,
    checks: [{ name: "health", type: "health", status: status === "passed" ? "passed" : "failed", blocking: true, durationMs: 12, message: "", measurements: {} }],
  };
}

describe("deployment metrics to a real Pushgateway", function () {
  this.timeout(30_000);
  let gw: ChildProcess;
  let dir: string | undefined;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "acv2-pgw-"));
    gw = spawn("prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${PORT}`, `--persistence.file=${path.join(dir, "p")}`], { stdio: "ignore" });
    gw.on("error", (e) => assert.fail(`prometheus-pushgateway could not start (${e.message}); .ci/run installs it`));
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${URL}/-/ready`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail("Pushgateway did not become ready");
  });
  after(() => {
    gw?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reads our counter line and ignores other groups", () => {
    const text = [
      'deployments_total{instance="",job="acv2-deployments",stack="staging",status="passed"} 4',
      'deployments_total{instance="",job="acv2-deployments",stack="production",status="passed"} 9',
    ].join("\n");
    assert.equal(readCounter(text, "staging", "passed"), 4);
    assert.equal(readCounter(text, "staging", "failed"), 0);
  });

  it("counts deployments by verdict across pushes and records the last duration and check results", async () => {
    await pushDeploymentMetrics(URL, "staging", report("passed"));
    await pushDeploymentMetrics(URL, "staging", report("passed"));
    await pushDeploymentMetrics(URL, "staging", report("failed"));
    const text = await (await fetch(`${URL}/metrics`)).text();
    assert.equal(readCounter(text, "staging", "passed"), 2);
    assert.equal(readCounter(text, "staging", "failed"), 1);
    assert.match(text, /deployment_verification_duration_seconds\{[^}]*stack="staging"[^}]*\} 2\.5/);
    assert.match(text, /deployment_verification_check_passed\{[^}]*check="health"[^}]*status="failed"[^}]*\} 0/);
  });
});
