// canary, blueGreen and abTest releases (issue 13): an Argo Rollout that takes over the app
// Deployment's pods (workloadRef), the extra Services (canary or preview; abTest also stable),
// and the AnalysisTemplates that compare the new version with the stable one. Specs come from
// components/specs/releaseSpecs.ts; the route split for canary and abTest is the IstioGateway's
// (its `canarySubsets`). Not registered for `rolling`. Nothing here promotes: the gate does
// (components/gate/canary.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ReleaseConfig } from "../config/sections/release";
import { canonicalJson, sha256Hex } from "./specs/appWorkload";
import { ARGO_ROLLOUTS, buildReleaseObjects, type ReleaseTarget } from "./specs/releaseSpecs";

export interface ProgressiveReleaseArgs extends Omit<ReleaseTarget, "namespace" | "deploymentName" | "serviceName"> {
  release: ReleaseConfig;
  namespace: pulumi.Input<string>;
  deploymentName: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
}

export class ProgressiveRelease extends pulumi.ComponentResource {
  public readonly rolloutName: pulumi.Output<string>;
  /** sha256 of every object it declares: a gate trigger beside the other serving objects. */
  public readonly servingHash: pulumi.Output<string>;

  constructor(name: string, args: ProgressiveReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acv2:release:ProgressiveRelease", name, {}, opts);
    if (args.release.strategy === "rolling") throw new Error("ProgressiveRelease: strategy rolling declares no Rollout (the Deployment rolls itself)");
    const { release, ...rest } = args;
    const objects = pulumi
      .all([args.namespace, args.deploymentName, args.serviceName])
      .apply(([namespace, deploymentName, serviceName]) => buildReleaseObjects(release, { ...rest, namespace, deploymentName, serviceName }));
    const child = { parent: this };

    // The preview/canary Service first: the controller refuses a Rollout whose Services are missing.
    const which = release.strategy === "blueGreen" ? "previewService" : "canaryService";
    const preview = [new k8s.core.v1.Service(`${name}-${release.strategy === "blueGreen" ? "preview" : "canary"}`, {
      metadata: objects.apply((o) => o[which]!.metadata),
      spec: objects.apply((o) => o[which]!.spec),
    }, child)];
    if (release.strategy === "abTest") {
      // abTest compares the cohort with stable: a Service the controller narrows to stable's pods.
      preview.push(new k8s.core.v1.Service(`${name}-stable`, {
        metadata: objects.apply((o) => o.stableService!.metadata),
        spec: objects.apply((o) => o.stableService!.spec),
      }, child));
    }
    const templates = buildReleaseObjects(release, { ...rest, namespace: "", deploymentName: "", serviceName: "" }).analysisTemplates;
    templates.forEach((t, i) => {
      const obj = objects.apply((o) => o.analysisTemplates[i]);
      new k8s.apiextensions.CustomResource(`${name}-analysis-${t.metadata.name.slice(args.appName.length + 1)}`, {
        apiVersion: ARGO_ROLLOUTS, kind: "AnalysisTemplate", metadata: obj.apply((x) => x.metadata), spec: obj.apply((x) => x.spec),
      }, child);
    });
    const rollout = new k8s.apiextensions.CustomResource(`${name}-rollout`, {
      apiVersion: ARGO_ROLLOUTS,
      kind: "Rollout",
      metadata: objects.apply((o) => o.rollout.metadata),
      spec: objects.apply((o) => o.rollout.spec),
    }, { ...child, dependsOn: preview });

    this.rolloutName = rollout.metadata.apply((m) => m.name);
    this.servingHash = objects.apply((o) => sha256Hex(canonicalJson(o)));
    this.registerOutputs({ rolloutName: this.rolloutName, servingHash: this.servingHash });
  }
}
