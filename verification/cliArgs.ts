// Command-line parsing for `npm run verify`, pure so tests can cover every usage error.
import { parseArgs } from "node:util";
import { DEFAULT_JSON_REPORT } from "./reports/json";

export const USAGE = `Usage: npm run verify -- --config FILE [options]

Runs the verification suite described in FILE (YAML or JSON) and exits
0 when every blocking check passed, 1 when one did not, 2 when the config is invalid.

Options:
  --config FILE      verification config (required)
  --base-url URL     override the config's baseUrl
  --only a,b         run only checks with these names or types (others are skipped)
  --json FILE        JSON report path (default ${DEFAULT_JSON_REPORT})
  --junit FILE       also write a JUnit XML report
  --markdown FILE    also write a Markdown summary (appended to $GITHUB_STEP_SUMMARY when set)
  --baseline FILE    read performance baselines from FILE and store new passing ones in it
  -h, --help         show this help
`;

export interface CliArgs {
  config: string;
  baseUrl?: string;
  /** Names or types; undefined runs everything. */
  only?: string[];
  /** Default verification-results.json. */
  json: string;
  junit?: string;
  markdown?: string;
  baseline?: string;
}

export type ParsedCli = { kind: "help" } | { kind: "run"; args: CliArgs } | { kind: "usage-error"; message: string };

/** Pure: argv (without node and script) to a run request, help, or a usage error. */
export function parseCliArgs(argv: string[]): ParsedCli {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string", short: "c" },
        "base-url": { type: "string" },
        only: { type: "string" },
        json: { type: "string" },
        junit: { type: "string" },
        markdown: { type: "string" },
        baseline: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    // parseArgs names the option, never a value, in its messages.
    return { kind: "usage-error", message: (err as Error).message.split("\n")[0] };
  }
  if (values.help) return { kind: "help" };
  if (typeof values.config !== "string" || values.config === "") return { kind: "usage-error", message: "--config FILE is required" };
  let only: string[] | undefined;
  if (typeof values.only === "string") {
    only = values.only.split(",").map((s) => s.trim()).filter(Boolean);
    if (only.length === 0) return { kind: "usage-error", message: "--only needs at least one check name or type" };
  }
  for (const key of ["json", "junit", "markdown", "baseline", "base-url"] as const) {
    if (values[key] === "") return { kind: "usage-error", message: `--${key} needs a value` };
  }
  return {
    kind: "run",
    args: {
      config: values.config,
      baseUrl: values["base-url"] as string | undefined,
      only,
      json: (values.json as string | undefined) ?? DEFAULT_JSON_REPORT,
      junit: values.junit as string | undefined,
      markdown: values.markdown as string | undefined,
      baseline: values.baseline as string | undefined,
    },
  };
}
