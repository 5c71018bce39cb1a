// The runner's `first` option, as the gate uses it (first: ["rollout"]): the other checks start
// only once the rollout check has finished, so they measure the complete release and never a mix
// of old and new pods; when it does not pass they are SKIPPED saying why. Found on the real node
// (tests/e2e/nodeStack.test.ts): with every check started at once, a release whose /health turns
// 503 after it became ready passed, because health answered from pods mid-rollout. The rollout
// check here is a scripted definition (a stand-in for the Kubernetes read, whose logic has its own
// tests); health is the real check against the real fixture service.
import { strict as assert } from "node:assert";
import { runSuite } from "../../verification/runner";
import type { AttemptOutcome, CheckResult } from "../../verification/types";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { config } from "./helpers";

const ROLLOUT = { name: "rollout", type: "rollout" as const, namespace: "ns", deployment: "app" };
const byName = (checks: CheckResult[], name: string) => checks.find((c) => c.name === name) as CheckResult;

describe("runner: checks that run first (the gate's rollout)", function () {
  this.timeout(30_000);
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());
  beforeEach(() => fx.reset());

  /** A rollout definition that answers `out` after `ms`, recording when it finished. */
  function rollout(out: AttemptOutcome, ms: number, seen: { doneAt?: number }) {
    return { rollout: { type: "rollout" as const, attempt: async () => {
      await new Promise((r) => setTimeout(r, ms));
      seen.doneAt = Date.now();
      return out;
    } } };
  }

  it("the other checks start after the rollout check has passed, and measure what serves then", async () => {
    const seen: { doneAt?: number } = {};
    const started: Record<string, number> = {};
    // The release turns bad while it rolls out: health measured beside the rollout would pass.
    setTimeout(() => (fx.knobs.healthStatus = 503), 300);
    const r = await runSuite(config({ baseUrl: fx.url, checks: [ROLLOUT, { name: "h", type: "health" }] }), {
      first: ["rollout"],
      definitions: rollout({ status: "passed", message: "rolled out" }, 600, seen),
      onStart: (name) => (started[name] = Date.now()),
    });
    assert.ok(started.h >= seen.doneAt!, `health started ${started.h - seen.doneAt!} ms after the rollout check ended`);
    assert.equal(byName(r.checks, "h").status, "failed", byName(r.checks, "h").message);
    assert.equal(r.status, "failed");
  });

  it("without `first` (the CLI) every check starts at once, as before", async () => {
    const seen: { doneAt?: number } = {};
    const started: Record<string, number> = {};
    const r = await runSuite(config({ baseUrl: fx.url, checks: [ROLLOUT, { name: "h", type: "health" }] }), {
      definitions: rollout({ status: "passed", message: "rolled out" }, 600, seen),
      onStart: (name) => (started[name] = Date.now()),
    });
    assert.ok(started.h < seen.doneAt!, "health ran beside the rollout check");
    assert.equal(r.status, "passed");
  });

  it("a blocking rollout that does not pass leaves the others SKIPPED, saying why; the suite fails", async () => {
    const r = await runSuite(config({ baseUrl: fx.url, checks: [ROLLOUT, { name: "h", type: "health" }, { name: "h2", type: "health", advisory: true }] }), {
      first: ["rollout"],
      definitions: rollout({ status: "failed", message: "ns/app rollout incomplete" }, 50, {}),
    });
    for (const name of ["h", "h2"]) {
      assert.equal(byName(r.checks, name).status, "skipped");
      assert.equal(byName(r.checks, name).message, "not run: rollout FAILED, so there was no complete release to verify");
    }
    assert.equal(fx.requestsByPath()["/health"] ?? 0, 0, "nothing was sent to the app");
    assert.equal(r.status, "failed");
  });

  it("an advisory rollout that does not pass does not hold the others back", async () => {
    const r = await runSuite(config({ baseUrl: fx.url, checks: [{ ...ROLLOUT, advisory: true }, { name: "h", type: "health" }] }), {
      first: ["rollout"],
      definitions: rollout({ status: "failed", message: "incomplete" }, 50, {}),
    });
    assert.equal(byName(r.checks, "h").status, "passed");
    assert.equal(r.status, "passed");
  });
});
