// Rollback readiness: could this Deployment be rolled back right now? Read-only by design: it
// lists, it never patches, scales or rolls anything back (the gate's onFailure does that).
// Rules:
//   - API unreachable / denied / timeout -> ERROR; Deployment missing -> FAILED.
//   - spec.revisionHistoryLimit == 0 -> FAILED: Kubernetes deletes every old ReplicaSet.
//   - an owned ReplicaSet with an older revision whose pod template differs from the current
//     one (ignoring the pod-template-hash label) -> PASSED.
//   - otherwise (no ReplicaSet, or only identical templates) -> INCONCLUSIVE "no previous
//     revision to roll back to": nothing is proven. Except on a first release (the gate says
//     nothing has passed verification on this stack yet): PASSED "nothing to roll back to yet".
//   - with the gate's record of the last verified release (its pod-template-hash), only that
//     release's ReplicaSet counts as a rollback target: gone -> FAILED "no usable previous revision".
import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from "@kubernetes/client-node";
import { k8sClient, kubeAttempt, listReplicaSets, readDeployment, selectorString } from "../k8s";
import type { AttemptOutcome, CheckDefinition } from "../types";

const REVISION = "deployment.kubernetes.io/revision";

/** Pure: a ReplicaSet's revision number; -1 when absent or malformed. */
export function revisionOf(o: { metadata?: { annotations?: Record<string, string> } }): number {
  const n = Number(o.metadata?.annotations?.[REVISION]);
  return Number.isInteger(n) ? n : -1;
}

/** Pure: JSON with object keys sorted, so equal templates compare equal whatever the key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== null);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Pure: a pod template as comparable text, without the controller-added pod-template-hash label. */
export function templateKey(t: V1PodTemplateSpec | undefined): string {
  const labels = { ...(t?.metadata?.labels ?? {}) };
  delete labels["pod-template-hash"];
  return canonical({ ...t, metadata: { ...t?.metadata, labels, creationTimestamp: undefined } });
}

/** Pure: ReplicaSets controlled by this Deployment (a shared label selector is not ownership). */
export function ownedBy(d: V1Deployment, sets: V1ReplicaSet[]): V1ReplicaSet[] {
  const uid = d.metadata?.uid;
  return sets.filter((rs) =>
    (rs.metadata?.ownerReferences ?? []).some((o) => o.kind === "Deployment" && (uid ? o.uid === uid : o.name === d.metadata?.name)),
  );
}

const images = (t: V1PodTemplateSpec | undefined) => (t?.spec?.containers ?? []).map((c) => c.image ?? "");

/** What the gate knows about this stack's releases (the CLI knows none of it). */
export interface ReleaseContext {
  /** Nothing has passed verification on this stack yet. */
  firstRelease?: boolean;
  /** pod-template-hash of the last verified release: the only rollback target that counts. */
  verifiedPodTemplateHash?: string;
  verifiedImage?: string;
}

const hashOf = (rs: V1ReplicaSet) => rs.metadata?.labels?.["pod-template-hash"];

