// Progress of the gate while `pulumi up` waits on it: a line when the suite starts, one per check
// as it finishes (status, duration, short message), and a heartbeat for a check still running
// after 10 s (then every 10 s). The gate's provider process writes them to stderr, which the
// engine passes through to `pulumi up`'s output (pulumi/pulumi#18253), so a long gate no longer
// shows only a ticking "updating (41s)".
//
// Safe to print: results come from the runner already redacted, and lines carry check names,
// statuses, durations and that redacted message only (never the config, headers or URLs).
import type { CheckResult } from "../../verification/types";

export interface ProgressOptions {
  /** Where each line goes (one call per line, no trailing newline). */
  write: (line: string) => void;
  /** Heartbeat period for a check still running. Default: 10 000 ms. */
  heartbeatMs?: number;
  /** Longest message shown on a line; the report holds the full text. Default: 160 characters. */
  maxMessage?: number;
}

export interface Progress {
  /** Before the suite runs: how many checks, and the deadline. */
  begin(checks: number, deadlineSeconds: number): void;
  onStart(name: string): void;
  onResult(result: CheckResult): void;
  /** Stops every heartbeat; call once the suite returned (or threw). */
  stop(): void;
}

export const PREFIX = "[verification]";

/** Pure: seconds with one decimal under a minute, else whole seconds. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.round(s)}s`;
}

/** Pure: the message as one line (newlines and runs of blanks collapsed), cut to `max` characters. */
export function shortMessage(message: string, max = 160): string {
  const one = String(message ?? "").replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/** Pure: the line for a finished check. */
export function resultLine(r: CheckResult, done: number, total: number, maxMessage = 160): string {
  const advisory = r.blocking ? "" : " (advisory)";
  const msg = shortMessage(r.message, maxMessage);
  return `${PREFIX} ${r.name}: ${r.status.toUpperCase()}${advisory} in ${formatDuration(r.durationMs)} [${done}/${total}]${msg ? `: ${msg}` : ""}`;
}

export function createProgress(opts: ProgressOptions): Progress {
  const period = opts.heartbeatMs ?? 10_000;
  const timers = new Map<string, NodeJS.Timeout>();
  let total = 0;
  let done = 0;
  const clear = (name: string) => {
    const t = timers.get(name);
    if (t) clearInterval(t);
    timers.delete(name);
  };
  return {
    begin(checks, deadlineSeconds) {
      total = checks;
      opts.write(`${PREFIX} running ${checks} check${checks === 1 ? "" : "s"} (deadline ${deadlineSeconds}s); a line per check as it finishes`);
    },
    onStart(name) {
      clear(name);
      const started = Date.now();
      const timer = setInterval(() => opts.write(`${PREFIX} ${name}: still running after ${Math.round((Date.now() - started) / 1000)}s`), period);
      // A heartbeat never keeps the provider process alive on its own.
      timer.unref();
      timers.set(name, timer);
    },
    onResult(r) {
      clear(r.name);
      done += 1;
      opts.write(resultLine(r, done, Math.max(total, done), opts.maxMessage));
    },
    stop() {
      for (const name of [...timers.keys()]) clear(name);
    },
  };
}
