// The runner with hundreds of checks (issue 11.7) and the "nothing measured is not a pass" rule
// for an all-advisory suite (issue 10.8), against real loopback servers: a closed port (refused)
// and a server that accepts and never answers (timed out).
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as net from "node:net";
import { DEFAULT_CONCURRENCY, runSuite, suiteStatus } from "../../verification/runner";
import type { CheckResult } from "../../verification/types";
import { closedPort } from "../fixtures/closedPort";
import { startFixture, type Fixture } from "../fixtures/fixtureService";
import { config, REPO } from "./helpers";

/** Accepts connections and never answers; counts how many are open at once. */
async function silentServer(): Promise<{ url: string; maxOpen: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let maxOpen = 0;
  const srv = net.createServer((s) => {
    sockets.add(s);
    maxOpen = Math.max(maxOpen, sockets.size);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
    s.resume(); // read and drop the request, so the peer's close is seen
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    maxOpen: () => maxOpen,
    close: () => new Promise<void>((r) => {
      sockets.forEach((s) => s.destroy());
      srv.close(() => r());
    }),
  };
}

describe("runner at scale: 300 checks, bounded parallelism (issue 11.7)", function () {
  this.timeout(120_000);

  it("runs 300 checks at most DEFAULT_CONCURRENCY at a time, no listener warning, each failure keeps its cause", async () => {
    const refused = await closedPort();
    const silent = await silentServer();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    let running = 0;
    let maxRunning = 0;
    try {
      // external checks carry their own URL, so half can point at each target in one suite.
      const checks = Array.from({ length: 300 }, (_, i) => ({
        name: `c${i}`,
        type: "external" as const,
        timeoutSeconds: 0.5,
        targets: [{ name: "t", url: i % 2 === 0 ? `tcp://127.0.0.1:${refused}` : `${silent.url}/` }],
      }));
      const r = await runSuite(config({ deadlineSeconds: 100, checks }), {
        onStart: () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
        },
        onResult: () => {
          running -= 1;
        },
      });
      // Let any deferred process warning be emitted before judging.
      await new Promise((res) => setImmediate(res));
      assert.equal(r.checks.length, 300);
      assert.equal(r.status, "failed");
      assert.ok(maxRunning <= DEFAULT_CONCURRENCY, `at most ${DEFAULT_CONCURRENCY} checks at once, saw ${maxRunning}`);
      // The server sees a cancelled socket close a moment after the next check connected, so a
      // few overlap; unbounded, all 150 were open at once.
      assert.ok(silent.maxOpen() <= 2 * DEFAULT_CONCURRENCY, `open sockets on the silent server: ${silent.maxOpen()}`);
      assert.deepEqual(warnings.filter((w) => /MaxListeners|memory leak/i.test(w)), []);
      const even = r.checks.filter((_, i) => i % 2 === 0);
      const odd = r.checks.filter((_, i) => i % 2 === 1);
      for (const c of even) assert.match(c.message, /connection refused/, `${c.name}: ${c.message}`);
      for (const c of odd) assert.match(c.message, /timed out after 0\.5s/, `${c.name}: ${c.message}`);
      for (const c of odd) assert.doesNotMatch(c.message, /refused/, `${c.name}: ${c.message}`);
      console.log(`      300 checks in ${r.durationMs} ms, max ${maxRunning} running, max ${silent.maxOpen()} sockets open on the silent server`);
    } finally {
      process.off("warning", onWarning);
      await silent.close();
    }
  });
});

describe("runner: a suite with nothing blocking must measure something (issue 10.8)", function () {
  this.timeout(30_000);
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());

  const result = (status: CheckResult["status"], blocking: boolean): CheckResult => ({ name: `${status}${blocking}`, type: "health", status, blocking, durationMs: 1, message: "", measurements: {} });

  it("pure rule: all advisory and none passed is failed; one advisory pass is enough", () => {
    assert.equal(suiteStatus([result("error", false), result("inconclusive", false)], new Set(), false), "failed");
    assert.equal(suiteStatus([result("error", false), result("passed", false)], new Set(), false), "passed");
    assert.equal(suiteStatus([result("error", false), result("passed", true)], new Set(), false), "passed");
  });

  it("an all-advisory suite against a broken app fails; against a healthy one it passes", async () => {
    const advisory = config({ baseUrl: fx.url, checks: [{ name: "h", type: "health", advisory: true }, { name: "a", type: "availability", requests: 4, advisory: true }] });
    fx.knobs.healthStatus = 503;
    const broken = await runSuite(advisory);
    assert.deepEqual(broken.checks.map((c) => c.status), ["failed", "failed"]);
    assert.equal(broken.status, "failed");
    fx.reset();
    assert.equal((await runSuite(advisory)).status, "passed");
  });
});

