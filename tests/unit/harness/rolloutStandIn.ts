// A scripted STAND-IN for the Argo Rollouts controller, not the controller: it plays the
// controller's documented status moves (one Rollout step per read; setWeight, then
// CanaryPauseStep until status.pauseConditions is cleared; abort sends the canary weight to 0)
// so the gate's loop runs in milliseconds. The real controller drives the same loop in
// tests/e2e/nodeCanary.test.ts and nodeAbTest.test.ts.
import type { CanaryPlan, RolloutControl, RolloutView } from "../../../components/gate/canary";
import type { SuiteReport } from "../../../verification/types";

/** The stand-in: moves one Rollout step per read, the way the controller reconciles. */
export class StandIn implements RolloutControl {
  calls: string[] = [];
  index = 0;
  paused = false;
  aborted = false;
  weight = 0;
  stable = "old";
  current = "new";
  observedAfterReads = 0;
  reads = 0;
  /** From this read on the canary's pods crash-loop. */
  podsFailAtRead?: number;
  /** Crash-looping canary pods are never available: the controller does not reach a pause. */
  get blocksPause(): boolean {
    return this.podsFailAtRead !== undefined && this.reads >= this.podsFailAtRead;
  }
  constructor(readonly spec: Array<{ setWeight?: number; pause?: object; setHeaderRoute?: object }>) {}
  abortReads = 0;
  async read(): Promise<RolloutView> {
    this.reads += 1;
    // The controller moves the weight back one reconcile after the abort (and says Degraded at once).
    if (this.aborted && this.abortReads++ >= 1) this.weight = 0;
    const observed = this.reads > this.observedAfterReads;
    if (observed && !this.aborted && !this.paused && this.current !== this.stable) {
      const s = this.spec[this.index];
      if (!s) {
        this.stable = this.current; // the implied 100 %
        this.weight = 0;
      } else if (s.setWeight !== undefined) {
        this.weight = s.setWeight;
        this.index += 1;
      } else if (s.pause) {
        if (!this.blocksPause) this.paused = true;
      } else {
        this.index += 1;
      }
    }
    const healthy = this.current === this.stable;
    return {
      observed, currentStepIndex: this.index, pausedAtStep: this.paused, aborted: this.aborted,
      phase: this.aborted ? "Degraded" : healthy ? "Healthy" : this.paused ? "Paused" : "Progressing",
      currentPodHash: this.current, stableHash: this.stable, canaryWeight: this.weight,
    };
  }
  async promote() {
    this.calls.push(`promote@${this.index}`);
    this.paused = false;
    this.index += 1;
  }
  async abort() {
    this.calls.push(`abort@${this.index}`);
    this.aborted = true;
    this.paused = false;
  }
  async retry() {
    this.calls.push("retry");
    this.aborted = false;
  }
  async hopeless() {
    return this.blocksPause ? "CrashLoopBackOff (crash loop): new pod p-1" : undefined;
  }
}

export const rolloutSteps = (plan: CanaryPlan) => plan.steps.flatMap((s) => [{ setWeight: s.setWeight }, { pause: {} }]);

export function report(status: SuiteReport["status"], failing?: string): SuiteReport {
  return {
    status, startedAt: new Date(0).toISOString(), durationMs: 5,
    checks: [{ name: failing ?? "health", type: "health", status: status === "passed" ? "passed" : "failed", blocking: true, durationMs: 5, message: status === "passed" ? "ok" : "503" , measurements: {} }],
  };
}

/** A fake clock: sleeping advances it, nothing waits for real. */
export function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += Math.max(ms, 1)) };
}
