// The gate drives a canary release (issue 13, point 3): the Argo Rollout pauses at every step
// (indefinite pauses, components/specs/releaseSpecs.ts), and only this loop moves it on. At each
// step it waits for the controller to reach the pause, runs the verification suite against the
// new version while it watches the step for its pauseSeconds, then promotes to the next step, or
// aborts: the controller sends all traffic back to stable, which was never modified. The loop is
// pure over a RolloutControl (canaryKube.ts talks to the API server; tests/unit/canaryDrive.test.ts
// drives it with a scripted stand-in, tests/e2e/canaryGate.test.ts with the real controller).
import type { SuiteReport } from "../../verification/types";
import { podTrouble, type PodState } from "./canaryPods";
import { cell } from "./logic";
import type { AnalysisSpec } from "../specs/releaseAnalysis";

export interface CanaryStepPlan {
  setWeight: number;
  pauseSeconds: number;
}

export interface CanaryPlan {
  /** canary: weighted steps; blueGreen: one step, the preview (weight 0), then the switch; abTest: one step, the cohort (weight 0), then 100 %. */
  strategy: "canary" | "blueGreen" | "abTest";
  /** Rollout name (in the gate's target namespace). */
  rollout: string;
  steps: CanaryStepPlan[];
  /** Rollout steps before the first setWeight (the header route's setHeaderRoute). */
  leadingSteps: number;
  /** Where the per-step checks go; default the verification baseUrl. */
  verifyBaseUrl?: string;
  /** abTest: who the cohort is, and how its answers are compared with stable's while it runs. */
  cohort?: { label: string; stableBaseUrl?: string; maxErrorRatioIncrease: number };
  /**
   * The metric analysis at every step (analysis.ts); absent without monitoring. Prometheus is
   * prometheusUrl, else the monitoring check's (from the gate's config at run time).
   */
  analysis?: { prometheusUrl?: string; spec: AnalysisSpec; intervalSeconds: number; failureLimit: number };
}

/** What the loop reads of the Rollout. */
export interface RolloutView {
  /** The controller has seen the workload's (Deployment's) current generation. */
  observed: boolean;
  currentStepIndex?: number;
  /** Paused for a promotion: status.pauseConditions has CanaryPauseStep (canary) or BlueGreenPause. */
  pausedAtStep: boolean;
  aborted: boolean;
  phase?: string;
  message?: string;
  /** rollouts-pod-template-hash of the desired (new) template. */
  currentPodHash?: string;
  /** ... of the stable ReplicaSet. */
  stableHash?: string;
  /** Traffic weight the controller set for the canary, when it reports one. */
  canaryWeight?: number;
}

export interface RolloutControl {
  read(): Promise<RolloutView>;
  /** Ends the current pause (what `kubectl argo rollouts promote` sends). */
  promote(): Promise<void>;
  /** Sends all traffic back to stable (`kubectl argo rollouts abort`). */
  abort(): Promise<void>;
  /** Clears an earlier abort so the same template may try again (`kubectl argo rollouts retry`). */
  retry(): Promise<void>;
  /** A pod of this template that will never become ready (crash loop, pull error), said in one line. */
  hopeless?(podHash: string): Promise<string | undefined>;
  /** Pods the Rollout selects but does not run (the Deployment's own, still draining after the takeover). */
  leftoverPods?(): Promise<number>;
  /** Every container of the pods of this template: restarts and readiness, read while a step is watched. */
  podStates?(podHash: string): Promise<PodState[]>;
  /** The canary (or preview) Service the Rollout names, and the pod-template hash its selector carries. */
  versionService?(): Promise<{ name: string; hash?: string } | undefined>;
}

export interface StepRecord {
  step: number;
  weight: number;
  /** The canary weight the controller reported when the step was verified. */
  observedWeight?: number;
  /** "promoted before": an earlier run of the gate promoted this step and was interrupted after it. */
  verdict: SuiteReport["status"] | "not reached" | "promoted before";
  failed: string[];
  waitedMs: number;
  verifyMs: number;
}

export interface CanaryOutcome {
  /** failed: the Rollout could not be driven (no controller, the stable template not Healthy); nothing was aborted. */
  outcome: "promoted" | "aborted" | "unchanged" | "failed";
  steps: StepRecord[];
  /** The report of the last verified step (the failing one on abort). */
  report?: SuiteReport;
  stableHash?: string;
  message: string;
  /** From the loop's first read to its outcome (the promotion's whole time when promoted). */
  elapsedMs?: number;
}

