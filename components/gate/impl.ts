// The gate's behaviour inside the dynamic provider process: validate, decide, run the suite,
// store a summary or fail the update. Loaded by provider.ts at run time, never serialized.
import { mkdirSync } from "fs";
import { join, resolve } from "path";
import type * as pulumi from "@pulumi/pulumi";
import { formatIssues } from "../../config/errors";
import { removeStaleReports, writeReportFile } from "../../verification/reports/json";
import { verificationSchema, type VerificationConfig } from "../../verification/schema";
import type { PerformanceBaseline, SuiteReport } from "../../verification/types";
import type { CanaryPlan } from "./canary";
import { failureTable, summarize, type GateSummary } from "./logic";
import {
  failedImageRefusal, imageMismatchHint, isFirstRelease, isNewRelease, nextFailedImages, redeployOptIn,
  rollbackDecision, type ReleaseRecord, type VerifiedRelease,
} from "./release";

/** Inputs the component hands the dynamic resource (see verificationGate.ts). */
export interface GateInputs {
  config: unknown;
  configHash: string;
  imageRef: string;
  specHash: string;
  alwaysRun: boolean;
  onFailure: "fail" | "rollback";
  /** sha256 of the objects that serve traffic (Service, Istio routing, NetworkPolicy, HPA...). */
  servingHash?: string;
  /** The Deployment, and the kubeconfig/context the Kubernetes provider uses. */
  target: { namespace: string; deployment: string; kubeconfig?: string; context?: string };
  projectRoot: string;
  stack: string;
  plannedChecks: string[];
  renderDir?: string;
  /** canary/blueGreen: the plan the gate drives the Argo Rollout through (components/gate/canary.ts). */
  progressive?: CanaryPlan;
}

type Stored = Partial<GateInputs> & Partial<GateSummary> & ReleaseRecord;

// The engine sends this sentinel for values not known yet during preview.
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

export async function check(_olds: Stored, news: GateInputs): Promise<pulumi.dynamic.CheckResult> {
  if (containsUnknown(news.config)) return { inputs: news };
  const parsed = verificationSchema.safeParse(news.config);
  if (parsed.success) return { inputs: news };
  return {
    inputs: news,
    failures: parsed.error.issues.map((issue) => {
      const [where, ...rule] = formatIssues([issue], "verification.")[0].split(": ");
      return { property: where, reason: `${where}: ${rule.join(": ")}` };
    }),
  };
}

export async function create(inputs: GateInputs): Promise<pulumi.dynamic.CreateResult> {
  const id = `verification-${inputs.stack}`;
  return { id, outs: await redactingErrors(inputs, () => verify(id, inputs, undefined)) };
}

export async function update(id: string, olds: Stored, news: GateInputs): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: await redactingErrors(news, () => verify(id, news, olds)) };
}

/**
 * Every error that reaches the engine passes here first: the failure table, but also whatever a
 * library threw on the way (fetch quotes URLs with their userinfo, clients quote DSNs). Masked
 * with the secrets of the config and of secret-looking environment variables; no stack frames
 * beyond the message are kept, since a stack repeats the raw message. A failed run's id and
 * stored properties (the release record, see failedRun) are kept: they hold no config.
 */
async function redactingErrors<T>(inputs: GateInputs, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const { collectSecrets, createRedactor, envSecrets } = await import("../../verification/redact");
    const { redact } = createRedactor(collectSecrets(inputs.config, envSecrets()));
    const e = err as Error & { id?: string; properties?: unknown; reasons?: string[] };
    const redacted = Object.assign(new Error(redact(e?.message ?? String(err))), e?.id === undefined ? {} : {
      id: e.id,
      properties: e.properties === undefined ? undefined : JSON.parse(redact(JSON.stringify(e.properties))),
      reasons: (e.reasons ?? []).map((r) => redact(r)),
    });
    redacted.stack = redacted.message;
    throw redacted;
  }
}

const REPORT_FILES = ["verification-results.json", "verification-results.md", "verification-results.xml"];

export function writeReports(dir: string, report: SuiteReport, markdown: string, junit: string): { path: string; text: string } {
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(report, null, 2);
  const path = join(dir, REPORT_FILES[0]);
  // Renamed into place (writeReportFile): a killed run never leaves half a report.
  writeReportFile(path, text);
  writeReportFile(join(dir, REPORT_FILES[1]), markdown);
  writeReportFile(join(dir, REPORT_FILES[2]), junit); // CI test-report viewers read JUnit
  return { path, text };
}

