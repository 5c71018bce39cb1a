// What a response body *says*, decoded the way a browser would, or a reason it cannot be judged.
// A hostile or broken target must never get a body check skipped: a gzip body the client did not
// ask for, a byte-order mark in front of JSON, or a body cut at the read cap would otherwise read
// as "not JSON" and quietly pass a health check (issue 11, point 2).
import * as zlib from "node:zlib";

export interface DecodedBody {
  /** Decoded bytes (content-encoding undone, BOM removed), at most `cap` of them. */
  bytes: Buffer;
  /** Text of `bytes` (UTF-8, or UTF-16 when a UTF-16 BOM said so); invalid sequences as U+FFFD. */
  text: string;
  /** Set when the body cannot be judged: over the read cap, or an encoding that did not decode. */
  problem?: string;
  /** True when the problem is the size (over the read cap, before or after decompression). */
  tooLarge: boolean;
}

/** "1 MiB" / "64 KiB" / "100 bytes": the read cap in messages. */
export function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

export const tooLargeMessage = (cap: number) => `body is larger than the ${formatBytes(cap)} read cap, so it cannot be judged`;

type Inflate = (buf: Buffer, opts: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer;
const DECODERS: Record<string, Inflate> = {
  gzip: zlib.gunzipSync,
  "x-gzip": zlib.gunzipSync,
  // "deflate" is zlib-wrapped by the RFC, raw by some servers: try both.
  deflate: (b, o) => {
    try {
      return zlib.inflateSync(b, o);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw err;
      return zlib.inflateRawSync(b, o);
    }
  },
  br: zlib.brotliDecompressSync,
};

/**
 * A UTF-8 byte-order mark is removed. A UTF-16 (or UTF-32) one is refused rather than decoded:
 * health and API bodies are UTF-8 in practice, and a lenient UTF-16 decoder turns any byte
 * soup into "text".
 */
function stripBom(bytes: Buffer): { bytes: Buffer; text: string; problem?: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    const rest = bytes.subarray(3);
    return { bytes: rest, text: rest.toString("utf8") };
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff)) {
    return { bytes: Buffer.alloc(0), text: "", problem: "body starts with a UTF-16/UTF-32 byte-order mark; the suite reads UTF-8 only" };
  }
  return { bytes, text: bytes.toString("utf8") };
}

/**
 * Pure: undoes `content-encoding` (gzip, deflate, br; identity), capped at `cap` decoded bytes so
 * a compression bomb is "too large", not an out-of-memory. Unknown encodings are refused.
 */
export function decodeBody(raw: Buffer, contentEncoding: string | string[] | undefined, cap: number, truncated: boolean): DecodedBody {
  const encodings = (Array.isArray(contentEncoding) ? contentEncoding.join(",") : contentEncoding ?? "")
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "" && e !== "identity");
  if (truncated) return { ...stripBom(raw), problem: tooLargeMessage(cap), tooLarge: true };
  let bytes = raw;
  // Encodings apply in the order listed, so they are undone from the last one.
  for (const enc of [...encodings].reverse()) {
    const inflate = DECODERS[enc];
    if (!inflate) return { bytes: Buffer.alloc(0), text: "", problem: `body uses content-encoding "${enc.slice(0, 20)}", which the suite does not decode`, tooLarge: false };
    try {
      bytes = inflate(bytes, { maxOutputLength: cap });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
        return { bytes: Buffer.alloc(0), text: "", problem: `${tooLargeMessage(cap)} (after ${enc} decoding)`, tooLarge: true };
      }
      return { bytes: Buffer.alloc(0), text: "", problem: `body declared content-encoding ${enc} but does not decode (${(err as NodeJS.ErrnoException).code ?? "corrupt"})`, tooLarge: false };
    }
  }
  return { ...stripBom(bytes), tooLarge: false };
}

/** Pure: why these bytes are not plain text (invalid UTF-8, or control characters), or undefined. */
export function notTextReason(bytes: Buffer): string | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return `body is not valid UTF-8 text (${bytes.length} bytes)`;
  }
  // Tab, line feed and carriage return are text; other C0 controls and DEL mean binary data.
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(text)) return `body holds binary data (${bytes.length} bytes)`;
  return undefined;
}

/** Pure: does a content-type declare JSON (`application/json`, `application/problem+json`, ...)? */
export function declaresJson(contentType: string | undefined): boolean {
  return typeof contentType === "string" && /^\s*application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType);
}
