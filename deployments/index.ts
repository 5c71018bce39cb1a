// Pulumi Deployments settings for the staging and production stacks of agent-cellphone-v2, kept
// as code beside the program they deploy. Run from this directory against Pulumi Cloud (where
// the settings live): `pulumi up` (docs/ci.md). Every decision sits in settings.ts.
import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import { DEPLOYED_STACKS, deploymentSettingsArgs, type DeployedStack } from "./settings";

const config = new pulumi.Config();
const source = config.get("source") as "github-app" | "git" | undefined;

/** Per-stack config key, e.g. kubeconfigStaging. */
const perStack = (key: string, stack: DeployedStack) => `${key}${stack[0].toUpperCase()}${stack.slice(1)}`;

/** `org/project/stack` of each stack whose settings this program manages. */
export const settings: Record<string, pulumi.Output<string>> = {};
for (const stack of DEPLOYED_STACKS) {
  const s = new pulumiservice.DeploymentSettings(`${stack}-settings`, deploymentSettingsArgs(stack, {
    organization: config.get("organization") ?? pulumi.getOrganization(),
    repository: config.require("repository"),
    branch: config.get("branch"),
    repoDir: config.get("repoDir"),
    source,
    gitToken: source === "git" ? config.requireSecret("gitToken") : undefined,
    deployCommits: config.getBoolean(perStack("deployCommits", stack)),
    previewPullRequests: config.getBoolean(perStack("previewPullRequests", stack)),
    // By reference: a config secret, stored encrypted and handed to Pulumi Cloud as a secret.
    kubeconfig: config.requireSecret(perStack("kubeconfig", stack)),
  }));
  settings[stack] = pulumi.interpolate`${s.organization}/${s.project}/${s.stack}`;
}
