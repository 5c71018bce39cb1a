// The rollout check as the gate runs it (rolloutDefinition): it compares the live pod template's
// image with the one the update deployed (point 4) and, because the Kubernetes provider no longer
// awaits the Deployment (point 5), waits for the rollout within its own attempt timeout. Real
// client-node against the recorded-API stand-in; the e2e suite repeats it with kwok pods.
import { strict as assert } from "node:assert";
import { definition, rolloutDefinition, type RolloutOptions } from "../../verification/checks/rollout";
import type { AttemptOutcome } from "../../verification/types";
import { attemptCheck, KUBE_TARGET, useKubeApi } from "../fixtures/checkAttempt";
import { recorded } from "../fixtures/kubeApi";

const KEY = "acv2-staging/agent-cellphone-v2";
const LIVE = "ghcr.io/example/agent-cellphone-v2:1.3.0";

describe("rollout check with the gate's expectations (image, waiting)", function () {
  this.timeout(30_000);
  const k = useKubeApi();

  function attempt(opts: RolloutOptions | undefined, timeoutMs = 10_000): Promise<AttemptOutcome> {
    return attemptCheck(opts ? rolloutDefinition(opts) : definition, "rollout", { name: "rollout", ...KUBE_TARGET, kubeconfig: k.api.kubeconfigPath }, timeoutMs);
  }

  it("fails when the live template runs another image, naming what runs, what was expected and how to proceed", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-complete.json");
    const out = await attempt({ expectedImage: "ghcr.io/example/agent-cellphone-v2:1.4.0", mismatchHint: "revert the image" });
    assert.equal(out.status, "failed");
    assert.equal(out.message, `acv2-staging/agent-cellphone-v2 runs ${LIVE} but this update expected ghcr.io/example/agent-cellphone-v2:1.4.0: revert the image`);
    const m = out.measurements as Record<string, unknown>;
    assert.deepEqual(m.liveImages, [LIVE]);
  });

  // Review finding: the wrong-image return dropped waitedMs (and left by its own path) while every
  // other return of a waiting attempt carries it. Now every return carries the same figures.
  it("a wrong image while waiting carries waitedMs and credentials like every other verdict, after one read", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-complete.json");
    const wrong = await attempt({ expectedImage: "ghcr.io/example/agent-cellphone-v2:1.4.0", waitForCompletion: true, pollMs: 200 });
    assert.equal(wrong.status, "failed");
    assert.doesNotMatch(wrong.message, /still not complete/, "a wrong image is final, not an unfinished wait");
    assert.equal(k.api.requests.length, 1, "no further reading can change a wrong image");
    const m = wrong.measurements as Record<string, unknown>;
    assert.equal(typeof m.waitedMs, "number");
    assert.ok((m.waitedMs as number) >= 0 && (m.waitedMs as number) < 10_000, `waitedMs ${m.waitedMs}`);
    assert.deepEqual(m.liveImages, [LIVE]);
    const right = await attempt({ expectedImage: LIVE, waitForCompletion: true, pollMs: 200 });
    assert.equal(right.status, "passed", right.message);
    const keysOf = (o: AttemptOutcome) => Object.keys(o.measurements ?? {}).filter((key) => key !== "liveImages" && key !== "expectedImage").sort();
    assert.deepEqual(keysOf(wrong), keysOf(right), "the same figures as the passing return");
  });

  it("passes when the live template runs the expected image", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-complete.json");
    const out = await attempt({ expectedImage: LIVE });
    assert.equal(out.status, "passed", out.message);
  });

  it("waits for a rollout that completes within the attempt timeout", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-unavailable.json");
    const becomeReady = setTimeout(() => (k.api.state.deployments[KEY] = recorded("deployment-complete.json")), 1500);
    try {
      const out = await attempt({ waitForCompletion: true, pollMs: 200 });
      assert.equal(out.status, "passed", out.message);
      const reads = k.api.requests.filter((r) => r.method === "GET").length;
      assert.ok(reads >= 3, `read ${reads} times while waiting`);
    } finally {
      clearTimeout(becomeReady);
    }
  });

  it("a rollout that never completes is FAILED (a verdict, not an ERROR) before the attempt times out", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-unavailable.json");
    const started = Date.now();
    const out = await attempt({ waitForCompletion: true, pollMs: 200 }, 3000);
    assert.equal(out.status, "failed");
    assert.match(out.message, /rollout incomplete: available 1\/3 \(still not complete after waiting [0-9] s\)$/);
    assert.ok(Date.now() - started < 3000, "answered before the attempt timeout");
  });

  it("a slow apiserver: the last read is not started when it could not answer before the attempt times out", async () => {
    // Seen through `pulumi up` on a loaded machine: the check's last read ran past the runner's
    // timer and a never-ready release ended ERROR "timed out" instead of FAILED.
    k.api.state.deployments[KEY] = recorded("deployment-unavailable.json");
    k.api.state.latencyMs = 1400;
    try {
      const started = Date.now();
      const out = await attempt({ waitForCompletion: true, pollMs: 200 }, 3000);
      assert.equal(out.status, "failed", out.message);
      assert.match(out.message, /rollout incomplete: available 1\/3 \(still not complete after waiting [0-9] s\)$/);
      assert.ok(Date.now() - started < 3000, "answered before the attempt timeout");
    } finally {
      k.api.state.latencyMs = 0;
    }
  });

  it("a read that hangs after the first: answers with the last reading before the attempt times out", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-unavailable.json");
    const hang = setTimeout(() => (k.api.state.latencyMs = 10_000), 300);
    try {
      const started = Date.now();
      const out = await attempt({ waitForCompletion: true, pollMs: 200 }, 3000);
      assert.equal(out.status, "failed", out.message);
      assert.match(out.message, /rollout incomplete: available 1\/3 \(still not complete after waiting [0-9] s; the last read did not answer in time\)$/);
      assert.ok(Date.now() - started < 3000, "answered before the attempt timeout");
    } finally {
      clearTimeout(hang);
      k.api.state.latencyMs = 0;
    }
  });

  it("stops waiting at once when the rollout is stuck (ProgressDeadlineExceeded)", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-progress-deadline-exceeded.json");
    const out = await attempt({ waitForCompletion: true, pollMs: 200 });
    assert.equal(out.status, "failed");
    assert.match(out.message, /ProgressDeadlineExceeded/);
    assert.equal(k.api.requests.length, 1);
  });

  it("the CLI's rollout check still reads once (no waiting)", async () => {
    k.api.state.deployments[KEY] = recorded("deployment-unavailable.json");
    const out = await attempt(undefined);
    assert.equal(out.status, "failed");
    assert.equal(k.api.requests.length, 1);
  });
});
