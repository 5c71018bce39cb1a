// Issue 10.1 (runner half), fault 16: every committed Pulumi.<stack>.yaml, its verification
// config exactly as committed (checks, thresholds, counts, timeouts, advisory flags), pointed
// only at local stand-ins (tests/fixtures/committedStacks.ts): the fixture service for the app,
// the recorded-API stand-in for the Kubernetes API, openssl-made certificates behind a real TLS
// server, the real Prometheus (Debian) scraping the fixture. Through the real runner it must
// PASS against a healthy fast app and BLOCK a broken one (health 503; p95 over a blocking
// threshold). A new stack file is picked up without editing this test.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { runSuite } from "../../verification/runner";
import { verificationSchema, type VerificationConfig } from "../../verification/schema";
import type { SuiteReport } from "../../verification/types";
import { makeTestCerts, type TestCerts } from "../fixtures/certs";
import { serveHttp, serveTls, type TestServer } from "../fixtures/certsServer";
import {
  committedStackFiles, committedStacks, localVerification, maxP95, p95Checks, pointerFreeView, seedHealthyDeployment, skipReason, slowBlocks,
  targetsNeeded, type LocalTargets,
} from "../fixtures/committedStacks";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { startKubeApi, type KubeApiStandIn } from "../fixtures/kubeApi";
import { ensurePostgres, pgUrl } from "../fixtures/postgres";
import { ensurePrometheus, PROM_URL, stopPrometheus, waitForUp } from "../fixtures/prometheus";

const stacks = committedStacks();
const runnable = stacks.filter((s) => {
  const why = skipReason(s);
  if (why) console.log(`      committed stacks: skipping ${s.stack}: ${why}`);
  return !why;
});

const summary = (r: SuiteReport) => r.checks.map((c) => `${c.name}=${c.status}${c.blocking ? "" : "(advisory)"}`).join(" ");