export interface DriveOptions {
  /** Runs the suite against the new version at one step. */
  verify: (step: number, weight: number, signal: AbortSignal) => Promise<SuiteReport>;
  /** Longest wait for the controller to reach a step, or to finish. */
  waitTimeoutMs: number;
  pollMs?: number;
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The Rollout step index of configured step k's pause (each step is a setWeight then a pause). */
export function pauseIndexOf(plan: Pick<CanaryPlan, "leadingSteps">, k: number): number {
  return plan.leadingSteps + 2 * k + 1;
}

export class CanaryStop extends Error {}

/** How the report and the log name step k. */
export function stepLabel(plan: Pick<CanaryPlan, "strategy" | "steps" | "cohort">, k: number): string {
  if (plan.strategy === "blueGreen") return "the preview (0% of users)";
  if (plan.strategy === "abTest") return `the A/B cohort (${plan.cohort?.label ?? "cohort"}; 0% of other users)`;
  return `step ${k + 1} of ${plan.steps.length} (${plan.steps[k].setWeight}%)`;
}

/** Drives the Rollout through the plan; `elapsedMs` is from the first read to the outcome. */
export async function driveCanary(ctl: RolloutControl, plan: CanaryPlan, opts: DriveOptions): Promise<CanaryOutcome> {
  const now = opts.now ?? Date.now;
  const t0 = now();
  const outcome = await driveSteps(ctl, plan, opts);
  return { ...outcome, elapsedMs: now() - t0 };
}

async function driveSteps(ctl: RolloutControl, plan: CanaryPlan, opts: DriveOptions): Promise<CanaryOutcome> {
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const poll = opts.pollMs ?? 500;
  const log = opts.log ?? (() => undefined);
  const steps: StepRecord[] = plan.steps.map((s, i) => ({ step: i + 1, weight: s.setWeight, verdict: "not reached", failed: [], waitedMs: 0, verifyMs: 0 }));

  /** Polls until `done` says so; throws CanaryStop when the release cannot get there. */
  async function waitUntil(what: string, done: (v: RolloutView) => boolean, timeoutMs = opts.waitTimeoutMs, afterAbort = false): Promise<RolloutView> {
    const deadline = now() + timeoutMs;
    for (;;) {
      const v = await ctl.read();
      if (done(v)) return v;
      if (afterAbort) {
        // Waiting for the abort itself: aborted and Degraded are where it is going.
      } else if (v.aborted) throw new CanaryStop(`the Rollout was aborted while waiting for ${what}${v.message ? `: ${v.message}` : ""}`);
      else if (v.phase === "Degraded") throw new CanaryStop(`the Rollout is Degraded while waiting for ${what}${v.message ? `: ${v.message}` : ""}`);
      else {
        const hopeless = v.currentPodHash && ctl.hopeless ? await ctl.hopeless(v.currentPodHash) : undefined;
        if (hopeless) throw new CanaryStop(`the new version cannot become ready: ${hopeless}`);
      }
      if (now() >= deadline) {
        throw new CanaryStop(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what} (phase ${v.phase ?? "unknown"}, step index ${v.currentStepIndex ?? "none"}${v.message ? `: ${v.message}` : ""})`);
      }
      await sleep(poll);
    }
  }

  /**
   * Undefined once step k is really on the new version, else why not (after up to 30 s): the
   * Rollout's desired template is not its stable one, the Service the checks go through (canary or
   * preview) selects the new pod-template hash, and the canary weight the controller reports is the
   * step's. Checks made otherwise would judge the stable version (a failing canary was once
   * promoted after an abort, the controller reporting 0 % at both steps).
   */
  async function notOnNewVersion(k: number): Promise<string | undefined> {
    const deadline = now() + 30_000;
    for (;;) {
      const v = await ctl.read();
      const svc = ctl.versionService ? await ctl.versionService() : undefined;
      const why =
        !v.currentPodHash || v.currentPodHash === v.stableHash
          ? `the Rollout's desired pod-template hash (${v.currentPodHash ?? "none"}) is its stable one: there is no new version at this step`
          : svc && svc.hash !== v.currentPodHash
            ? `the ${svc.name} Service selects ${svc.hash ? `pod-template hash ${svc.hash}` : "no version"}, not the new version ${v.currentPodHash}: checks through it would judge another version`
            : plan.strategy !== "blueGreen" && v.canaryWeight !== undefined && v.canaryWeight !== plan.steps[k].setWeight
              ? `the controller reports a canary weight of ${v.canaryWeight}%, not the step's ${plan.steps[k].setWeight}%`
              : undefined;
      if (!why) return undefined;
      if (now() >= deadline) return why;
      await sleep(poll);
    }
  }

  async function waitForLeftovers(): Promise<number> {
    if (!ctl.leftoverPods) return 0;
    const deadline = now() + opts.waitTimeoutMs;
    let n = await ctl.leftoverPods();
    while (n > 0 && now() < deadline) {
      await sleep(poll);
      n = await ctl.leftoverPods();
    }
    return n;
  }

  let first: RolloutView;
  try {
    first = await waitUntil("the Argo Rollouts controller to see the new template", (v) => v.observed || v.aborted);
  } catch (e) {
    if (!(e instanceof CanaryStop)) throw e;
    return { outcome: "failed", steps, message: `${e.message}. Is the Argo Rollouts controller running?` };
  }
  if (first.aborted) {
    // An earlier run aborted this template; the caller only gets here when it may be verified again.
    log(`${plan.strategy}: clearing the earlier abort of this template (retry): it was opted in to be verified again`);
    await ctl.retry();
    first = await ctl.read();
  }
  if (first.currentPodHash && first.currentPodHash === first.stableHash) {
    // Nothing to step through: a Rollout's first release goes straight to 100% (there is no
    // stable to compare with), and a template that is stable already needs no promotion.
    try {
      const done = await waitUntil("the Rollout to become Healthy", (v) => v.phase === "Healthy" && v.currentPodHash === v.stableHash);
      // On the Rollout's first release the Deployment's own pods drain while the controller scales
      // it down, and a draining pod answers 503 on /health: verify once they are gone.
      const leftover = await waitForLeftovers();
      if (leftover > 0) log(`${plan.strategy}: ${leftover} pod(s) of the Deployment still present after ${Math.round(opts.waitTimeoutMs / 1000)} s; verifying anyway`);
      return { outcome: "unchanged", steps, stableHash: done.stableHash, message: `the Rollout runs this template as stable (${done.stableHash}): no step to promote` };
    } catch (e) {
      if (!(e instanceof CanaryStop)) throw e;
      return { outcome: "failed", steps, message: `the Rollout's stable template did not become Healthy: ${e.message}` };
    }
  }

  let report: SuiteReport | undefined;
  let baseline: PodState[] | undefined;
  // Only the gate promotes: a Rollout already past a step's pause was promoted there by an earlier
  // run that did not finish (interrupted); the drive resumes at the step the Rollout is at.
  const resumeAt = plan.strategy !== "blueGreen" ? (first.currentStepIndex ?? 0) : 0;
  for (let k = 0; k < plan.steps.length; k++) {
    const rec = steps[k];
    const label = stepLabel(plan, k);
    if (plan.strategy !== "blueGreen" && pauseIndexOf(plan, k) < resumeAt) {
      rec.verdict = "promoted before";
      log(`${plan.strategy}: ${label} was promoted by an earlier run; resuming after it`);
      continue;
    }
    const t0 = now();
    try {
      // blueGreen has no step index: its one pause is the preview's.
      await waitUntil(label, (v) => v.pausedAtStep && (plan.strategy === "blueGreen" || v.currentStepIndex === pauseIndexOf(plan, k)));
    } catch (e) {
      if (!(e instanceof CanaryStop)) throw e;
      rec.waitedMs = now() - t0;
      rec.verdict = "failed";
      rec.failed = [e.message];
      return abortWith(k, e.message, undefined);
    }
    const wrong = await notOnNewVersion(k);
    if (wrong) {
      rec.waitedMs = now() - t0;
      rec.verdict = "failed";
      rec.failed = [wrong];
      return abortWith(k, wrong, undefined);
    }
    rec.waitedMs = now() - t0;
    log(`${plan.strategy}: ${label} reached in ${(rec.waitedMs / 1000).toFixed(1)} s; verifying while it is watched for ${plan.steps[k].pauseSeconds} s`);
    // The checks run inside the step's watch, not after it: the step lasts its pauseSeconds or the
    // suite's time, whichever is longer. A watch that sees the release fail stops the suite.
    const stopSuite = new AbortController();
    const v0 = now();
    const hash = (await ctl.read()).currentPodHash;
    // Restarts count from the first watched step on: one between two steps is one too.
    baseline ??= ctl.podStates && hash ? await ctl.podStates(hash) : [];
    const podsAtStart = baseline;
    let notReady = new Set<string>();
    const verifying = opts.verify(k + 1, rec.weight, stopSuite.signal);
    let watchFailure: string | undefined;
    try {
      const watchEnd = now() + plan.steps[k].pauseSeconds * 1000;
      let settled: { report?: SuiteReport } | undefined;
      verifying.then((r) => (settled = { report: r }), () => (settled = {}));
      // Until the suite is done, and then until the watch ends when it passed: a failing suite ends the step at once.
      while (!settled || (settled.report?.status === "passed" && now() < watchEnd)) {
        await sleep(Math.max(1, settled ? Math.min(poll, watchEnd - now()) : poll));
        const v = await ctl.read();
        if (v.aborted || v.phase === "Degraded") throw new CanaryStop(`the Rollout left ${label} on its own (${v.aborted ? "aborted" : v.phase})${v.message ? `: ${v.message}` : ""}`);
        const hopeless = v.currentPodHash && ctl.hopeless ? await ctl.hopeless(v.currentPodHash) : undefined;
        if (hopeless) throw new CanaryStop(`the new version failed while watched at ${label}: ${hopeless}`);
        if (ctl.podStates && hash) {
          const t = podTrouble(podsAtStart, await ctl.podStates(hash), notReady);
          if (t.why) throw new CanaryStop(`the new version failed while watched at ${label}: ${t.why}`);
          notReady = t.notReady;
        }
      }
    } catch (e) {
      if (!(e instanceof CanaryStop)) throw e;
      watchFailure = e.message;
      stopSuite.abort(new Error(e.message));
    }
    report = await verifying.catch((e: Error) => {
      if (watchFailure) return undefined;
      throw e;
    });
    rec.verifyMs = now() - v0;
    if (watchFailure || !report) {
      rec.verdict = "failed";
      rec.failed = [watchFailure ?? "the suite did not finish"];
      return abortWith(k, watchFailure ?? "the suite did not finish", report);
    }
    rec.observedWeight = (await ctl.read()).canaryWeight;
    rec.verdict = report.status;
    rec.failed = report.checks.filter((c) => c.blocking && c.status !== "passed" && c.status !== "skipped").map((c) => `${c.name} ${c.status.toUpperCase()}`);
    if (report.status !== "passed") return abortWith(k, `verification ${report.status} at ${label}: ${rec.failed.join(", ") || "see the report"}`, report);
    log(`${plan.strategy}: ${label} verified in ${(rec.verifyMs / 1000).toFixed(1)} s; promoting`);
    await ctl.promote();
  }
  try {
    const done = await waitUntil("the Rollout to finish at 100%", (v) => v.phase === "Healthy" && !!v.currentPodHash && v.currentPodHash === v.stableHash);
    return { outcome: "promoted", steps, report, stableHash: done.stableHash, message: `promoted through ${plan.steps.length} step(s); stable is now ${done.stableHash}` };
  } catch (e) {
    if (!(e instanceof CanaryStop)) throw e;
    const why = `every step passed, but the final promotion did not complete: ${e.message}`;
    // Stable is still the old version: send everyone back to it rather than leave the new one
    // taking all traffic it cannot serve (seen on the node: pods restarted by liveness).
    const v = await ctl.read();
    if (v.currentPodHash && v.currentPodHash !== v.stableHash && !v.aborted) return abortWith(plan.steps.length - 1, why, report);
    return { outcome: "failed", steps, report, message: why };
  }

  async function abortWith(k: number, why: string, failing: SuiteReport | undefined): Promise<CanaryOutcome> {
    log(`${plan.strategy}: aborting at ${stepLabel(plan, k)}: ${why}`);
    const before = await ctl.read();
    if (!before.aborted) await ctl.abort();
    let back = "";
    try {
      const v = await waitUntil("the abort to send all traffic to stable", (x) => x.aborted && (x.canaryWeight === undefined || x.canaryWeight === 0), 60_000, true);
      back = plan.strategy === "blueGreen"
        ? `the active version ${v.stableHash ?? ""} kept every request and was not modified`
        : plan.strategy === "abTest"
          ? `the cohort is back on stable ${v.stableHash ?? ""} with everyone else (canary weight ${v.canaryWeight ?? 0}); stable was not modified`
          : `all traffic back on stable ${v.stableHash ?? ""} (canary weight ${v.canaryWeight ?? 0}); stable was not modified`;
    } catch (e) {
      back = `the abort was sent but not confirmed: ${(e as Error).message}`;
    }
    return { outcome: "aborted", steps, report: failing, stableHash: before.stableHash, message: `${plan.strategy} aborted at ${stepLabel(plan, k)}: ${why}; ${back}` };
  }
}

/** The per-step table of a canary run, for the error and the log. */
export function stepsTable(steps: StepRecord[]): string {
  const rows = steps.map((s) => `  ${cell(String(s.step), 5)} ${cell(`${s.weight}%`, 7)} ${cell(s.observedWeight === undefined ? "-" : `${s.observedWeight}%`, 9)} ${cell(s.verdict.toUpperCase(), 12)} ${s.failed.join(", ")}`);
  return [`  ${cell("STEP", 5)} ${cell("WEIGHT", 7)} ${cell("OBSERVED", 9)} ${cell("VERDICT", 12)} FAILED`, ...rows].join("\n");
}
