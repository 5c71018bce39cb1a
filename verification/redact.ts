// Secrets reach the suite through its config (bearer headers, database URLs, tokens) and must
// never leave it: every message, report, console line and thrown error passes through one
// redactor built from the config, so a check author cannot forget a path.

/** Keys whose string values are secret wherever they appear in the config. */
export const SECRET_KEY = /password|passwd|token|secret|dsn|authorization|api[-_]?key|credential/i;

/**
 * Strings shorter than this are not treated as secrets: redacting "1" or "ok" everywhere would
 * garble every report while protecting nothing.
 */
export const MIN_SECRET_LENGTH = 4;

export const MASK = "***";

function urlSecrets(value: string): string[] {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return [];
  }
  const out: string[] = [];
  if (u.password) out.push(u.password, safeDecode(u.password));
  if (u.username && u.password) out.push(`${u.username}:${u.password}`);
  for (const [k, v] of u.searchParams) if (SECRET_KEY.test(k)) out.push(v);
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Header values are secret as a whole, and so is the credential after an auth scheme; Basic
 * credentials also in decoded form (`user:password` and the password), which is what a server
 * echoing them back would print.
 */
function headerSecrets(value: string): string[] {
  const m = /^\s*(bearer|basic|token|apikey)\s+(.+)$/i.exec(value);
  if (!m) return [value];
  const out = [value, m[2].trim()];
  if (m[1].toLowerCase() === "basic") {
    const decoded = Buffer.from(m[2].trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon >= 0) out.push(decoded, safeDecode(decoded.slice(colon + 1)));
  }
  return out;
}

/**
 * Walks a parsed config and returns every secret value in it: all header values, URL userinfo
 * passwords, whole database URLs, and strings under keys matching SECRET_KEY; plus `extra`
 * (e.g. canaries from the environment). Longest first, so a secret containing another is
 * masked whole.
 */
export function collectSecrets(config: unknown, extra: Iterable<string> = []): string[] {
  const found = new Set<string>();
  const add = (s: unknown) => {
    if (typeof s === "string" && s.length >= MIN_SECRET_LENGTH) found.add(s);
  };
  const walk = (node: unknown, key: string, parent: Record<string, unknown> | undefined) => {
    if (typeof node === "string") {
      if (SECRET_KEY.test(key)) add(node);
      if (parent && parent.type === "database" && key === "url") add(node);
      urlSecrets(node).forEach(add);
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((child) => walk(child, key, parent));
      return;
    }
    if (node && typeof node === "object") {
      const obj = node as Record<string, unknown>;
      for (const [k, v] of Object.entries(obj)) {
        if (k.toLowerCase() === "headers" && v && typeof v === "object") {
          for (const hv of Object.values(v as Record<string, unknown>)) {
            if (typeof hv === "string") headerSecrets(hv).forEach(add);
          }
          continue;
        }
        walk(v, k, obj);
      }
    }
  };
  walk(config, "", undefined);
  for (const s of extra) add(s);
  return [...found].sort((a, b) => b.length - a.length);
}

/** Environment values that look secret by name, so canaries passed by env are masked too. */
export function envSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([k, v]) => SECRET_KEY.test(k) && typeof v === "string" && v.length >= MIN_SECRET_LENGTH)
    .map(([, v]) => v as string);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The base64 characters that encode `secret` whatever bytes surround it: base64 works in 3-byte
 * groups, so a secret inside a larger encoded value (`Basic base64(user:secret)`, a JSON blob)
 * appears in one of three alignments. For each, the characters that mix in neighbouring bytes are
 * dropped; what remains is the same in every encoding of every string containing the secret.
 */
export function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const out: string[] = [];
  for (const lead of [0, 1, 2]) {
    const enc = Buffer.concat([Buffer.alloc(lead), bytes]).toString("base64");
    const start = [0, 2, 3][lead];
    const end = Math.floor(((lead + bytes.length) * 8) / 6);
    const core = enc.slice(start, end);
    out.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return out;
}

/** Every form a secret may take once it is embedded in a URL, a form, JSON, base64 or an error message. */
function variants(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), encodeURI(secret), JSON.stringify(secret).slice(1, -1)]);
  forms.add(encodeURIComponent(secret).replace(/%20/g, "+"));
  forms.add(Buffer.from(secret).toString("base64"));
  for (const core of base64Cores(secret)) forms.add(core);
  // Echoed JSON quoted again in a message, then in a JSON report: escaping nests.
  for (let depth = 0; depth < 2; depth++) for (const f of [...forms]) forms.add(JSON.stringify(f).slice(1, -1));
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** A regex source for one form; percent-escapes match in either case (`%2F` and `%2f`). */
function formPattern(form: string): string {
  return escapeRegExp(form).replace(/%([0-9A-F])([0-9A-F])/g, (_m, a: string, b: string) => `%[${a}${a.toLowerCase()}][${b}${b.toLowerCase()}]`);
}

export interface Redactor {
  /** The raw secrets it masks (longest first); never print these. */
  readonly secrets: readonly string[];
  /** Replaces each secret (and its encoded forms) with `***`, and strips URL userinfo. */
  redact(text: string): string;
  /** Deep copy of a JSON-like value with every string redacted. */
  redactDeep<T>(value: T): T;
  /** A new redactor that also masks `more`. */
  extend(more: Iterable<string>): Redactor;
}

/** Strips `user:password@` from a URL, leaving everything else readable. */
export function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    if (!url.username && !url.password) return u;
    url.username = "";
    url.password = "";
    return url.toString();
  } catch {
    return u.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, "$1");
  }
}

export function createRedactor(secrets: Iterable<string> = []): Redactor {
  const list = [...new Set([...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  const forms = [...new Set(list.flatMap(variants))].sort((a, b) => b.length - a.length);
  const pattern = forms.length > 0 ? new RegExp(forms.map(formPattern).join("|"), "g") : undefined;
  const redact = (text: string): string => {
    const masked = pattern ? String(text).replace(pattern, MASK) : String(text);
    // Userinfo in any URL is credentials even when the config did not mark it secret.
    return masked.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s"'<>]+@/gi, `$1${MASK}@`);
  };
  const redactDeep = <T>(value: T): T => {
    if (typeof value === "string") return redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[redact(k)] = redactDeep(v);
      return out as T;
    }
    return value;
  };
  return { secrets: list, redact, redactDeep, extend: (more) => createRedactor([...list, ...more]) };
}

/** One-shot form: `redact(text, secrets)`. */
export function redact(text: string, secrets: Iterable<string>): string {
  return createRedactor(secrets).redact(text);
}
