// The committed stack files as both the runner and the e2e layer see them
// (tests/fixtures/committedStacks.ts): which stacks the e2e layer runs through `pulumi up`, and
// that the one mapping changes where checks point and nothing else (every check, threshold, count,
// timeout and advisory flag stays as committed). Pure: no cluster, no engine.
import { strict as assert } from "assert";
import * as fs from "fs";
import {
  committedStacks, E2E_SKIPPED_STACKS, localVerification, maxP95, pointerFreeView, REPO_ROOT, slowBlocks, type LocalTargets,
} from "../fixtures/committedStacks";

// What the e2e layer gives: the gate reads the Kubernetes provider's cluster, the process trusts the test CA.
const e2eTargets: LocalTargets = {
  baseUrl: "http://127.0.0.1:1111", tls: { url: "https://localhost:2222", httpRedirectUrl: "http://127.0.0.1:3333" }, prometheusUrl: "http://127.0.0.1:4444", clusterFromGate: true,
};
const stack = (name: string) => committedStacks().find((s) => s.stack === name)!;

describe("committed stacks for the e2e layer (fault 16)", () => {
  it("finds every Pulumi.<stack>.yaml; the e2e layer skips only dev and e2e, each with a reason", () => {
    const names = committedStacks().map((s) => s.stack);
    assert.ok(names.includes("staging") && names.includes("production"), names.join(", "));
    assert.deepEqual(names, fs.readdirSync(REPO_ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5)).sort());
    assert.deepEqual(Object.keys(E2E_SKIPPED_STACKS).sort(), ["dev", "e2e"]);
    for (const [name, reason] of Object.entries(E2E_SKIPPED_STACKS)) {
      assert.ok(names.includes(name), `${name} is committed`);
      assert.ok(reason.length > 20);
    }
  });

  for (const name of ["staging", "production"]) {
    it(`${name}: re-pointing changes where checks point and nothing else`, () => {
      const committed = stack(name).config.verification;
      const { config: local, pointed } = localVerification(committed, e2eTargets);
      assert.deepEqual(pointerFreeView(local as Record<string, any>), pointerFreeView(committed));
      assert.equal(local.baseUrl, e2eTargets.baseUrl);
      assert.ok(pointed.includes("baseUrl"), pointed.join(", "));
      for (const c of local.checks as Record<string, any>[]) {
        if (c.type === "security") assert.equal(c.url, e2eTargets.tls!.url);
        if (c.type === "monitoring") assert.equal(c.prometheusUrl, e2eTargets.prometheusUrl);
        assert.equal(c.kubeconfig, undefined, `${c.name}: the gate supplies the cluster`);
        assert.equal(c.caFile, undefined, `${c.name}: the config is not edited for the test CA`);
      }
      const urls = JSON.stringify(local).match(/https?:\/\/[^"]+/g) ?? [];
      assert.ok(urls.length > 0 && urls.every((u) => /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u)), `only loopback targets remain: ${urls.join(", ")}`);
    });
  }

  it("reads what a slow release must do from the committed config", () => {
    assert.equal(slowBlocks(stack("production").config.verification), true, "production's performance check blocks");
    assert.equal(slowBlocks(stack("staging").config.verification), false, "staging's is advisory");
    assert.equal(maxP95(stack("production").config.verification), 300);
    assert.equal(maxP95({ checks: [{ name: "h", type: "health" }] }), 0);
  });

  it("refuses a check it cannot point at a local stand-in, naming it", () => {
    assert.throws(() => localVerification({ checks: [{ name: "db", type: "database", url: "postgres://db.example.com/x" }] }, e2eTargets), /committed check "db" needs a local database/);
    // Without the gate's cluster and without a stand-in's kubeconfig, a rollout check is not left pointing anywhere.
    const rollout = { checks: [{ name: "ro", type: "rollout", namespace: "n", deployment: "d" }] };
    assert.throws(() => localVerification(rollout, { baseUrl: "http://127.0.0.1:1" }), /committed check "ro" needs a local kubeconfig/);
    assert.equal((localVerification(rollout, { kubeconfig: "/tmp/kc" }).config.checks![0] as Record<string, any>).kubeconfig, "/tmp/kc");
  });
});
