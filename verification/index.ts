// The suite's public surface, for the CLI, the gate (components/gate/impl.ts) and tests.
export { runSuite, isSelected, suiteStatus, type RunOptions } from "./runner";
export { getCheck } from "./registry";
export { policyOf, decided, verdictOf, type Policy, type AttemptRecord, type Verdict } from "./verdict";
export { collectSecrets, createRedactor, envSecrets, redact, redactUrl, type Redactor } from "./redact";
export { httpRequest, classifyError, errorOutcome, joinUrl, HttpError, type HttpRequestOptions, type HttpResponse, type HttpErrorKind } from "./http";
export { AbortReason, reasonOf, sleep, childSignal, timeoutReason, deadlineReason, interruptReason } from "./abort";
export { renderJson, toJsonReport, writeReportFile, DEFAULT_JSON_REPORT } from "./reports/json";
export { renderJunit, escapeXml } from "./reports/junit";
export { renderMarkdown, appendStepSummary } from "./reports/markdown";
export { createConsoleReporter, formatResultLine, formatProgress, formatSummary } from "./console";
export { loadConfigFile, parseConfigText, ConfigFileError, type LoadedConfig, type ConfigOverrides } from "./loadConfig";
export { readBaselines, updateBaselines } from "./baselines";
export { verificationSchema, checkSchema, CHECK_TYPES, type VerificationConfig, type CheckConfig, type CheckType } from "./schema";
export type { CheckResult, CheckStatus, SuiteReport, SuiteStatus, AttemptOutcome, CheckContext, CheckDefinition, PerformanceBaseline } from "./types";
