// One formatter for every zod failure in the project (stack config, CLI config, gate check),
// so a user sees the same `key.path: rule` lines everywhere. Values are never echoed: zod's
// own messages can quote the received value, which may be a secret.
import type { ZodIssue } from "zod";

/** Renders an issue path as `a.b[0].c`. */
export function keyPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === "number") return `${acc}[${part}]`;
    return acc ? `${acc}.${part}` : part;
  }, "");
}

/** The rule an issue broke, phrased without the offending value. */
export function ruleOf(issue: ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.received === "undefined" ? "is required" : `must be ${issue.expected} (got ${issue.received})`;
    case "invalid_enum_value":
      return `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}`;
    case "invalid_union_discriminator":
      return `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "invalid_literal":
      return `must be ${JSON.stringify(issue.expected)}`;
    default:
      return issue.message;
  }
}

/** One line per issue: `<prefix><key.path>: <rule>`. */
export function formatIssues(issues: readonly ZodIssue[], prefix = ""): string[] {
  return issues.map((issue) => {
    const where = keyPath(issue.path);
    return `${prefix}${where || "(root)"}: ${ruleOf(issue)}`;
  });
}

/** Thrown for invalid config; `problems` holds the formatted lines. */
export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    heading = "invalid configuration",
  ) {
    super(`${heading}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}
