// Issue 12.2: the reference app (tests/fixtures/app, Go), built and run as a real process, judged by the
// project's REAL runner with the committed staging and production gates (tests/fixtures/
// committedStacks.ts maps only where checks point: the app for baseUrl, the recorded-API
// stand-in, a local TLS server with a test CA, the local Prometheus scraping the app). A healthy
// release passes every check; each release fault (switched on the way a release does it, through
// the env a pod gets: here ACV2_IMAGE_TAG=<version>-<fault>, the value the image config carries)
// is caught by the check that should catch it. No kubelet here: readiness and restarts are the
// node's (tests/e2e on a real node); this layer proves the app and the checks agree.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { runSuite } from "../../verification/runner";
import { verificationSchema, type VerificationConfig } from "../../verification/schema";
import type { CheckResult, SuiteReport } from "../../verification/types";
import { buildApp, capMemory, freePort, goMissing, startApp, type RunningApp } from "../fixtures/appBinary";
import { makeTestCerts, type TestCerts } from "../fixtures/certs";
import { serveHttp, serveTls, type TestServer } from "../fixtures/certsServer";
import { committedStackFiles, localVerification, readCommittedStack, seedHealthyDeployment, type LocalTargets } from "../fixtures/committedStacks";
import { startKubeApi, type KubeApiStandIn } from "../fixtures/kubeApi";
import { ensurePostgres, pgUrl } from "../fixtures/postgres";
import { runCli, tempDir } from "./helpers";
import { ensurePrometheus, PROM_URL, stopPrometheus, waitForUp } from "../fixtures/prometheus";

const summary = (r: SuiteReport) => r.checks.map((c) => `${c.name}=${c.status}${c.blocking ? "" : "(advisory)"}`).join(" ");
const committed = (stack: string) => {
  const file = committedStackFiles().find((f) => path.basename(f) === `Pulumi.${stack}.yaml`);
  assert.ok(file, `Pulumi.${stack}.yaml is committed`);
  return readCommittedStack(file).verification as Record<string, any>;
};
const byType = (r: SuiteReport, type: string): CheckResult[] => r.checks.filter((c) => c.type === type);

