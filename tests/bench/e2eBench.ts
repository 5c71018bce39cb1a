// End-to-end benchmark on the real node (prints figures; not a timed test), issue 12 point 5:
//  - cold (recorded by the install scripts) and warm build of the node parts;
//  - start of the control plane and the node, when this run starts them;
//  - `pulumi up` of a healthy release from scratch (Pulumi.e2e.yaml as committed, mapped onto the
//    node as tests/e2e/nodeStack.test.ts does);
//  - per crash-looping release: from `pulumi up` start to the Deployment applied, to the gate's
//    verdict (its report: startedAt + durationMs), to the rollback accepted and complete. Goal:
//    verdict and rollback complete under 60 s after the release is applied. The probes are the
//    program's (startup, liveness, readiness: the same for every stack, production included);
//    the crash is judged from the pod's CrashLoopBackOff, so the rollout check's own timeout
//    (30 s here, 300 s in production) does not enter;
//  - one never-ready release for comparison: its verdict waits for the rollout check's timeout.
// Rounds: BENCH_ROUNDS (default 3) crash releases. Runs only where tests/e2e/node.ts can run.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { V1Deployment } from "@kubernetes/client-node";
import { Workspace } from "../integration/engine";
import { ROOT, stopClusterIfStarted } from "../e2e/cluster";
import { ensureNode, nodeMissingReason, recordedBuildSeconds, stopNodeIfStarted } from "../e2e/node";
import { APP_REPOSITORY, imagesMissingReason, onNode, pushReleases, serviceRelay, stopRegistryIfStarted, watchRelease } from "../e2e/nodeRelease";
import { buildAppImage } from "../fixtures/imageTools";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STACK = "e2e";
const NS = "acv2-e2e";
const APP = "agent-cellphone-v2";
const s = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);

function timed(script: string, env: Record<string, string> = {}): string {
  const t0 = Date.now();
  execFileSync(path.join(ROOT, "scripts", script), { env: { ...process.env, ...env }, stdio: "ignore" });
  return s(Date.now() - t0);
}

async function main(): Promise<void> {
  const missing = nodeMissingReason() ?? imagesMissingReason();
  if (missing) {
    console.log(`bench:e2e cannot run here: ${missing}`);
    process.exitCode = 2;
    return;
  }
  const stamps = (script: string) => path.join(path.dirname(execFileSync(path.join(ROOT, "scripts", script), ["--print-bin"], { encoding: "utf8" }).trim()), "stamps");
  console.log("node parts            cold (recorded)            warm (now)");
  console.log(`  kubelet, kube-proxy   ${recordedBuildSeconds(stamps("install-k8s"), "kubelet")}, ${recordedBuildSeconds(stamps("install-k8s"), "kube-proxy")}   ${timed("install-k8s", { ACV2_K8S_COMPONENTS: "kubelet kube-proxy" })}`);
  console.log(`  containerd + images   ${recordedBuildSeconds(stamps("install-node"), "containerd")}   ${timed("install-node")}`);
  const t0 = Date.now();
  const node = await ensureNode();
  console.log(`control plane + node ready: ${s(Date.now() - t0)} (node start ${node.startSeconds === undefined ? "already running" : `${node.startSeconds.toFixed(1)} s`})`);
  const images = pushReleases(["2.0.0"]);
  const crashTags: string[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    buildAppImage(APP_REPOSITORY, ["--version", `2.0.${i}`, "--variants", "crash"]);
    crashTags.push(`2.0.${i}-crash`);
  }
  console.log(`app images built and pushed: ${s(images.buildMs)} (7 variants), plus ${ROUNDS} crash releases`);
  const relay = await serviceRelay(node.cluster, NS, APP);
  const ws = new Workspace("bench-e2e");
  const deployment = (): Promise<V1Deployment> => node.cluster.apps.readNamespacedDeployment({ namespace: NS, name: APP });
  try {
    fs.copyFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), path.join(ws.dir, `Pulumi.${STACK}.yaml`));
    ws.env.KUBECONFIG = node.cluster.kubeconfig;
    ws.editStack(STACK, (cfg) => {
      onNode(cfg, images.repository);
      cfg.verification.baseUrl = relay.url;
    });
    await ws.initStack(STACK);
    const first = await ws.must(["up", "--yes", "--stack", STACK]);
    console.log(`pulumi up, healthy release from scratch: ${s(first.ms)} (load ${os.loadavg()[0].toFixed(1)})`);

    console.log("release              up->applied  up->verdict  up->rollback accepted  up->rollback complete  applied->complete  pulumi up");
    for (const tag of [...crashTags, "2.0.0-never-ready"]) {
      const start = Date.now();
      const watch = watchRelease(deployment, tag, "2.0.0", 100);
      ws.editStack(STACK, (cfg) => (cfg.app.image.tag = tag));
      const r = await ws.must(["up", "--yes", "--stack", STACK], 1);
      await new Promise((res) => setTimeout(res, 1_000));
      const seen = await watch.stop();
      const reportPath = /full report: (\S+)/.exec(r.stdout + r.stderr)?.[1];
      const report = reportPath ? JSON.parse(fs.readFileSync(reportPath, "utf8")) : undefined;
      const verdict = report ? Date.parse(report.startedAt) + report.durationMs - start : undefined;
      const applied = seen.applied !== undefined && seen.complete !== undefined ? seen.complete - seen.applied : undefined;
      console.log(`${tag.padEnd(20)} ${s(seen.applied).padStart(11)}  ${s(verdict).padStart(11)}  ${s(seen.restored).padStart(21)}  ${s(seen.complete).padStart(21)}  ${s(applied).padStart(17)}  ${s(r.ms).padStart(9)}`);
    }
  } finally {
    await ws.pulumi(["destroy", "--yes", "--stack", STACK]).catch(() => undefined);
    ws.remove();
    await relay.close();
    stopRegistryIfStarted(images);
    stopNodeIfStarted();
    stopClusterIfStarted();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
