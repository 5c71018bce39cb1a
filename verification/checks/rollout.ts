// Rollout: has the Deployment's latest spec been fully rolled out? The same conditions
// `kubectl rollout status` waits for, read once per attempt (the policy's count/interval retries):
//   - API unreachable, access denied, timeout -> ERROR (could not measure).
//   - Deployment missing -> FAILED.
//   - Progressing=False with ProgressDeadlineExceeded -> FAILED (stuck; retrying will not help).
//   - observedGeneration < generation, updated/available != desired, or old replicas still
//     running -> FAILED "rollout incomplete" (a later attempt may pass within failureLimit).
//   - otherwise PASSED.
import type { V1Deployment } from "@kubernetes/client-node";
import { kubeAttempt, readDeployment } from "../k8s";
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

export const definition: CheckDefinition<"rollout"> = {
  type: "rollout",
  attempt(config, ctx): Promise<AttemptOutcome> {
    return kubeAttempt(config.kubeconfig, ctx.signal, `deployment ${config.namespace}/${config.deployment}`, async (access) => {
      const d = await readDeployment(access, config.namespace, config.deployment, ctx.signal);
      const out = judgeRollout(d);
      return { ...out, measurements: { ...out.measurements, credentials: access.source } };
    });
  },
};