describe("the reference app image's binary under the committed gates (issue 12.2)", function () {
  this.timeout(900_000);
  let bin = "";
  let certs: TestCerts | undefined;
  let api: KubeApiStandIn | undefined;
  const servers: TestServer[] = [];
  const apps: RunningApp[] = [];
  let promStarted = false;

  before(async function () {
    this.timeout(900_000);
    const why = goMissing();
    if (why) {
      console.log(`      SKIPPED: ${why}`);
      this.skip();
    }
    const t = Date.now();
    bin = buildApp();
    console.log(`      go build tests/fixtures/app: ${Date.now() - t} ms`);
    certs = makeTestCerts();
    api = await startKubeApi({}, { certs });
    const tls = await serveTls(certs.valid, { headers: "secure" });
    const redirect = await serveHttp(301, `${tls.url}/`);
    servers.push(tls, redirect);
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    if (promStarted) stopPrometheus();
    await Promise.all(servers.map((s) => s.close()));
    await api?.close();
    certs?.cleanup();
    if (bin) fs.rmSync(path.dirname(bin), { recursive: true, force: true });
  });

  const launch = async (env: Record<string, string> = {}) => {
    const a = await startApp(bin, env);
    apps.push(a);
    return a;
  };
  /** The committed gate of `stack`, pointed at `app`, run by the real runner. */
  // Prometheus is a pointer only (the committed monitoring check is advisory); it scrapes the app
  // only where a test starts it for that app.
  const gate = async (stack: string, app: RunningApp): Promise<SuiteReport> => {
    const targets: LocalTargets = {
      baseUrl: app.url,
      kubeconfig: api!.kubeconfigPath,
      tls: { url: servers[0].url, httpRedirectUrl: `http://localhost:${servers[1].port}/`, caFile: certs!.caFile },
      prometheusUrl: PROM_URL,
    };
    const mapped = localVerification(committed(stack), targets);
    const parsed = verificationSchema.safeParse(mapped.config);
    assert.ok(parsed.success, "mapped config is valid");
    const cfg: VerificationConfig = parsed.data;
    for (const c of cfg.checks) {
      if ((c.type === "rollout" || c.type === "rollback" || c.type === "security") && c.namespace && c.deployment) {
        seedHealthyDeployment(api!, c.namespace, c.deployment);
      }
    }
    const r = await runSuite(cfg);
    console.log(`      ${stack} vs ${app.listening || "(exited)"}: ${r.status} in ${r.durationMs} ms: ${summary(r)}`);
    return r;
  };

  it("a healthy release with DATABASE_URL pings the real PostgreSQL in /health", async () => {
    const app = await launch({ ACV2_IMAGE_TAG: "2.0.0", DATABASE_URL: pgUrl(ensurePostgres()) });
    const res = await fetch(`${app.url}/health`);
    const body = (await res.json()) as Record<string, string>;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual([body.status, body.database, body.version], ["ok", "ok", "2.0.0"]);
    await app.stop();
    assert.equal(app.exit(), 0, "SIGTERM ends it cleanly");
  });

  // The committed stacks configure no api check; the documented example does (examples/verify.yaml,
  // with its bearer token): the app's API must be the one the project's api check calls.
  it("the documented example config passes through the CLI: health, availability, the api check's 3 endpoints with the bearer token", async () => {
    const token = "example-token-change-me";
    const app = await launch({ ACV2_IMAGE_TAG: "2.0.0", API_TOKEN: token });
    const tmp = tempDir("app-example-");
    try {
      const r = await runCli(["--config", "examples/verify.yaml", "--base-url", app.url, "--json", tmp.file("r.json")]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^✔ api +PASSED {2}\d+ms {2}3\/3 endpoints as expected$/m);
      assert.ok(!(r.stdout + r.stderr).includes(token), "the token is never printed");
      // Without the token the same api check fails: the app really checks it.
      const wrong = await launch({ ACV2_IMAGE_TAG: "2.0.0", API_TOKEN: "another-token-4b1c" });
      const bad = await runCli(["--config", "examples/verify.yaml", "--base-url", wrong.url, "--only", "api"]);
      assert.equal(bad.code, 1, bad.stdout + bad.stderr);
      assert.match(bad.stdout, /api +FAILED/);
    } finally {
      tmp.cleanup();
    }
  });

  for (const stack of ["staging", "production"]) {
    it(`a healthy release PASSES every committed ${stack} check, advisory ones included`, async () => {
      const app = await launch({ ACV2_IMAGE_TAG: "2.0.0" });
      const prom = committed(stack).checks.some((c: any) => c.type === "monitoring");
      if (prom) {
        ensurePrometheus(`127.0.0.1:${app.port}`);
        promStarted = true;
        await waitForUp(`127.0.0.1:${app.port}`, "1", 60_000);
      }
      const r = await gate(stack, app);
      for (const c of r.checks) assert.equal(c.status, "passed", `${c.name}: ${c.message}`);
      assert.equal(r.status, "passed");
      assert.equal(r.checks.length, committed(stack).checks.length, "every committed check ran");
      await app.stop();
    });
  }

  it("crash: the process exits 1 before listening; health and availability cannot pass, the gate blocks", async () => {
    const app = await launch({ ACV2_IMAGE_TAG: "2.0.0-crash" });
    assert.equal(await app.waitExit(10_000), 1);
    assert.match(app.stderr(), /fault: crash at start/);
    const r = await gate("staging", app);
    for (const c of [...byType(r, "health"), ...byType(r, "availability")]) assert.notEqual(c.status, "passed", `${c.name}: ${c.message}`);
    assert.equal(byType(r, "health")[0].status, "error", "nothing listens: could not measure");
    assert.equal(r.status, "failed");
  });

  it("never-ready: /health is 503 from the start; health FAILED, the gate blocks", async () => {
    const app = await launch({ ACV2_IMAGE_TAG: "2.0.0-never-ready" });
    const r = await gate("staging", app);
    assert.equal(byType(r, "health")[0].status, "failed", byType(r, "health")[0].message);
    assert.match(byType(r, "health")[0].message, /503/);
    assert.equal(r.status, "failed");
  });

  it("503 after ready: healthy at first (so a rollout completes), then /health 503; health FAILED, the gate blocks", async () => {
    const app = await launch({ ACV2_IMAGE_TAG: "2.0.0-503", ACV2_FAULT_AFTER_SECONDS: "2" });
    assert.equal((await fetch(`${app.url}/health`)).status, 200, "ready at first");
    await new Promise((r) => setTimeout(r, 2_200));
    const r = await gate("staging", app);
    assert.equal(byType(r, "health")[0].status, "failed", byType(r, "health")[0].message);
    assert.equal(r.status, "failed");
  });

  it("slow: every response held past production's p95 threshold; performance FAILED on p95, the gate blocks", async () => {
    const p95 = committed("production").checks.find((c: any) => c.type === "performance").thresholds.p95Ms as number;
    const app = await launch({ ACV2_IMAGE_TAG: "2.0.0-slow", ACV2_SLOW_MS: String(p95 + 150) });
    const r = await gate("production", app);
    const perf = byType(r, "performance")[0];
    assert.equal(perf.status, "failed", perf.message);
    assert.equal(perf.blocking, true);
    assert.match(perf.message, /p95 [\d.]+ms > \d+ms/);
    assert.equal(r.status, "failed");
  });

  it("leak: under a 256 MiB memory cap the process dies out of memory during the gate's load; availability cannot pass, the gate blocks", async () => {
    const app = await launch({ ACV2_IMAGE_TAG: "2.0.0-leak" });
    const limit = capMemory(app.proc.pid!, 256 << 20);
    const r = await gate("staging", app);
    const code = await app.waitExit(30_000);
    console.log(`      leak: address space capped at ${Math.round(limit / 2 ** 20)} MiB; exit ${code}`);
    assert.notEqual(code, 0);
    assert.match(app.stderr(), /out of memory/);
    const avail = byType(r, "availability")[0];
    assert.notEqual(avail.status, "passed", avail.message);
    assert.equal(r.status, "failed");
  });

  it("wrong port: the app serves, but not on PORT; health cannot reach it (ERROR, connection refused), the gate blocks", async () => {
    const wrong = await freePort();
    const app = await launch({ ACV2_IMAGE_TAG: "2.0.0-wrong-port", ACV2_WRONG_PORT: String(wrong) });
    assert.equal(app.listening, `127.0.0.1:${wrong}`);
    assert.equal((await fetch(`http://${app.listening}/health`)).status, 200, "alive on the wrong port");
    const r = await gate("staging", app);
    const health = byType(r, "health")[0];
    assert.equal(health.status, "error", health.message);
    assert.match(health.message, /refused/i);
    assert.equal(r.status, "failed");
  });
});
