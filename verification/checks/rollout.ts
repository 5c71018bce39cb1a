// Rollout: has the Deployment's latest spec been fully rolled out? The same conditions
// `kubectl rollout status` waits for, read once per attempt (the policy's count/interval retries):
//   - API unreachable, access denied, timeout -> ERROR (could not measure).
//   - Deployment missing -> FAILED.
//   - Progressing=False with ProgressDeadlineExceeded -> FAILED (stuck; retrying will not help).
//   - observedGeneration < generation, updated/available != desired, or old replicas still
//     running -> FAILED "rollout incomplete" (a later attempt may pass within failureLimit).
//   - otherwise PASSED.
// While waiting (the gate), a new pod in a state that does not heal (crash loop, image pull
// back-off, a container that cannot be created; rolloutPods.ts) ends the wait at once: FAILED.
import type { V1Deployment } from "@kubernetes/client-node";
import { sleep } from "../abort";
import { k8sClient, kubeAttempt, readDeployment } from "../k8s";
import { findHopelessPod, hopelessMessage, readNewPods } from "./rolloutPods";
import type { AttemptOutcome, CheckDefinition } from "../types";

export interface RolloutFacts {
  generation: number;
  observedGeneration: number;
  desiredReplicas: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  revision?: string;
  conditions: Record<string, string>;
}

/** Pure: the numbers a verdict is made of, with the apiserver's omitted zero fields as 0. */
export function rolloutFacts(d: V1Deployment): RolloutFacts {
  const s = d.status ?? {};
  return {
    generation: d.metadata?.generation ?? 0,
    observedGeneration: s.observedGeneration ?? 0,
    // The apiserver defaults spec.replicas to 1 when unset.
    desiredReplicas: d.spec?.replicas ?? 1,
    replicas: s.replicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    unavailableReplicas: s.unavailableReplicas ?? 0,
    revision: d.metadata?.annotations?.["deployment.kubernetes.io/revision"],
    conditions: Object.fromEntries((s.conditions ?? []).map((c) => [c.type, `${c.status}${c.reason ? ` (${c.reason})` : ""}`])),
  };
}

