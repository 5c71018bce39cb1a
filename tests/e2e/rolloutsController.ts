// The Argo Rollouts controller for e2e suites (scripts/install-argo-rollouts builds it,
// scripts/start-rollouts runs it against the loopback control plane): why it cannot run, start
// on first use, and stop only when this process started it.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./cluster";

const RUNTIME = process.env.ACV2_RUNTIME_DIR ?? "/tmp/acv2-runtime";

/** Why the controller cannot run here, or undefined when it is built. */
export function controllerMissing(): string | undefined {
  const dir = execFileSync(path.join(ROOT, "scripts/install-argo-rollouts"), ["--print-dir"], { encoding: "utf8" }).trim();
  if (fs.existsSync(path.join(dir, "bin/rollouts-controller")) && fs.existsSync(path.join(dir, "crds/rollout-crd.yaml"))) return undefined;
  return `the Argo Rollouts controller is not built (${dir}/bin/rollouts-controller missing); run scripts/install-argo-rollouts (about 17 min cold)`;
}

/** Starts the controller (CRDs applied server-side) unless it runs; true when this call started it. Needs the control plane. */
export function startController(): { started: boolean; ms: number } {
  const started = !fs.existsSync(path.join(RUNTIME, "rollouts", "pids", "rollouts-controller.pid"));
  const t0 = Date.now();
  const r = spawnSync(path.join(ROOT, "scripts/start-rollouts"), { encoding: "utf8", timeout: 180_000 });
  if (r.status !== 0) throw new Error(`scripts/start-rollouts exited ${r.status ?? r.signal}:\n${r.stderr}`);
  return { started, ms: Date.now() - t0 };
}

export function stopController(started: boolean): void {
  if (!started) return;
  const r = spawnSync(path.join(ROOT, "scripts/stop-rollouts"), { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) console.error(`scripts/stop-rollouts exited ${r.status}: ${r.stderr}`);
}
