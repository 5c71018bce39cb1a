// `npm run verify -- --config FILE ...`: validate, run, report, exit 0/1/2 (DESIGN.md "CLI
// contract"). Everything printed or written passes through one redactor built from the config
// and secret-looking environment variables; an invalid config stops before any request.
import { ConfigError } from "../config/errors";
import { readBaselines, updateBaselines } from "./baselines";
import { parseCliArgs, USAGE, type CliArgs } from "./cliArgs";
import { createConsoleReporter } from "./console";
import { AbortReason } from "./abort";
import { ConfigFileError, loadConfigFile, type LoadedConfig } from "./loadConfig";
import { collectSecrets, createRedactor, envSecrets, redactUrl, type Redactor } from "./redact";
import { removeStaleReports, renderJson, writeReportFile } from "./reports/json";
import { renderJunit } from "./reports/junit";
import { appendStepSummary, renderMarkdown } from "./reports/markdown";
import { isSelected, runSuite } from "./runner";
import type { SuiteReport } from "./types";

export const EXIT_PASSED = 0;
export const EXIT_NOT_PASSED = 1;
export const EXIT_INVALID = 2;

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
  /** Aborts the run (SIGINT). */
  signal?: AbortSignal;
}

function writeReports(args: CliArgs, report: SuiteReport, redactor: Redactor, io: CliIo): string[] {
  // Results are redacted by the runner already; the whole text is masked again as the last step
  // before bytes leave the process.
  const written: string[] = [];
  const out = (path: string, text: string) => {
    writeReportFile(path, redactor.redact(text));
    written.push(path);
  };
  out(args.json, renderJson(report));
  if (args.junit) out(args.junit, renderJunit(report));
  const markdown = redactor.redact(renderMarkdown(report));
  if (args.markdown) out(args.markdown, markdown);
  const summary = appendStepSummary(markdown, io.env);
  if (summary) written.push(`${summary} (appended)`);
  return written;
}

/** Pure: `--only` entries that match no check name or type. */
export function unknownOnly(only: readonly string[], checks: ReadonlyArray<{ name: string; type: string }>): string[] {
  return only.filter((o) => !checks.some((c) => isSelected(c as never, [o])));
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (parsed.kind === "help") {
    io.stdout.write(USAGE);
    return EXIT_PASSED;
  }
  if (parsed.kind === "usage-error") {
    io.stderr.write(`verify: ${parsed.message}\n\n${USAGE}`);
    return EXIT_INVALID;
  }
  const args = parsed.args;
  const fromEnv = envSecrets(io.env);
  try {
    // Before anything else can fail: a report from an earlier run must not look like this one's.
    removeStaleReports([args.json, args.junit, args.markdown]);
  } catch (err) {
    io.stderr.write(`verify: cannot remove the previous report (${(err as NodeJS.ErrnoException).code ?? "error"}); no check was run.\n`);
    return EXIT_INVALID;
  }

  let loaded: LoadedConfig;
  try {
    loaded = loadConfigFile(args.config, { baseUrl: args.baseUrl });
  } catch (err) {
    const raw = err instanceof ConfigFileError ? err.raw : undefined;
    const redactor = createRedactor(collectSecrets([raw, args.baseUrl], fromEnv));
    const text = err instanceof ConfigError ? err.message : `verify: ${(err as Error).message}`;
    io.stderr.write(`${redactor.redact(text)}\nno check was run.\n`);
    return EXIT_INVALID;
  }
  const { config, raw } = loaded;
  const redactor = createRedactor(collectSecrets([config, raw], fromEnv));
  const say = (s: string) => io.stderr.write(`${redactor.redact(s)}\n`);

  if (args.only) {
    const unknown = unknownOnly(args.only, config.checks);
    if (unknown.length > 0) {
      say(`verify: --only: no check is named or typed ${unknown.map((u) => JSON.stringify(u)).join(", ")}; no check was run.`);
      return EXIT_INVALID;
    }
  }
  let baselines = {};
  if (args.baseline) {
    try {
      baselines = readBaselines(args.baseline);
    } catch (err) {
      say(`verify: --baseline: ${(err as Error).message}; no check was run.`);
      return EXIT_INVALID;
    }
  }

  const selected = config.checks.filter((c) => isSelected(c, args.only));
  const reporter = createConsoleReporter({ out: io.stdout, names: selected.map((c) => c.name), redact: redactor.redact });
  io.stdout.write(redactor.redact(
    `verifying ${config.baseUrl ? redactUrl(config.baseUrl) : "(no baseUrl)"}: ${selected.length} check(s), deadline ${config.deadlineSeconds}s\n`,
  ));
  let report: SuiteReport;
  try {
    report = await runSuite(config, {
      signal: io.signal,
      baselines,
      only: args.only,
      secrets: fromEnv,
      onStart: reporter.onStart,
      onResult: (r) => {
        if (isSelected(r, args.only)) reporter.onResult(r);
      },
      log: reporter.log,
    });
  } catch (err) {
    say(`verify: the suite could not run: ${(err as Error)?.message ?? String(err)}`);
    return EXIT_NOT_PASSED;
  }
  reporter.finish(report);

  let code = report.status === "passed" ? EXIT_PASSED : EXIT_NOT_PASSED;
  try {
    const written = writeReports(args, report, redactor, io);
    if (args.baseline && report.status !== "aborted") {
      writeReportFile(args.baseline, `${JSON.stringify(updateBaselines(report, baselines), null, 2)}\n`);
      written.push(args.baseline);
    }
    io.stdout.write(`${redactor.redact(`reports: ${written.join(", ")}`)}\n`);
  } catch (err) {
    say(`verify: could not write reports: ${(err as Error).message}`);
    code = EXIT_NOT_PASSED; // an unrecorded pass is not a pass anyone can rely on
  }
  return code;
}