/** Pure: the verdict on a Deployment object. */
export function judgeRollout(d: V1Deployment): AttemptOutcome {
  const f = rolloutFacts(d);
  const measurements = { ...f };
  const name = `${d.metadata?.namespace}/${d.metadata?.name}`;
  const stuck = (d.status?.conditions ?? []).find((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded");
  if (stuck) {
    return { status: "failed", message: `${name} rollout stuck: ProgressDeadlineExceeded (updated ${f.updatedReplicas}/${f.desiredReplicas}, available ${f.availableReplicas}/${f.desiredReplicas})`, measurements };
  }
  const gaps: string[] = [];
  if (f.observedGeneration < f.generation) gaps.push(`controller has not observed generation ${f.generation} (observed ${f.observedGeneration})`);
  if (f.updatedReplicas !== f.desiredReplicas) gaps.push(`updated ${f.updatedReplicas}/${f.desiredReplicas}`);
  if (f.availableReplicas !== f.desiredReplicas) gaps.push(`available ${f.availableReplicas}/${f.desiredReplicas}`);
  if (f.replicas > f.updatedReplicas) gaps.push(`${f.replicas - f.updatedReplicas} old replicas pending termination`);
  if (gaps.length > 0) return { status: "failed", message: `${name} rollout incomplete: ${gaps.join(", ")}`, measurements };
  return {
    status: "passed",
    message: `${name} rolled out: ${f.availableReplicas}/${f.desiredReplicas} available at generation ${f.generation}${f.revision ? `, revision ${f.revision}` : ""}`,
    measurements,
  };
}

export interface RolloutOptions {
  /**
   * Image the live pod template must run (the gate passes the image it deployed). A different
   * one fails the check naming both, with `mismatchHint` saying how to proceed. Default: not compared.
   */
  expectedImage?: string;
  mismatchHint?: string;
  /**
   * Keep reading until the rollout completes, gets stuck (ProgressDeadlineExceeded), or the
   * attempt's own timeout is near; the verdict is then the last reading. The gate sets it: the
   * Kubernetes provider does not await the Deployment (pulumi.com/skipAwait), so a release that
   * never becomes ready reaches the gate and is judged here. Default false (one reading).
   */
  waitForCompletion?: boolean;
  /** Pause between readings while waiting. Default 1000 ms. */
  pollMs?: number;
}

/** Pure: FAILED when the live pod template does not run the expected image. */
export function judgeImage(d: V1Deployment, expected: string | undefined, hint = ""): AttemptOutcome | undefined {
  if (!expected) return undefined;
  const live = (d.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? "");
  if (live.includes(expected)) return undefined;
  const name = `${d.metadata?.namespace}/${d.metadata?.name}`;
  return {
    status: "failed",
    message: `${name} runs ${live.join(", ") || "no container"} but this update expected ${expected}${hint ? `: ${hint}` : ""}`,
    measurements: { ...rolloutFacts(d), liveImages: live, expectedImage: expected },
  };
}

/** Pure: no further reading can change this verdict (complete, stuck, or not the expected image). */
function settled(out: AttemptOutcome, d: V1Deployment): boolean {
  return out.status === "passed" || (d.status?.conditions ?? []).some((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded");
}

/** A read that has not answered by `by` resolves undefined (it is left to the attempt's signal). */
async function readBy<T>(read: Promise<T>, by: number): Promise<T | undefined> {
  read.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, by - Date.now()))));
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function rolloutDefinition(opts: RolloutOptions = {}): CheckDefinition<"rollout"> {
  const pollMs = opts.pollMs ?? 1000;
  return {
    type: "rollout",
    prepare: () => void k8sClient(),
    attempt(config, ctx): Promise<AttemptOutcome> {
      // The runner's timer started with the attempt: answer with the last reading before it fires,
      // counting from here (loading the client and the kubeconfig takes time too).
      const began = Date.now();
      const answerBy = began + ctx.timeoutMs - Math.min(Math.max(500, ctx.timeoutMs * 0.05), ctx.timeoutMs / 4);
      return kubeAttempt(config.kubeconfig, ctx.signal, `deployment ${config.namespace}/${config.deployment}`, async (access) => {
        const started = Date.now();
        let last: { out: AttemptOutcome; d: V1Deployment } | undefined;
        let slowestReadMs = 0;
        let wrongImage: AttemptOutcome | undefined;
        for (;;) {
          const readStart = Date.now();
          const read = readDeployment(access, config.namespace, config.deployment, ctx.signal);
          // The first reading is awaited in full (without it there is no verdict); later ones only
          // until answerBy, then the last reading stands.
          const d = last ? await readBy(read, answerBy) : await read;
          const lateRead = d === undefined;
          let out: AttemptOutcome;
          let dep: V1Deployment;
          if (d === undefined) ({ out, d: dep } = last!);
          else {
            slowestReadMs = Math.max(slowestReadMs, Date.now() - readStart);
            wrongImage = judgeImage(d, opts.expectedImage, opts.mismatchHint);
            out = wrongImage ?? judgeRollout(d);
            dep = d;
            if (wrongImage === undefined && opts.waitForCompletion && out.status === "failed" && !settled(out, d) && Date.now() + slowestReadMs < answerBy) {
              const stuck = findHopelessPod((await readBy(readNewPods(access, d, ctx.signal), answerBy)) ?? []);
              if (stuck) {
                const name = `${d.metadata?.namespace}/${d.metadata?.name}`;
                return { status: "failed", message: hopelessMessage(name, stuck), measurements: { ...out.measurements, hopelessPod: { ...stuck }, credentials: access.source, waitedMs: Date.now() - started } };
              }
            }
          }
          last = { out, d: dep };
          // Another read is started only when it can answer before answerBy. A wrong image is
          // final (no later reading changes it) and leaves by the same return, with its figures.
          const final = wrongImage !== undefined || settled(out, dep);
          const done = lateRead || final || !opts.waitForCompletion || Date.now() + pollMs + slowestReadMs >= answerBy;
          if (done) {
            const waited = opts.waitForCompletion ? Date.now() - started : undefined;
            const message = waited !== undefined && out.status !== "passed" && !final
              ? `${out.message} (still not complete after waiting ${Math.round(waited / 1000)} s${lateRead ? "; the last read did not answer in time" : ""})`
              : out.message;
            return { ...out, message, measurements: { ...out.measurements, credentials: access.source, ...(waited !== undefined ? { waitedMs: waited } : {}) } };
          }
          ctx.log?.(`waiting for rollout: ${out.message}`);
          await sleep(pollMs, ctx.signal);
        }
      });
    },
  };
}

/** The CLI's and the registry's rollout check: one reading per attempt, no image comparison. */
export const definition: CheckDefinition<"rollout"> = rolloutDefinition();
