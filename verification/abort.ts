// Why an attempt was cancelled decides how it is reported: the per-attempt timeout and the suite
// deadline both end ERROR but with different messages, and SIGINT marks the suite aborted. The
// runner aborts with one of these reasons; checks and the HTTP helper read it back.

export type AbortKind = "timeout" | "deadline" | "interrupted";

export class AbortReason extends Error {
  constructor(
    readonly kind: AbortKind,
    message: string,
  ) {
    super(message);
    this.name = "AbortReason";
  }
}

/** "timed out after 2s" / "after 0.5s": seconds keep messages stable across ms jitter. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(2))}s`;
}

export const timeoutReason = (ms: number) => new AbortReason("timeout", `timed out after ${formatSeconds(ms)}`);
export const deadlineReason = () => new AbortReason("deadline", "deadline exceeded");
export const interruptReason = () => new AbortReason("interrupted", "interrupted");

/** The runner's reason behind an aborted signal, or a generic one for foreign aborts. */
export function reasonOf(signal: AbortSignal): AbortReason {
  const r: unknown = signal.reason;
  if (r instanceof AbortReason) return r;
  if (r instanceof Error && r.name === "TimeoutError") return new AbortReason("timeout", "timed out");
  return new AbortReason("interrupted", "aborted");
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(reasonOf(signal));
    if (ms <= 0) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(reasonOf(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A child signal that aborts with `reason` after `ms`, or with the parent's reason first. */
export function childSignal(parent: AbortSignal | undefined, ms: number | undefined, reason: () => AbortReason): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const onParent = () => ctl.abort(parent?.reason);
  if (parent?.aborted) ctl.abort(parent.reason);
  else parent?.addEventListener("abort", onParent, { once: true });
  const timer = ms !== undefined && Number.isFinite(ms) ? setTimeout(() => ctl.abort(reason()), ms) : undefined;
  return {
    signal: ctl.signal,
    dispose: () => {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener("abort", onParent);
    },
  };
}
