// Pulumi Deployments settings for one stack of the agent-cellphone-v2 program, as a pure function
// so tests read the exact arguments without an engine. index.ts only registers what this builds.
import type * as pulumi from "@pulumi/pulumi";
import type { DeploymentSettingsArgs } from "@pulumi/pulumiservice";

/** The stacks Deployments runs; dev renders offline and never deploys. */
export const DEPLOYED_STACKS = ["staging", "production"] as const;
export type DeployedStack = (typeof DEPLOYED_STACKS)[number];

/** Where the kubeconfig lands inside the deployment runner; KUBECONFIG points here. */
export const KUBECONFIG_PATH = "/tmp/acv2-kubeconfig";
/** Environment variable holding the kubeconfig contents (a secret), written to KUBECONFIG_PATH before the run. */
export const KUBECONFIG_DATA_VAR = "ACV2_KUBECONFIG_DATA";

export interface StackDeploymentArgs {
  /** Pulumi Cloud organization owning the stacks. Required. */
  organization: pulumi.Input<string>;
  /** Project of the stacks (name in the root Pulumi.yaml). Default: "agent-cellphone-v2". */
  project?: string;
  /** GitHub repository as `owner/name`. Required. */
  repository: string;
  /** Branch that deployments check out and that pushes deploy from. Default: "main". */
  branch?: string;
  /** Directory of the program's Pulumi.yaml inside the repository. Default: "." (the root). */
  repoDir?: string;
  /**
   * How the source is fetched and what triggers runs. Default: "github-app" — the Pulumi GitHub
   * app supplies clone credentials and the pull-request and push triggers. "git": clone `repoUrl`
   * with `gitToken`; no automatic triggers (run deployments by API, schedule or webhook).
   */
  source?: "github-app" | "git";
  /** Clone URL for source "git". Default: `https://github.com/<repository>.git`. */
  repoUrl?: string;
  /** Token for source "git" (basic auth password); pass a secret. Required when source is "git". */
  gitToken?: pulumi.Input<string>;
  /** Run `pulumi preview` on pull requests that touch `paths`. Default: true. */
  previewPullRequests?: boolean;
  /** Run `pulumi up` on pushes to `branch` that touch `paths`. Default: true. */
  deployCommits?: boolean;
  /** Path filters for the triggers. Default: the program's sources and this stack's config file. */
  paths?: string[];
  /** Kubeconfig contents for the stack's cluster; pass a secret (config.requireSecret). Required. */
  kubeconfig: pulumi.Input<string>;
  /** Plain environment variables added to the run. Default: none besides KUBECONFIG. */
  environmentVariables?: Record<string, string>;
  /** Secret environment variables added to the run (values from config secrets). Default: none. */
  secretEnvironmentVariables?: Record<string, pulumi.Input<string>>;
}

/** Files whose change can change what a stack deploys, relative to the program's directory. */
export function defaultPaths(stack: DeployedStack, repoDir = "."): string[] {
  const files = [
    "index.ts", "config/**", "components/**", "verification/**", "policy/**",
    "package.json", "package-lock.json", "tsconfig.json", "Pulumi.yaml", `Pulumi.${stack}.yaml`,
  ];
  const prefix = repoDir === "." || repoDir === "" ? "" : `${repoDir.replace(/\/+$/, "")}/`;
  return files.map((f) => prefix + f);
}

/**
 * Shell run before `pulumi preview|up`: dependencies from the lockfile (the runner's own install
 * is skipped so one `npm ci` is the only install), then the kubeconfig from its secret variable.
 */
export function preRunCommands(): string[] {
  return [
    "npm ci --no-audit --no-fund",
    `umask 077 && printf '%s\\n' "$${KUBECONFIG_DATA_VAR}" > "$KUBECONFIG"`,
  ];
}

/** Deployment settings for one stack. Throws on arguments that cannot work, naming the field. */
export function deploymentSettingsArgs(stack: DeployedStack, args: StackDeploymentArgs): DeploymentSettingsArgs {
  const project = args.project ?? "agent-cellphone-v2";
  const branch = args.branch ?? "main";
  const repoDir = args.repoDir ?? ".";
  const source = args.source ?? "github-app";
  if (!/^[\w.-]+\/[\w.-]+$/.test(args.repository)) {
    throw new Error(`deployments: repository must be owner/name (got a value of ${args.repository.length} characters)`);
  }
  if (source === "git" && args.gitToken === undefined) throw new Error('deployments: gitToken is required when source is "git"');

  const secretEnv = { [KUBECONFIG_DATA_VAR]: args.kubeconfig, ...(args.secretEnvironmentVariables ?? {}) };
  for (const k of Object.keys(args.environmentVariables ?? {})) {
    if (k in secretEnv || k === "KUBECONFIG") throw new Error(`deployments: environmentVariables.${k} is already set by the settings`);
  }
  const git = {
    branch,
    ...(repoDir === "." ? {} : { repoDir }),
    ...(source === "git"
      ? {
          repoUrl: args.repoUrl ?? `https://github.com/${args.repository}.git`,
          gitAuth: { basicAuth: { username: "x-access-token", password: args.gitToken! } },
        }
      : {}),
  };
  return {
    organization: args.organization,
    project,
    stack,
    sourceContext: { git },
    // The `github` block of older releases is deprecated in favour of `vcs` with a provider.
    ...(source === "github-app"
      ? {
          vcs: {
            provider: "github",
            repository: args.repository,
            previewPullRequests: args.previewPullRequests ?? true,
            deployCommits: args.deployCommits ?? true,
            pullRequestTemplate: false,
            paths: args.paths ?? defaultPaths(stack, repoDir),
          },
        }
      : {}),
    operationContext: {
      preRunCommands: preRunCommands(),
      environmentVariables: {
        KUBECONFIG: KUBECONFIG_PATH,
        ...(args.environmentVariables ?? {}),
        ...secretEnv,
      },
      // Queued runs collapse to the newest commit (as GitHub's concurrency group does); a running
      // update is never interrupted either way.
      options: { skipInstallDependencies: true, skipIntermediateDeployments: true },
    },
    cacheOptions: { enable: true },
  };
}