describe("runner: check modules load before any timer starts", function () {
  this.timeout(60_000);

  // A fresh process, so nothing is cached: when the first check starts, the modules of every
  // selected check type must already be loaded. Before, rollout's (with the Kubernetes client)
  // was required when its turn came, stalling the loop under the other checks' timeouts (the
  // committed e2e stack's 2 s health check timed out on a loaded machine).
  /** Which of `modules` are loaded when the first check starts, in a fresh process. */
  function loadedAtFirstStart(checks: string, modules: string[], runOpts = "{}"): string[] {
    const script = [
      'const { runSuite } = require("./verification/runner");',
      'const { rolloutDefinition } = require("./verification/checks/rollout");',
      'const { verificationSchema } = require("./verification/schema");',
      `const cfg = verificationSchema.parse({ baseUrl: "http://127.0.0.1:1", checks: ${checks} });`,
      'let seen;',
      `const loaded = () => ${JSON.stringify(modules)}.filter((m) => Object.keys(require.cache).some((k) => k.includes(m)));`,
      `runSuite(cfg, { ...${runOpts}, onStart: () => { seen ??= loaded(); } }).then(() => console.log(JSON.stringify(seen)));`,
    ].join("\n");
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: REPO, encoding: "utf8", timeout: 50_000 });
    return JSON.parse(out.trim().split("\n").pop() as string);
  }
  const HEALTH = '{ name: "h", type: "health", timeoutSeconds: 0.2 }';
  const ROLLOUT = '{ name: "r", type: "rollout", namespace: "n", deployment: "d", kubeconfig: "/nonexistent", timeoutSeconds: 0.2 }';
  const CLIENT = "@kubernetes/client-node/";

  it("has every selected check type's module loaded when the first check starts", () => {
    assert.deepEqual(loadedAtFirstStart(`[${HEALTH}, ${ROLLOUT}]`, ["checks/health.ts", "checks/rollout.ts"]), ["checks/health.ts", "checks/rollout.ts"]);
  });

  // The check modules load the Kubernetes client lazily, on the first API call: 2.2 s at load 8
  // was measured, during which a 2 s health check beside it timed out (the e2e stack's first
  // release failed so). prepare() loads it before the clocks, for the gate's definitions too.
  it("has the Kubernetes client loaded when the first check starts, for the registry's and the gate's rollout check", () => {
    assert.deepEqual(loadedAtFirstStart(`[${HEALTH}, ${ROLLOUT}]`, [CLIENT]), [CLIENT]);
    assert.deepEqual(loadedAtFirstStart(`[${HEALTH}, ${ROLLOUT}]`, [CLIENT], "{ definitions: { rollout: rolloutDefinition({ waitForCompletion: true }) } }"), [CLIENT]);
  });

  it("does not load the Kubernetes client for a suite that never reads the API", () => {
    const security = '{ name: "s", type: "security", url: "https://127.0.0.1:1/", timeoutSeconds: 0.2 }';
    assert.deepEqual(loadedAtFirstStart(`[${HEALTH}, ${security}]`, [CLIENT]), []);
  });

  it("loads it when any one security check reads the pod posture, not only the first of its type", () => {
    const plain = '{ name: "s1", type: "security", url: "https://127.0.0.1:1/", timeoutSeconds: 0.2 }';
    const posture = '{ name: "s2", type: "security", url: "https://127.0.0.1:1/", namespace: "n", deployment: "d", kubeconfig: "/nonexistent", timeoutSeconds: 0.2 }';
    assert.deepEqual(loadedAtFirstStart(`[${HEALTH}, ${plain}, ${posture}]`, [CLIENT]), [CLIENT]);
  });

  // Review finding: prepare ran once per check; a definition's prepare is per type.
  it("calls a definition's prepare once per check type, with every selected check of that type", async () => {
    const calls: Record<string, string[][]> = { health: [], availability: [] };
    const counted = <T extends "health" | "availability">(type: T) => ({
      type,
      prepare: (configs: ReadonlyArray<{ name: string }>) => void calls[type].push(configs.map((c) => c.name)),
      attempt: async () => ({ status: "passed" as const, message: "ok" }),
    });
    const r = await runSuite(config({ baseUrl: "http://127.0.0.1:1", checks: [
      { name: "h1", type: "health" }, { name: "a1", type: "availability" }, { name: "h2", type: "health" }, { name: "h3", type: "health" },
    ] }), { definitions: { health: counted("health"), availability: counted("availability") }, only: ["h1", "h3", "availability"] });
    assert.equal(r.status, "passed");
    assert.deepEqual(calls, { health: [["h1", "h3"]], availability: [["a1"]] }, "one call per type, deselected h2 left out");
  });
});
