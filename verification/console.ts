// Live console output: one line per check as it finishes, and a progress line that is rewritten
// in place only on an interactive terminal. CI logs get plain lines, no control characters.
import type { CheckResult, CheckStatus, SuiteReport } from "./types";
import { formatDuration } from "./reports/markdown";

export const STATUS_MARK: Record<CheckStatus, string> = {
  passed: "✔",
  failed: "✖",
  error: "!",
  inconclusive: "?",
  skipped: "-",
};

/** Pure: `✔ health  PASSED  12ms  GET /health 200`. `width` aligns names. */
export function formatResultLine(r: CheckResult, width = 0): string {
  const advisory = r.blocking ? "" : " (advisory)";
  return `${STATUS_MARK[r.status]} ${r.name.padEnd(width)}  ${r.status.toUpperCase()}${advisory}  ${Math.round(r.durationMs)}ms  ${r.message}`;
}

/** Pure: `[3/7] running: performance, security`. */
export function formatProgress(done: number, total: number, running: readonly string[]): string {
  return `[${done}/${total}] running: ${running.length > 0 ? running.join(", ") : "-"}`;
}

/** Pure: the closing line. */
export function formatSummary(report: SuiteReport): string {
  const counts = new Map<CheckStatus, number>();
  for (const c of report.checks.filter(Boolean)) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  const parts = [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
  return `verification ${report.status.toUpperCase()} in ${formatDuration(report.durationMs)}: ${parts || "no checks"}`;
}

/** Whether to redraw the progress line: only on a TTY, never under CI. */
export function isInteractive(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.CI;
}

export interface ConsoleReporterOptions {
  /** Where lines go. Default process.stdout. */
  out?: { write(s: string): unknown; isTTY?: boolean };
  /** Check names in config order, to size the name column and count progress. */
  names: string[];
  /** Redraw progress in place. Default isInteractive(out). */
  interactive?: boolean;
  /** Masks secrets in every line. Default identity (results arrive already redacted). */
  redact?: (s: string) => string;
}

export interface ConsoleReporter {
  onStart(name: string): void;
  onResult(r: CheckResult): void;
  log(line: string): void;
  finish(report: SuiteReport): void;
}

export function createConsoleReporter(opts: ConsoleReporterOptions): ConsoleReporter {
  const out = opts.out ?? process.stdout;
  const interactive = opts.interactive ?? isInteractive(out);
  const redact = opts.redact ?? ((s: string) => s);
  const width = Math.min(24, Math.max(0, ...opts.names.map((n) => n.length)));
  const running = new Set<string>();
  let done = 0;
  let progressShown = false;

  const clearProgress = () => {
    if (interactive && progressShown) out.write("\r\x1b[K");
    progressShown = false;
  };
  const drawProgress = () => {
    if (!interactive || running.size === 0) return;
    out.write(`\r\x1b[K${redact(formatProgress(done, opts.names.length, [...running]))}`);
    progressShown = true;
  };
  const line = (s: string) => {
    clearProgress();
    out.write(`${redact(s)}\n`);
    drawProgress();
  };

  return {
    onStart(name) {
      running.add(name);
      if (interactive) drawProgress();
    },
    onResult(r) {
      running.delete(r.name);
      done += 1;
      line(formatResultLine(r, width));
    },
    log: (s) => line(`  ${s}`),
    finish(report) {
      clearProgress();
      out.write(`${redact(formatSummary(report))}\n`);
    },
  };
}
