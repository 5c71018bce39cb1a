// The post-deploy gate: a dynamic resource registered after everything else that runs the
// verification suite and fails `pulumi up` when a blocking check does not pass, so a release
// that does not verify never counts as deployed. The behaviour lives in components/gate/.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { VerificationConfig } from "../verification/schema";
import type { CanaryPlan } from "./gate/canary";
import { gateProvider } from "./gate/provider";
import { sha256, stableStringify, type GateSummary } from "./gate/logic";

export interface VerificationGateArgs {
  /** The stack's parsed `verification` config; a secret Output when it holds secrets. */
  config: pulumi.Input<VerificationConfig>;
  /** Image reference the Deployment runs; a new one triggers verification. */
  imageRef: pulumi.Input<string>;
  /** Hash of the Deployment spec; a new revision triggers verification. */
  specHash: pulumi.Input<string>;
  /** Hash of the objects that serve traffic besides the Deployment; a change triggers verification. Default: none. */
  servingHash?: pulumi.Input<string>;
  /**
   * The Deployment rolled back when `onFailure` is `rollback`, and the cluster the Kubernetes
   * checks read: `context` is the provider's (`kubernetes.context`; default the current one).
   */
  target: { namespace: pulumi.Input<string>; deployment: pulumi.Input<string>; kubeconfig?: string; context?: string };
  /** Stack name, used for report paths and metric groups. Default: the current stack. */
  stack?: string;
  /** Directory of manifests rendered by the Kubernetes provider, checked for posture offline. Default: none. */
  renderDir?: string;
  /** Absolute project directory the provider loads the suite from. Default: this repository. */
  projectRoot?: string;
  /**
   * canary/blueGreen: the strategy, steps and planned checks per step (components/specs/releasePlan.ts),
   * shown by `pulumi preview`. Not a trigger; absent for rolling, whose inputs stay as they were.
   */
  releasePlan?: string[];
  /** canary/blueGreen: the steps the gate drives the Argo Rollout through (components/gate/canary.ts). Default: none (rolling). */
  progressive?: CanaryPlan;
}

const SUMMARY_KEYS: Array<keyof GateSummary> = [
  "verdict", "passed", "failed", "errored", "inconclusive", "skipped", "durationMs",
  "checks", "baselines", "reportDigest", "reportPath", "verifiedAt", "verifiedImage",
];

/**
 * The gate judges the rollout itself (its rollout check waits, within its own timeout) when it
 * is enabled and has a rollout check: the provider then does not await the Deployment.
 */
export function gateJudgesRollout(config: { enabled?: boolean; checks?: Array<{ type: string }> }): boolean {
  return config.enabled !== false && (config.checks ?? []).some((c) => c.type === "rollout");
}

/** The gate may rewrite the Deployment's template (onFailure: rollback) behind the provider's back. */
export function gateMayRollBack(config: { enabled?: boolean; onFailure?: string }): boolean {
  return config.enabled !== false && config.onFailure === "rollback";
}

/** One trigger from the serving objects' hashes (absent components count as empty). */
export function servingHashOf(parts: Array<pulumi.Input<string> | undefined>): pulumi.Output<string> {
  return pulumi.all(parts.map((p) => p ?? "")).apply((hs) => sha256(hs.join(":")));
}

/** How `pulumi preview` lists one planned check: its name and type, and whether it is advisory. */
export function plannedCheckLabel(check: { name: string; type: string; advisory?: boolean }): string {
  return `${check.name} (${check.type}${check.advisory ? ", advisory" : ""})`;
}

/** The dynamic resource itself: type `pulumi-nodejs:dynamic/verification:Verification`. */
class GateRun extends pulumi.dynamic.Resource {
  constructor(name: string, props: Record<string, unknown>, opts: pulumi.CustomResourceOptions) {
    super(gateProvider, name, props, opts, "verification", "Verification");
  }
}

export class VerificationGate extends pulumi.ComponentResource {
  /** Summary of the last passing verification (verdict, counts, durations, baselines, digest). */
  public readonly summary: pulumi.Output<GateSummary>;
  public readonly verdict: pulumi.Output<string>;

  constructor(name: string, args: VerificationGateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acv2:verification:VerificationGate", name, {}, opts);
    const config = pulumi.output(args.config);
    const inputs = {
      config,
      configHash: config.apply((c) => sha256(stableStringify(c))),
      imageRef: args.imageRef,
      specHash: args.specHash,
      servingHash: args.servingHash,
      alwaysRun: pulumi.unsecret(config.apply((c) => c.alwaysRun)),
      onFailure: pulumi.unsecret(config.apply((c) => c.onFailure)),
      // Names and types only, so `pulumi preview` shows what will be checked even when the
      // config itself is secret.
      plannedChecks: pulumi.unsecret(config.apply((c) => c.checks.map(plannedCheckLabel))),
      target: args.target,
      projectRoot: args.projectRoot ?? path.resolve(__dirname, ".."),
      stack: args.stack ?? pulumi.getStack(),
      renderDir: args.renderDir,
      ...(args.releasePlan && args.releasePlan.length > 0 ? { releasePlan: args.releasePlan } : {}),
      ...(args.progressive ? { progressive: args.progressive } : {}),
    };
    // Output-only properties must be named in the props (as undefined) for the SDK to expose them.
    const outputOnly = Object.fromEntries(SUMMARY_KEYS.map((k) => [k, undefined]));
    const run = new GateRun(`${name}-run`, { ...outputOnly, ...inputs }, {
      parent: this,
      // A component's dependsOn does not order its children: hand it to the resource that runs.
      dependsOn: opts?.dependsOn,
      additionalSecretOutputs: ["configHash"],
    });
    const outs = run as unknown as Record<string, pulumi.Output<unknown>>;
    this.summary = pulumi
      .all(SUMMARY_KEYS.map((k) => outs[k]))
      .apply((vals) => Object.fromEntries(SUMMARY_KEYS.map((k, i) => [k, vals[i]])) as unknown as GateSummary);
    this.verdict = this.summary.apply((s) => s.verdict);
    this.registerOutputs({ summary: this.summary, verdict: this.verdict });
  }
}
