// Canary benchmark on the real node (prints figures; not a timed test), issue 13 point 7:
//  - promotion: a healthy canary through `pulumi up` with STEPS; the gate's own account of the
//    drive (its report: elapsedMs from the controller seeing the template to Healthy, and per
//    step the wait for the pause and the suite's time) against the sum of the configured pauses.
//    Goal: overhead under 10 %. The checks run inside each step's watch, so a step lasts the
//    longer of its pause and the suite (Pulumi.e2e.yaml's health check soaks 15 s);
//  - abort: per failing release (crash loop; /health 503 after 20 s of uptime; every answer held 1 s,
//    which only the metric analysis sees), the time from
//    `pulumi up` start to the Rollout's status.abort, sampled every 200 ms. Goal: within
//    analysisIntervalSeconds x (failureLimit + 1) + 10 s.
// Pulumi.e2e.yaml mapped onto the node as tests/e2e/nodeCanary.test.ts does, with the metric analysis
// against the node suites' Prometheus (tests/e2e/nodePrometheus.ts). Rounds: BENCH_ROUNDS (default 2).
import * as fs from "node:fs";
import * as path from "node:path";
import { stopClusterIfStarted } from "../e2e/cluster";
import { APP, ProgressiveNode, STACK, type Json } from "../e2e/nodeProgressive";
import { buildAppImage } from "../fixtures/imageTools";
import { APP_REPOSITORY } from "../e2e/nodeRelease";
import { nodePrometheusMissing, startNodePrometheus } from "../e2e/nodePrometheus";
import { freePort, type TestPrometheus } from "../fixtures/analysisProm";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const STEPS = [{ setWeight: 25, pauseSeconds: 30 }, { setWeight: 50, pauseSeconds: 30 }];
const INTERVAL = 10;
const FAILURE_LIMIT = 1;
const s = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);

async function main(): Promise<void> {
  const e = new ProgressiveNode();
  const missing = nodePrometheusMissing();
  const port = await freePort();
  const why = missing ?? (await e.setup("bench-canary", `${APP}-canary`, (url) => ({
    strategy: "canary", analysisIntervalSeconds: INTERVAL, failureLimit: FAILURE_LIMIT, analysisPrometheusUrl: `http://127.0.0.1:${port}`, canary: { steps: STEPS, verifyBaseUrl: url },
  })));
  if (why) {
    console.log(`bench:canary cannot run here: ${why}`);
    process.exitCode = 2;
    return;
  }
  let prom: TestPrometheus | undefined;
  try {
    prom = await startNodePrometheus(e.n!.cluster.kubeconfig, port);
    for (let i = 1; i <= ROUNDS; i++) buildAppImage(APP_REPOSITORY, ["--version", `2.2.${i}`, "--variants", "healthy crash 503 slow"]);
    const report = (): Json => JSON.parse(fs.readFileSync(path.join(e.ws!.dir, "reports", STACK, "verification-results.json"), "utf8"));
    const first = await e.ws!.must(["up", "--yes", "--stack", STACK]);
    console.log(`first release (no steps), pulumi up from scratch: ${s(first.ms)}`);
    const pauses = STEPS.reduce((a, x) => a + x.pauseSeconds, 0) * 1000;
    console.log(`\npromotion of a healthy canary: steps ${STEPS.map((x) => `${x.setWeight}%/${x.pauseSeconds} s`).join(", ")} (pauses ${s(pauses)})`);
    console.log("  round  pulumi up   drive (gate)  overhead vs pauses   per step: wait for pause + suite");
    for (let i = 1; i <= ROUNDS; i++) {
      e.setTag(`2.2.${i}`);
      const r = await e.ws!.must(["up", "--yes", "--stack", STACK]);
      const rel = report().release;
      const over = ((rel.elapsedMs - pauses) / pauses) * 100;
      const per = (rel.steps as Json[]).map((x) => `${s(x.waitedMs)} + ${s(x.verifyMs)}`).join(", ");
      console.log(`  ${String(i).padEnd(6)} ${s(r.ms).padEnd(11)} ${s(rel.elapsedMs).padEnd(13)} ${`${over.toFixed(1)} %`.padEnd(20)} ${per}`);
      const analysis = (report().checks as Json[]).find((c) => c.name === "metric-analysis");
      console.log(`         last step's metric analysis: ${analysis ? `${analysis.status}: ${analysis.message}` : "(no row)"}`);
    }
    const goal = INTERVAL * (FAILURE_LIMIT + 1) * 1000 + 10_000;
    console.log(`\nabort of a failing canary: pulumi up start to status.abort (goal ${s(goal)})`);
    for (let i = 1; i <= ROUNDS; i++) {
      for (const fault of ["crash", "503", "slow"]) {
        const before = await e.rollout();
        const t0 = Date.now();
        let abortedAt: number | undefined;
        const watch = e.sample(async () => {
          const st = await e.rollout();
          if (st.abort === true && abortedAt === undefined) abortedAt = Date.now() - t0;
          return String(st.abort === true);
        });
        e.setTag(`2.2.${i}-${fault}`);
        const r = await e.ws!.must(["up", "--yes", "--stack", STACK], 1);
        await watch.stop();
        const at = (r.stdout + r.stderr).match(/canary aborted at (step \d of \d \(\d+%\))/)?.[1] ?? "?";
        console.log(`  ${`2.2.${i}-${fault}`.padEnd(12)} abort after ${s(abortedAt)} at ${at}; pulumi up ${s(r.ms)}; ${abortedAt !== undefined && abortedAt <= goal ? "within" : "OVER"} the goal`);
        if (abortedAt === undefined || abortedAt > goal) {
          // Say what the gate said instead (its own lines), so an over-goal figure has its cause next to it.
          const said = (r.stdout + r.stderr).split("\n").filter((l) => /\[verification\]|error:/.test(l)).slice(-12);
          console.log(said.map((l) => `      | ${l.trim().slice(0, 240)}`).join("\n"));
        }
        // Back to the stable release (the last one promoted above; needs no steps).
        e.setTag(`2.2.${ROUNDS}`);
        await e.ws!.must(["up", "--yes", "--stack", STACK]);
        const after = await e.rollout();
        if (after.stableRS !== before.stableRS) throw new Error(`stable moved from ${before.stableRS} to ${after.stableRS} after an abort`);
      }
    }
  } finally {
    await prom?.stop();
    await e.teardown();
    stopClusterIfStarted();
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  // The relays' and API clients' keep-alive sockets would hold the process open after teardown (seen).
  .finally(() => process.exit());