/** Signals that cancel a run like Ctrl-C: an aborted partial report, exit EXIT_NOT_PASSED. */
export const CANCEL_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const SIGNAL_NUMBER: Record<(typeof CANCEL_SIGNALS)[number], number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/**
 * The first SIGINT, SIGTERM or SIGHUP cancels the run (partial reports marked aborted, exit 1);
 * a second one quits at once with 128 + its number. The parent is watched too: when it dies
 * (npm killed with SIGKILL), this process is re-parented and cancels itself rather than keep
 * sending traffic as an orphan.
 */
export function cancelOnSignals(ctl: AbortController, stderr: { write(s: string): unknown }, exit: (code: number) => void, watchMs = 250): () => void {
  let cancelled = false;
  const cancel = (why: string) => {
    cancelled = true;
    stderr.write(`verify: ${why}: cancelling in-flight checks and writing partial reports (signal again to quit now)\n`);
    ctl.abort(new AbortReason("interrupted", why));
  };
  const handlers = CANCEL_SIGNALS.map((sig) => {
    const h = () => (cancelled ? exit(128 + SIGNAL_NUMBER[sig]) : cancel(sig === "SIGINT" ? "interrupted" : `interrupted by ${sig}`));
    process.on(sig, h);
    return [sig, h] as const;
  });
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (!cancelled && process.ppid !== parent) cancel(`parent process ${parent} exited`);
  }, watchMs);
  watch.unref();
  return () => {
    clearInterval(watch);
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

if (require.main === module) {
  const ctl = new AbortController();
  cancelOnSignals(ctl, process.stderr, (code) => process.exit(code));
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: ctl.signal })
    .then((code) => process.exit(code))
    .catch((err: Error) => {
      // Last resort: the message may hold anything, so mask what the environment marks secret.
      process.stderr.write(`verify: unexpected failure: ${createRedactor(envSecrets()).redact(err?.message ?? String(err))}\n`);
      process.exit(EXIT_NOT_PASSED);
    });
}
