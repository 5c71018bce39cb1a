// Pure gate decisions (components/gate/logic.ts): no Pulumi, no servers.
import { strict as assert } from "assert";
import { changedTriggers, failureTable, needsVerification, nextBaselines, stableStringify, summarize } from "../../components/gate/logic";
import type { SuiteReport } from "../../verification/types";

const triggers = { imageRef: "ghcr.io/acv2/app:1.0.0", specHash: "aaa", configHash: "ccc" };

function report(status: SuiteReport["status"], checks: SuiteReport["checks"]): SuiteReport {
  return { status, startedAt: "2026-11-27T00:00:00.000Z", durationMs: 1234, checks };
}

describe("gate logic", () => {
  describe("needsVerification (faults 14, 15)", () => {
    it("does not verify again when nothing changed since a pass", () => {
      assert.deepEqual(needsVerification({ ...triggers, verdict: "passed" }, { ...triggers }), {
        verify: false,
        reason: "nothing changed since the last passing verification",
      });
    });
    it("verifies a new image, a new Deployment spec and a new config", () => {
      for (const key of ["imageRef", "specHash", "configHash"] as const) {
        const d = needsVerification({ ...triggers, verdict: "passed" }, { ...triggers, [key]: "new" });
        assert.equal(d.verify, true, key);
        assert.equal(d.reason, `changed: ${key}`);
      }
    });
    it("verifies again after a failed or interrupted run left no verdict", () => {
      assert.equal(needsVerification({ ...triggers }, { ...triggers }).verify, true);
      assert.equal(needsVerification({}, { ...triggers }).reason, "no passing verification on record");
    });
    it("always verifies with alwaysRun", () => {
      assert.equal(needsVerification({ ...triggers, verdict: "passed" }, { ...triggers, alwaysRun: true }).verify, true);
    });
    it("lists exactly the changed triggers", () => {
      assert.deepEqual(changedTriggers(triggers, { ...triggers, specHash: "b", imageRef: "x" }), ["imageRef", "specHash"]);
    });
  });

  it("stableStringify ignores key order and undefined values", () => {
    assert.equal(stableStringify({ b: 1, a: { d: [1, 2], c: undefined } }), stableStringify({ a: { d: [1, 2] }, b: 1 }));
    assert.notEqual(stableStringify({ a: [1, 2] }), stableStringify({ a: [2, 1] }));
  });

  it("keeps the old baseline unless the performance check passed with numbers", () => {
    const old = { perf: { p50Ms: 1, p95Ms: 2, p99Ms: 3, samples: 100, recordedAt: "x" } };
    const failed = report("failed", [
      { name: "perf", type: "performance", status: "failed", blocking: true, durationMs: 1, message: "", measurements: { p50Ms: 9, p95Ms: 9, p99Ms: 9, samples: 9 } },
    ]);
    assert.deepEqual(nextBaselines(failed, old), old);
    const passed = report("passed", [
      { name: "perf", type: "performance", status: "passed", blocking: true, durationMs: 1, message: "", measurements: { p50Ms: 4, p95Ms: 5, p99Ms: 6, samples: 200 } },
    ]);
    const next = nextBaselines(passed, old);
    assert.equal(next.perf.p95Ms, 5);
    assert.equal(next.perf.samples, 200);
  });

  it("summarizes counts and digests the report text", () => {
    const r = report("passed", [
      { name: "h", type: "health", status: "passed", blocking: true, durationMs: 3, message: "ok", measurements: {} },
      { name: "adv", type: "security", status: "failed", blocking: false, durationMs: 4, message: "no HSTS", measurements: {} },
    ]);
    const s = summarize(r, "/r.json", "{}", "img:1");
    assert.equal(s.passed, 1);
    assert.equal(s.failed, 1);
    assert.equal(s.reportDigest, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    assert.equal(s.verifiedImage, "img:1");
    assert.deepEqual(s.checks[1], { name: "adv", type: "security", status: "failed", blocking: false, durationMs: 4 });
  });

  it("failure table lists every check that did not pass, blocking or advisory, and the report path", () => {
    const r = report("failed", [
      { name: "health", type: "health", status: "passed", blocking: true, durationMs: 3, message: "200", measurements: {} },
      { name: "db", type: "database", status: "error", blocking: true, durationMs: 3, message: "connection refused", measurements: {} },
      { name: "headers", type: "security", status: "failed", blocking: false, durationMs: 3, message: "Server header leaked", measurements: {} },
    ]);
    const table = failureTable(r, "/tmp/r.json", ["rollback: rolled back"]);
    const lines = table.split("\n");
    assert.equal(lines[0], "verification failed: 1 blocking check(s) did not pass (of 3)");
    assert.match(table, /db\s+database\s+ERROR\s+connection refused/);
    assert.match(table, /headers\s+security\s+FAILED \(advisory\)\s+Server header leaked/);
    assert.doesNotMatch(table, /^\s+health\s/m);
    assert.equal(lines[lines.length - 2], "rollback: rolled back");
    assert.equal(lines[lines.length - 1], "full report: /tmp/r.json");
  });
});
