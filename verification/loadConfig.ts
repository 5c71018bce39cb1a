// Reads a verification config file (YAML or JSON) and validates it with the shared schema. Every
// problem is reported as `<file>: key.path: rule`; nothing here ever quotes the file's content,
// because parser messages and zod messages can carry the very secrets the file holds.
import { readFileSync } from "node:fs";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ConfigError, formatIssues } from "../config/errors";
import { verificationSchema, type VerificationConfig } from "./schema";

export interface ConfigOverrides {
  /** Replaces the file's baseUrl (CLI `--base-url`); validated by the same schema. */
  baseUrl?: string;
}

/** A ConfigError that still carries the parsed file, so its secrets can be masked in any output. */
export class ConfigFileError extends ConfigError {
  constructor(
    problems: string[],
    readonly raw?: unknown,
  ) {
    super(problems);
  }
}

export interface LoadedConfig {
  config: VerificationConfig;
  /** The file as parsed, before defaults: secret collection also runs over it. */
  raw: unknown;
}

/** Pure: parse and validate text. `source` names the file in messages. Throws ConfigError. */
export function parseConfigText(text: string, source: string, overrides: ConfigOverrides = {}): LoadedConfig {
  let raw: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser serves both and reports positions alike.
    raw = parseYaml(text, { prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const offset = err.pos?.[0];
      const where = offset === undefined ? "" : (() => {
        const before = text.slice(0, offset);
        return ` at line ${before.split("\n").length}, column ${offset - before.lastIndexOf("\n")}`;
      })();
      throw new ConfigError([`${source}: not valid YAML or JSON${where} (${err.code})`]);
    }
    throw new ConfigError([`${source}: could not be parsed`]);
  }
  if (raw === null || raw === undefined) throw new ConfigError([`${source}: is empty`]);
  if (typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError([`${source}: (root): must be a mapping with a checks list`]);
  const merged: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  if (overrides.baseUrl !== undefined) merged.baseUrl = overrides.baseUrl;
  const parsed = verificationSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const fromFlag = overrides.baseUrl !== undefined && issue.path.length === 1 && issue.path[0] === "baseUrl";
      return fromFlag ? formatIssues([issue], "--base-url: ")[0].replace("--base-url: baseUrl: ", "--base-url: ") : formatIssues([issue], `${source}: `)[0];
    });
    throw new ConfigFileError(lines, raw);
  }
  return { config: parsed.data, raw };
}

/** Reads and validates a file. Throws ConfigError (unreadable, unparsable or invalid). */
export function loadConfigFile(path: string, overrides: ConfigOverrides = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError([`${path}: cannot read the file (${code})`]);
  }
  return parseConfigText(text, path, overrides);
}
