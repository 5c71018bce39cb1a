// Fault 16 through the real engine: each committed Pulumi.<stack>.yaml (staging, production and
// any later one; dev and e2e are skipped with the reason in tests/fixtures/committedStacks.ts) is
// deployed with `pulumi up` on the loopback control plane with its verification config AS
// COMMITTED, only re-pointed (localVerification(), the same mapping as the runner layer's) at the
// fixture service, a local TLS server with a test CA (trusted via NODE_EXTRA_CA_CERTS, the config
// is not edited for it), a local redirect server and the local Prometheus; the gate reads the
// cluster of the Kubernetes provider. A healthy fast app must pass; a new release whose /health
// answers 503 must be blocked; a release slower than the committed p95 must be blocked when that
// check is blocking.
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { makeTestCerts, type TestCerts } from "../fixtures/certs";
import { serveHttp, serveTls, type TestServer } from "../fixtures/certsServer";
import { committedStacks, E2E_SKIPPED_STACKS, localVerification, maxP95, slowBlocks, type LocalTargets } from "../fixtures/committedStacks";
import type { Fixture } from "../fixtures/fixtureService";
import { ensurePrometheus, PROM_URL } from "../fixtures/prometheus";
import type { Workspace } from "../integration/engine";
import { removeStackWorkspace, stackWorkspaceOrSkip } from "./stackWorkspace";

for (const { stack, config: committed } of committedStacks()) {
  if (E2E_SKIPPED_STACKS[stack]) {
    describe(`e2e: committed stack ${stack}`, () => it(`skipped: ${E2E_SKIPPED_STACKS[stack]}`, function () {
      this.skip();
    }));
    continue;
  }

  describe(`e2e: committed stack ${stack} through pulumi up, gate as committed (fault 16)`, function () {
    this.timeout(900_000);
    let ws: Workspace | undefined;
    let fixture: Fixture | undefined;
    let certs: TestCerts | undefined;
    let tls: TestServer | undefined;
    let redirect: TestServer | undefined;
    let release = 0;
    const up = async (expectCode: number, edit?: (cfg: Record<string, any>) => void) => {
      if (edit) ws!.editStack(stack, edit);
      const r = await ws!.must(["up", "--yes", "--stack", stack], expectCode);
      return { ...r, text: r.stdout + r.stderr };
    };
    // A new release changes what runs: the tag, and the digest too where the stack pins one
    // (production does; with the digest unchanged the image reference, and so the release, is the same).
    const newRelease = (cfg: Record<string, any>) => {
      release += 1;
      const digest = cfg.app.image.digest ? { digest: `sha256:${createHash("sha256").update(`e2e-release-${release}`).digest("hex")}` } : {};
      cfg.app.image = { ...cfg.app.image, tag: `${cfg.app.image.tag}-e2e${release}`, ...digest };
    };

    before(async function () {
      this.timeout(600_000);
      ({ ws, fixture } = await stackWorkspaceOrSkip(this, stack, `stack-${stack}`));
      certs = makeTestCerts();
      tls = await serveTls(certs.valid);
      redirect = await serveHttp(301, tls.url);
      ensurePrometheus(new URL(fixture.url).host);
      // The gate reads the Kubernetes provider's cluster; the test CA is trusted by the process.
      const targets: LocalTargets = { baseUrl: fixture.url, tls: { url: tls.url, httpRedirectUrl: redirect.url }, prometheusUrl: PROM_URL, clusterFromGate: true };
      ws.editStack(stack, (cfg) => (cfg.verification = localVerification(cfg.verification, targets).config));
      ws.env.NODE_EXTRA_CA_CERTS = certs.caFile;
      const secrets: Record<string, string> = committed.monitoring?.mode === "bundled" ? { grafanaAdminPassword: "e2e-grafana-pw-3c9d" } : {};
      await ws.initStack(stack, secrets);
    });
    after(async () => {
      await removeStackWorkspace({ ws, fixture }, stack);
      await tls?.close();
      await redirect?.close();
      certs?.cleanup();
    });

    it("passes against a healthy, fast app", async function () {
      const r = await ws!.pulumi(["up", "--yes", "--stack", stack]);
      const text = r.stdout + r.stderr;
      console.log(`      pulumi up ${stack} (healthy): ${r.ms} ms, exit ${r.code}`);
      assert.equal(r.code, 0, text);
      const out = await ws!.outputs(stack);
      assert.equal(out.verification.verdict, "passed");
      for (const check of out.verification.checks) {
        if (check.blocking) assert.equal(check.status, "passed", `${check.name} is blocking`);
      }
      assert.equal(out.verification.checks.length, committed.verification.checks.length, "every committed check ran");
    });

    it("blocks a new release whose /health answers 503", async () => {
      fixture!.knobs.healthStatus = 503;
      try {
        const r = await up(1, newRelease);
        console.log(`      pulumi up ${stack} (health 503): ${r.ms} ms`);
        assert.match(r.text, /health\s+health\s+FAILED/);
        assert.match(r.text, /verification failed: \d+ blocking check\(s\) did not pass/);
        if (committed.verification.onFailure === "rollback") assert.match(r.text, /rollback: /, "says what happened to the workload");
      } finally {
        fixture!.knobs.healthStatus = 200;
      }
    });

    it("judges a new release slower than the committed p95 as the committed config says", async function () {
      const p95 = maxP95(committed.verification);
      if (p95 === 0) this.skip();
      fixture!.knobs.latencyMs = Math.round(p95 * 1.2);
      try {
        ws!.editStack(stack, newRelease);
        const r = await ws!.pulumi(["up", "--yes", "--stack", stack]);
        const text = r.stdout + r.stderr;
        console.log(`      pulumi up ${stack} (latency ${fixture!.knobs.latencyMs} ms, p95 threshold ${p95} ms): ${r.ms} ms, exit ${r.code}`);
        if (slowBlocks(committed.verification)) {
          assert.notEqual(r.code, 0, `a blocking p95 threshold must block:\n${text}`);
          assert.match(text, /performance\s+performance\s+FAILED\s+.*p95/);
        } else {
          // The committed performance check is advisory: it reports, it never blocks.
          assert.equal(r.code, 0, text);
          const out = await ws!.outputs(stack);
          const perf = JSON.parse(fs.readFileSync(out.verification.reportPath, "utf8")).checks.find((x: any) => x.type === "performance");
          assert.equal(perf.blocking, false);
          assert.notEqual(perf.status, "passed", "a p95 over its threshold is never reported as a pass");
          assert.equal(perf.status, "failed", perf.message);
          assert.match(perf.message, /p95/);
        }
      } finally {
        fixture!.knobs.latencyMs = 0;
      }
    });
  });
}