/** Pure: the verdict from a Deployment and the ReplicaSets its selector matched. */
export function judgeRollback(d: V1Deployment, sets: V1ReplicaSet[], release: ReleaseContext = {}): AttemptOutcome {
  const name = `${d.metadata?.namespace}/${d.metadata?.name}`;
  const limit = d.spec?.revisionHistoryLimit ?? 10; // the apiserver's default when unset
  const owned = ownedBy(d, sets).sort((a, b) => revisionOf(b) - revisionOf(a));
  const wanted = revisionOf(d);
  const current = owned.find((rs) => revisionOf(rs) === wanted) ?? owned[0];
  const measurements: Record<string, unknown> = {
    revisionHistoryLimit: limit,
    revisions: owned.map(revisionOf),
    currentRevision: current ? revisionOf(current) : undefined,
    ignoredNotOwned: sets.length - owned.length,
    ...(release.firstRelease !== undefined ? { firstRelease: release.firstRelease } : {}),
  };
  if (limit === 0) {
    return { status: "failed", message: `${name} has revisionHistoryLimit 0: no old ReplicaSet is kept to roll back to`, measurements };
  }
  // Rule for a first release: nothing passed verification here yet AND the Deployment holds no
  // older distinct template. Having nothing to roll back to is then expected, not a defect.
  const first = (why: string): AttemptOutcome => ({
    status: "passed",
    message: `first release of ${name}: nothing to roll back to yet (${why}); revisionHistoryLimit ${limit} keeps this one for the next release`,
    measurements,
  });
  if (!current) {
    if (release.firstRelease) return first("no ReplicaSets yet");
    return { status: "inconclusive", message: `no previous revision to roll back to (${name} has no ReplicaSets yet)`, measurements };
  }
  if (release.verifiedPodTemplateHash && !release.firstRelease) {
    const target = owned.find((rs) => hashOf(rs) === release.verifiedPodTemplateHash);
    measurements.verifiedPodTemplateHash = release.verifiedPodTemplateHash;
    if (target === current) {
      return { status: "passed", message: `${name} runs the last verified release (${release.verifiedImage ?? release.verifiedPodTemplateHash}, revision ${revisionOf(current)}); revisionHistoryLimit ${limit}`, measurements };
    }
    if (!target) {
      return {
        status: "failed",
        message: `${name} has no usable previous revision: the ReplicaSet of the last verified release (${release.verifiedImage ?? "image unknown"}, pod-template-hash ${release.verifiedPodTemplateHash}) is gone; revisionHistoryLimit ${limit}`,
        measurements,
      };
    }
    measurements.previousRevision = revisionOf(target);
    measurements.previousReplicaSet = target.metadata?.name;
    measurements.previousImages = images(target.spec?.template);
    return {
      status: "passed",
      message: `${name} can roll back from revision ${revisionOf(current)} to the last verified release (${target.metadata?.name}, revision ${revisionOf(target)}); revisionHistoryLimit ${limit}`,
      measurements,
    };
  }
  const currentKey = templateKey(current.spec?.template);
  const previous = owned.find((rs) => revisionOf(rs) < revisionOf(current) && templateKey(rs.spec?.template) !== currentKey);
  if (!previous) {
    if (release.firstRelease) return first(`revision ${revisionOf(current)} is the only distinct template`);
    return { status: "inconclusive", message: `no previous revision to roll back to (${name} is at revision ${revisionOf(current)}, the only distinct template)`, measurements };
  }
  measurements.previousRevision = revisionOf(previous);
  measurements.previousReplicaSet = previous.metadata?.name;
  measurements.currentImages = images(current.spec?.template);
  measurements.previousImages = images(previous.spec?.template);
  return {
    status: "passed",
    message: `${name} can roll back from revision ${revisionOf(current)} to ${revisionOf(previous)} (${previous.metadata?.name}); revisionHistoryLimit ${limit}`,
    measurements,
  };
}

export function rollbackDefinition(release: ReleaseContext = {}): CheckDefinition<"rollback"> {
  return {
    type: "rollback",
    prepare: () => void k8sClient(),
    attempt(config, ctx): Promise<AttemptOutcome> {
      return kubeAttempt(config.kubeconfig, ctx.signal, `deployment ${config.namespace}/${config.deployment}`, async (access, reading) => {
        const d = await readDeployment(access, config.namespace, config.deployment, ctx.signal);
        reading(`replicasets of ${config.namespace}/${config.deployment}`);
        const sets = await listReplicaSets(access, config.namespace, selectorString(d.spec?.selector), ctx.signal);
        return judgeRollback(d, sets, release);
      });
    },
  };
}

/** The CLI's and the registry's rollback check: no release record, the ReplicaSets alone. */
export const definition: CheckDefinition<"rollback"> = rollbackDefinition();