/**
 * A failed run fails the update AND stores a record (the engine keeps a dynamic resource's
 * properties when its error carries an id: a partial failure). So the next run knows which
 * image failed, whether it was rolled back, and still knows the last verified release.
 */
export function failedRun(id: string, inputs: GateInputs, olds: Stored | undefined, message: string, record: Partial<ReleaseRecord> & Partial<GateSummary>): Error {
  const { config: _omitted, ...triggersAndTarget } = inputs;
  const properties = {
    ...triggersAndTarget,
    baselines: olds?.baselines ?? {},
    verifiedImage: olds?.verifiedImage,
    verifiedRelease: olds?.verifiedRelease,
    ...record,
    verdict: "failed",
  };
  return Object.assign(new Error(message), { id, properties: JSON.parse(JSON.stringify(properties)), reasons: [message] });
}

async function verify(id: string, inputs: GateInputs, olds: Stored | undefined): Promise<Omit<GateInputs, "config"> & GateSummary & ReleaseRecord> {
  const config: VerificationConfig = verificationSchema.parse(inputs.config);
  const offline = Boolean(inputs.renderDir); // render mode: no cluster to read or roll back
  const newRelease = isNewRelease(olds, inputs);
  const verified: VerifiedRelease | undefined = olds?.verifiedRelease;
  const { resolveKubeconfig, withKubeconfig } = await import("../../verification/k8sTarget");
  const kube = offline ? { path: undefined, cleanup: () => undefined } : resolveKubeconfig(inputs.target);
  const target = { namespace: inputs.target.namespace, deployment: inputs.target.deployment, kubeconfig: kube.path };
  try {
    const refusal = failedImageRefusal(olds, inputs.imageRef, redeployOptIn(inputs.imageRef, config.redeployFailedImage));
    if (refusal) {
      // Nothing is verified. If the refused image runs again (e.g. `pulumi up --refresh`
      // re-applied it), rollback returns the last verified release; otherwise nothing is touched.
      const notes = [refusal];
      let rolledBack = olds?.rolledBack;
      if (!offline) {
        // Say what runs: after a rollback the live template is the verified release, not this one.
        const { readCurrentRelease } = await import("./rollback");
        const live = await readCurrentRelease(target).catch(() => undefined);
        if (live && !live.images.includes(inputs.imageRef)) {
          notes.unshift(`${target.namespace}/${target.deployment} runs ${live.images.join(", ")} but this update expected ${inputs.imageRef}: ${imageMismatchHint(olds, inputs.imageRef)}`);
        }
      }
      if (inputs.progressive && !offline) {
        const { abortRefused } = await import("./canaryGate");
        notes.push(await abortRefused(inputs.progressive, target.namespace, kube.path).catch((e: Error) => `${inputs.progressive!.strategy}: could not check the Rollout: ${e.message}`));
      } else if (config.onFailure === "rollback" && !offline) {
        const { rollbackToVerified } = await import("./rollback");
        const outcome = await rollbackToVerified({ ...target, verified, onlyIfRunning: inputs.imageRef, timeoutMs: 120_000 });
        notes.push(`rollback: ${outcome.message}`);
        rolledBack = rolledBack || outcome.rolledBack;
      }
      throw failedRun(id, inputs, olds, `verification refused:\n${notes.join("\n")}`, { failedImages: olds?.failedImages, rolledBack });
    }

    const started = Date.now();
    const dir = config.reportDir
      ? resolve(inputs.projectRoot, config.reportDir)
      : join(inputs.projectRoot, "reports", inputs.stack);
    // A report from an earlier run must not look like this run's if this one dies before writing.
    removeStaleReports(REPORT_FILES.map((f) => join(dir, f)));
    const suite = await import("../../verification");
    if (inputs.progressive && !offline) {
      const { canaryRun } = await import("./canaryGate");
      return await canaryRun({ id, inputs, olds, config, dir, started, newRelease, kubeconfig: kube.path, writeReports, failedRun });
    }
    const { rolloutDefinition } = await import("../../verification/checks/rollout");
    const { rollbackDefinition } = await import("../../verification/checks/rollback");
    const extra: SuiteReport["checks"] = [];
    if (inputs.renderDir) {
      const { manifestPostureResult } = await import("./posture");
      extra.push(await manifestPostureResult(resolve(inputs.projectRoot, inputs.renderDir), inputs.stack));
    }
    const { createProgress } = await import("./progress");
    const progress = createProgress({ write: (line) => process.stderr.write(`${line}\n`) });
    progress.begin(config.checks.length + extra.length, config.deadlineSeconds);
    extra.forEach((r) => progress.onResult(r));
    const report: SuiteReport = await suite.runSuite({ ...config, checks: withKubeconfig(config.checks, kube.path) }, {
      baselines: olds?.baselines,
      log: (line: string) => process.stderr.write(`[verification] ${line}\n`),
      onStart: progress.onStart,
      onResult: progress.onResult,
      // Nothing else measures a half-rolled-out release: the other checks start once it is complete.
      first: ["rollout"],
      definitions: {
        // The provider does not await the Deployment or the Service (pulumi.com/skipAwait): the rollout check
        // waits for it, within its own timeout, and checks it runs the image this update deployed.
        rollout: rolloutDefinition({ expectedImage: offline ? undefined : inputs.imageRef, mismatchHint: imageMismatchHint(olds, inputs.imageRef), waitForCompletion: true }),
        rollback: rollbackDefinition({ firstRelease: isFirstRelease(olds), verifiedPodTemplateHash: verified?.podTemplateHash, verifiedImage: verified?.imageRef }),
      },
    }).finally(() => progress.stop());
    if (extra.length > 0) {
      // The offline posture check joins the suite's verdict: fail closed over all of them (an
      // empty live suite alone would not pass, posture plus nothing live can).
      report.checks.push(...extra);
      report.status = suite.suiteStatus(report.checks, new Set(), report.status === "aborted");
      report.durationMs = Date.now() - started;
    }
    const { path, text } = writeReports(dir, report, suite.renderMarkdown(report), suite.renderJunit(report));

    const notes: string[] = [];
    // A re-check of an image the gate rolled back keeps that fact: it still does not run.
    let rolledBack = !newRelease && Boolean(olds?.rolledBack);
    if (report.status !== "passed") {
      const decision = rollbackDecision({ onFailure: config.onFailure, newRelease, verified });
      if (decision.rollback && !offline) {
        const { rollbackToVerified } = await import("./rollback");
        const outcome = await rollbackToVerified({ ...target, verified, timeoutMs: 120_000 });
        notes.push(`rollback: ${outcome.message}`);
        rolledBack = outcome.rolledBack;
      } else {
        notes.push(`rollback: ${decision.reason}`);
      }
    }
    if (config.pushgatewayUrl) {
      const { pushDeploymentMetrics } = await import("./pushgateway");
      const pushed = await pushDeploymentMetrics(config.pushgatewayUrl, inputs.stack, report).catch((e: Error) => `not pushed: ${e.message}`);
      if (pushed) notes.push(`pushgateway: ${pushed}`);
    }
    if (report.status !== "passed") {
      const failedImages = nextFailedImages(olds?.failedImages, inputs.imageRef, "failed", newRelease);
      throw failedRun(id, inputs, olds, failureTable(report, path, notes), { failedImages, rolledBack, reportPath: path });
    }
    const summary = summarize(report, path, text, inputs.imageRef, olds?.baselines);
    const release: VerifiedRelease = { imageRef: inputs.imageRef, verifiedAt: summary.verifiedAt };
    if (!offline) {
      const { readCurrentRelease } = await import("./rollback");
      const live = await readCurrentRelease(target).catch((e: Error) => {
        process.stderr.write(`[verification] release record without pod-template hash: ${e.message}\n`);
        return undefined;
      });
      if (live) Object.assign(release, { podTemplateHash: live.podTemplateHash, revision: live.revision });
    }
    // Only the summary, the release record and the trigger fields are stored as outputs: never
    // the config, which may hold secrets (the engine keeps the inputs, encrypted where secret).
    const { config: _omitted, ...triggersAndTarget } = inputs;
    return {
      ...triggersAndTarget,
      ...summary,
      verifiedRelease: JSON.parse(JSON.stringify(release)),
      failedImages: nextFailedImages(olds?.failedImages, inputs.imageRef, "passed", newRelease),
      rolledBack: false,
    };
  } finally {
    kube.cleanup();
  }
}
