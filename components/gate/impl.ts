// The gate's behaviour inside the dynamic provider process: validate, decide, run the suite,
// store a summary or fail the update. Loaded by provider.ts at run time, never serialized.
import { mkdirSync } from "fs";
import { join, resolve } from "path";
import type * as pulumi from "@pulumi/pulumi";
import { formatIssues } from "../../config/errors";
import { removeStaleReports, writeReportFile } from "../../verification/reports/json";
import { verificationSchema, type VerificationConfig } from "../../verification/schema";
import type { PerformanceBaseline, SuiteReport } from "../../verification/types";
import { failureTable, summarize, type GateSummary } from "./logic";

/** Inputs the component hands the dynamic resource (see verificationGate.ts). */
export interface GateInputs {
  config: unknown;
  configHash: string;
  imageRef: string;
  specHash: string;
  alwaysRun: boolean;
  onFailure: "fail" | "rollback";
  target: { namespace: string; deployment: string; kubeconfig?: string };
  projectRoot: string;
  stack: string;
  plannedChecks: string[];
  renderDir?: string;
}

type Stored = Partial<GateInputs> & Partial<GateSummary>;

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
  const outs = await redactingErrors(inputs, () => verify(inputs, undefined));
  return { id: `verification-${inputs.stack}`, outs };
}

export async function update(_id: string, olds: Stored, news: GateInputs): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: await redactingErrors(news, () => verify(news, olds.baselines)) };
}

/**
 * Every error that reaches the engine passes here first: the failure table, but also whatever a
 * library threw on the way (fetch quotes URLs with their userinfo, clients quote DSNs). Masked
 * with the secrets of the config and of secret-looking environment variables; no stack frames
 * beyond the message are kept, since a stack repeats the raw message.
 */
async function redactingErrors<T>(inputs: GateInputs, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const { collectSecrets, createRedactor, envSecrets } = await import("../../verification/redact");
    const redacted = new Error(createRedactor(collectSecrets(inputs.config, envSecrets())).redact((err as Error)?.message ?? String(err)));
    redacted.stack = redacted.message;
    throw redacted;
  }
}

const REPORT_FILES = ["verification-results.json", "verification-results.md", "verification-results.xml"];

function writeReports(dir: string, report: SuiteReport, markdown: string, junit: string): { path: string; text: string } {
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(report, null, 2);
  const path = join(dir, REPORT_FILES[0]);
  // Renamed into place (writeReportFile): a killed run never leaves half a report.
  writeReportFile(path, text);
  writeReportFile(join(dir, REPORT_FILES[1]), markdown);
  writeReportFile(join(dir, REPORT_FILES[2]), junit); // CI test-report viewers read JUnit
  return { path, text };
}

async function verify(inputs: GateInputs, previous?: Record<string, PerformanceBaseline>): Promise<Omit<GateInputs, "config"> & GateSummary> {
  const config: VerificationConfig = verificationSchema.parse(inputs.config);
  const started = Date.now();
  const dir = config.reportDir ? resolve(inputs.projectRoot, config.reportDir) : join(inputs.projectRoot, "reports", inputs.stack);
  // A report from an earlier run must not look like this run's if this one dies before writing.
  removeStaleReports(REPORT_FILES.map((f) => join(dir, f)));
  const suite = await import("../../verification");
  const extra: SuiteReport["checks"] = [];
  if (inputs.renderDir) {
    const { manifestPostureResult } = await import("./posture");
    extra.push(await manifestPostureResult(resolve(inputs.projectRoot, inputs.renderDir), inputs.stack));
  }
  const { createProgress } = await import("./progress");
  const progress = createProgress({ write: (line) => process.stderr.write(`${line}\n`) });
  progress.begin(config.checks.length + extra.length, config.deadlineSeconds);
  extra.forEach((r) => progress.onResult(r));
  const report: SuiteReport = await suite
    .runSuite(config, {
      baselines: previous,
      log: (line: string) => process.stderr.write(`[verification] ${line}\n`),
      onStart: progress.onStart,
      onResult: progress.onResult,
    })
    .finally(() => progress.stop());
  if (extra.length > 0) {
    // The offline posture check joins the suite's verdict: fail closed over all of them (an
    // empty live suite alone would not pass, posture plus nothing live can).
    report.checks.push(...extra);
    report.status = suite.suiteStatus(report.checks, new Set(), report.status === "aborted");
    report.durationMs = Date.now() - started;
  }
  const { path, text } = writeReports(dir, report, suite.renderMarkdown(report), suite.renderJunit(report));

  const notes: string[] = [];
  if (report.status !== "passed" && inputs.onFailure === "rollback") {
    const { rollbackDeployment } = await import("./rollback");
    const outcome = await rollbackDeployment({ ...inputs.target, timeoutMs: 120_000 });
    notes.push(`rollback: ${outcome.message}`);
  }
  if (config.pushgatewayUrl) {
    const { pushDeploymentMetrics } = await import("./pushgateway");
    const pushed = await pushDeploymentMetrics(config.pushgatewayUrl, inputs.stack, report).catch((e: Error) => `not pushed: ${e.message}`);
    if (pushed) notes.push(`pushgateway: ${pushed}`);
  }
  if (report.status !== "passed") {
    throw new Error(failureTable(report, path, notes));
  }
  const summary = summarize(report, path, text, inputs.imageRef, previous);
  // Only the summary and the trigger fields are stored as outputs: never the config, which may
  // hold secrets (the engine keeps the inputs, encrypted where they were secret).
  const { config: _omitted, ...triggersAndTarget } = inputs;
  return { ...triggersAndTarget, ...summary };
}