describe("committed stack files, run as committed through the runner (issue 10.1, fault 16)", function () {
  this.timeout(600_000);
  let fx: Fixture;
  let certs: TestCerts | undefined;
  let api: KubeApiStandIn | undefined;
  const servers: TestServer[] = [];
  const targets: LocalTargets = {};

  before(async function () {
    assert.ok(stacks.some((s) => s.stack === "production") && stacks.some((s) => s.stack === "staging"), "staging and production stack files are committed");
    const needed = new Set(runnable.flatMap((s) => [...targetsNeeded(s.verification ?? {})]));
    fx = await startFixture();
    targets.baseUrl = fx.url;
    if (needed.has("kubeconfig") || needed.has("tls")) certs = makeTestCerts();
    if (needed.has("kubeconfig")) {
      api = await startKubeApi({}, { certs });
      targets.kubeconfig = api.kubeconfigPath;
    }
    if (needed.has("tls") && certs) {
      const tls = await serveTls(certs.valid, { headers: "secure" });
      const redirect = await serveHttp(301, `${tls.url}/`);
      servers.push(tls, redirect);
      targets.tls = { url: tls.url, httpRedirectUrl: `http://localhost:${redirect.port}/`, caFile: certs.caFile };
    }
    if (needed.has("prometheusUrl")) {
      const instance = `127.0.0.1:${fx.port}`;
      ensurePrometheus(instance);
      await waitForUp(instance, "1", 60_000);
      targets.prometheusUrl = PROM_URL;
    }
    if (needed.has("databaseUrl")) targets.databaseUrl = pgUrl(ensurePostgres());
  });

  after(async () => {
    // A reload keeps our fixture's series (soon down) in storage; a stopped server restarts empty,
    // so the monitoring tests after this one do not see a target that is gone.
    if (targets.prometheusUrl) stopPrometheus();
    await Promise.all(servers.map((s) => s.close()));
    await api?.close();
    await fx?.close();
    certs?.cleanup();
  });

  it("lists every Pulumi.<stack>.yaml in the repo root", () => {
    assert.deepEqual(stacks.map((s) => path.basename(s.file)), committedStackFiles().map((f) => path.basename(f)));
    assert.ok(runnable.length >= 2, `runnable: ${runnable.map((s) => s.stack).join(", ")}`);
  });

  for (const s of runnable) {
    describe(`${s.stack} (${path.basename(s.file)})`, () => {
      const committed = s.verification as Record<string, any>;
      let cfg: VerificationConfig;
      const seed = () => {
        for (const c of cfg.checks) {
          if ((c.type === "rollout" || c.type === "rollback" || c.type === "security") && c.namespace && c.deployment && api) {
            seedHealthyDeployment(api, c.namespace, c.deployment);
          }
        }
      };
      const run = () => {
        seed();
        return runSuite(cfg);
      };

      before(() => {
        const mapped = localVerification(committed, targets);
        const parsed = verificationSchema.safeParse(mapped.config);
        assert.ok(parsed.success, `mapped config invalid: ${parsed.success ? "" : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
        cfg = parsed.data;
        console.log(`      ${s.stack}: pointed ${mapped.pointed.join(", ")}`);
      });
      beforeEach(() => fx.reset());

      it("validates as committed, and the local copy differs only in where it points", () => {
        const asCommitted = verificationSchema.safeParse(committed);
        assert.ok(asCommitted.success, `committed config refused: ${asCommitted.success ? "" : asCommitted.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
        assert.deepEqual(pointerFreeView(localVerification(committed, targets).config as Record<string, any>), pointerFreeView(committed));
      });

      it("PASSES against a healthy, fast app: every check, advisory ones included, measured and passed", async () => {
        const r = await run();
        console.log(`      ${s.stack} healthy: ${r.status} in ${r.durationMs} ms: ${summary(r)}`);
        for (const c of r.checks) assert.equal(c.status, "passed", `${c.name}: ${c.message}`);
        assert.equal(r.status, "passed");
      });

      it("BLOCKS when /health answers 503", async () => {
        fx.knobs.healthStatus = 503;
        const r = await run();
        console.log(`      ${s.stack} health 503: ${r.status}: ${summary(r)}`);
        const health = r.checks.filter((c) => c.type === "health");
        assert.ok(health.length > 0, "the committed gate has a health check");
        for (const c of health) assert.equal(c.status, "failed", c.message);
        assert.equal(r.status, "failed");
      });

      const perf = p95Checks(committed);
      if (perf.length === 0) {
        it(`has no performance check with a p95 threshold: nothing to slow down (skipped, reason printed)`, function () {
          console.log(`      ${s.stack}: no performance check with thresholds.p95Ms in ${path.basename(s.file)}`);
          this.skip();
        });
        return;
      }
      const p95 = maxP95(committed);
      const blocking = slowBlocks(committed);
      // The gate's checks must agree with each other: an app that meets the committed latency
      // threshold is healthy, so no other committed check may block it.
      const inside = Math.floor(Math.min(...perf.map((c) => c.thresholds.p95Ms)) * 0.8);
      it(`PASSES an app just inside its latency threshold (${inside} ms per request): no other check blocks it`, async () => {
        fx.knobs.latencyMs = inside;
        const r = await run();
        console.log(`      ${s.stack} latency ${inside} ms: ${r.status}: ${summary(r)}`);
        for (const c of r.checks.filter((x) => x.blocking)) assert.equal(c.status, "passed", `${c.name}: ${c.message}`);
        assert.equal(r.status, "passed");
      });

      it(`with p95 over its ${p95} ms threshold: performance FAILED, and the suite ${blocking ? "BLOCKS" : "reports it (the check is advisory as committed)"}`, async () => {
        fx.knobs.latencyMs = p95 + 150;
        const r = await run();
        console.log(`      ${s.stack} latency ${p95 + 150} ms: ${r.status}: ${summary(r)}`);
        for (const c of r.checks.filter((x) => x.type === "performance")) {
          assert.equal(c.status, "failed", c.message);
          assert.match(c.message, /p95 [\d.]+ms > \d+ms/);
        }
        if (blocking) assert.equal(r.status, "failed");
      });
    });
  }
});
