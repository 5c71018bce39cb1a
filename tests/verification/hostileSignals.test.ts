// Issue 11.5: SIGTERM and SIGHUP cancel a run like SIGINT (partial report marked aborted, exit 1);
// `npm run verify` killed with SIGKILL leaves no orphan sending traffic; a report from an earlier
// run never survives into a new one. Real processes: npm, node, and a server counting requests.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "../../components/gate/impl";
import { writeReportFile } from "../../verification/reports/json";
import type { SuiteReport } from "../../verification/types";
import { startHostileServer, type HostileServer } from "../fixtures/hostileServer";
import { REPO, runCli, tempDir } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pids of live processes whose command line mentions `needle` (the run's unique config path). */
function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(needle)) out.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Waits until `cond` holds, polling; fails with `what` after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A run that keeps sending for about a minute unless cancelled: 1200 requests of 200 ms, 4 at a time. */
const slowConfig = (url: string) => [`baseUrl: ${url}`, "deadlineSeconds: 120", "checks:", "  - { name: steady, type: availability, path: /slow, requests: 1200, timeoutSeconds: 100 }"].join("\n");

describe("hostile runs: signals, killed parents, stale reports (issue 11.5)", function () {
  this.timeout(240_000);
  let h: HostileServer;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    h = await startHostileServer();
    tmp = tempDir("hostile-signals-");
  });
  after(async () => {
    await h.close();
    tmp.cleanup();
  });

  for (const sig of ["SIGTERM", "SIGHUP"] as const) {
    it(`${sig} is handled like SIGINT: partial report marked aborted, exit 1, traffic stops`, async () => {
      const cfg = tmp.file(`${sig}.yaml`, slowConfig(h.url));
      const json = tmp.file(`${sig}.json`);
      const start = h.requestCount();
      const r = await runCli(["--config", cfg, "--json", json], {
        killAfterMs: 90_000,
        onStdout: { text: /verifying/, then: (child) => void until(() => h.requestCount() - start >= 8, 30_000, "traffic").then(() => child.kill(sig)) },
      });
      assert.equal(r.code, 1, `${r.signal} ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`interrupted by ${sig}: cancelling in-flight checks`));
      const report = JSON.parse(readFileSync(json, "utf8")) as SuiteReport;
      assert.equal(report.status, "aborted");
      assert.equal(report.checks[0].status, "error");
      assert.match(report.checks[0].message, new RegExp(`interrupted by ${sig}`));
      const after = h.requestCount();
      await sleep(1500);
      assert.equal(h.requestCount(), after, "requests kept arriving after the process exited");
    });
  }

  for (const [sig, says] of [["SIGKILL", /parent process \d+ exited/], ["SIGTERM", /interrupted by SIGTERM/]] as const) {
    it(`npm run verify killed with ${sig}: the node child stops sending and writes an aborted report, no orphan`, async () => {
      const cfg = tmp.file(`npm-${sig}.yaml`, slowConfig(h.url));
      const json = tmp.file(`npm-${sig}.json`);
      const npm = spawn("npm", ["run", "--silent", "verify", "--", "--config", cfg, "--json", json], { cwd: REPO, env: { ...process.env, CI: "true" }, stdio: "ignore" });
      try {
        const start = h.requestCount();
        await until(() => h.requestCount() - start >= 8, 60_000, "the run to send traffic");
        const children = processesWith(cfg).filter((p) => p !== npm.pid);
        assert.ok(children.length > 0, "no child process found for the run");
        // SIGKILL: npm cannot forward anything; the child watches its parent every 250 ms.
        // SIGTERM: npm forwards it. Either way, ample time on a loaded machine.
        npm.kill(sig);
        await until(() => processesWith(cfg).length === 0, 20_000, "the child to exit");
        const settled = h.requestCount();
        await sleep(1500);
        assert.equal(h.requestCount(), settled, "an orphan kept sending traffic");
        const report = JSON.parse(readFileSync(json, "utf8")) as SuiteReport;
        assert.equal(report.status, "aborted");
        assert.match(report.checks[0].message, says);
      } finally {
        npm.kill("SIGKILL");
        for (const p of processesWith(cfg)) process.kill(p, "SIGKILL");
      }
    });
  }

  it("a report from an earlier run is removed at start, even when the new run stops at an invalid config", async () => {
    const paths = ["stale.json", "stale.xml", "stale.md"].map((f) => tmp.file(f, '{"status":"passed"}'));
    const bad = tmp.file("bad.yaml", "checks: [{ name: x, type: smoke }]\n");
    const r = await runCli(["--config", bad, "--json", paths[0], "--junit", paths[1], "--markdown", paths[2]]);
    assert.equal(r.code, 2, r.stderr);
    for (const p of paths) assert.ok(!existsSync(p), `${p} survived into a run that wrote nothing`);
  });

  it("reports are written through a temporary file and renamed: a new inode, no partial or temporary file left", async () => {
    const dir = tempDir("hostile-reports-");
    try {
      // Renamed into place, not rewritten in place: a reader never sees a half-written report.
      const p = dir.file("inode.json", "old");
      const before = statSync(p).ino;
      writeReportFile(p, "new");
      assert.notEqual(statSync(p).ino, before, "the report was rewritten in place");
      assert.equal(readFileSync(p, "utf8"), "new");
      const json = dir.file("r.json");
      writeFileSync(json, "stale");
      const cfg = dir.file("ok.yaml", [`baseUrl: ${h.url}`, "checks:", "  - { name: ok, type: health, path: /ok }"].join("\n"));
      const r = await runCli(["--config", cfg, "--json", json, "--junit", dir.file("r.xml")]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal((JSON.parse(readFileSync(json, "utf8")) as SuiteReport).status, "passed");
      assert.deepEqual(readdirSync(dir.dir).sort(), ["inode.json", "ok.yaml", "r.json", "r.xml"]);
    } finally {
      dir.cleanup();
    }
  });

  it("gate: the previous run's reports are gone while a new verification runs, and replaced at the end", async () => {
    const dir = join(tmp.dir, "gate-reports");
    const stale = ["verification-results.json", "verification-results.md", "verification-results.xml"].map((f) => join(dir, f));
    for (const p of stale) writeReportFile(p, '{"status":"passed"}');
    const start = h.requestCount();
    const run = create({
      config: { baseUrl: h.url, reportDir: dir, checks: [{ name: "steady", type: "availability", path: "/slow", requests: 12 }] },
      configHash: "h", imageRef: "img:1", specHash: "s", alwaysRun: false, onFailure: "fail",
      target: { namespace: "ns", deployment: "d" }, projectRoot: REPO, stack: "hostile", plannedChecks: ["steady"],
    });
    await until(() => h.requestCount() > start, 30_000, "the gate's checks to start");
    for (const p of stale) assert.ok(!existsSync(p), `${p} from the earlier run still looks current mid-run`);
    await run;
    assert.equal((JSON.parse(readFileSync(stale[0], "utf8")) as SuiteReport).checks[0].name, "steady");
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
  });
});
