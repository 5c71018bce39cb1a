// Scales the app's Deployment on CPU and memory; the Deployment omits spec.replicas so the two
// never fight (see specs/appWorkload.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { canonicalJson, sha256Hex } from "./specs/appWorkload";
import { buildHpaSpec, resolveHpaOptions, type AutoscalerArgs } from "./specs/autoscalerSpecs";

export type { AutoscalerArgs } from "./specs/autoscalerSpecs";

export class Autoscaler extends pulumi.ComponentResource {
  public readonly hpaName: pulumi.Output<string>;
  public readonly minReplicas: number;
  public readonly maxReplicas: number;
  /** sha256 of the HPA spec: scaling changes what serves traffic (a gate trigger). */
  public readonly specHash: pulumi.Output<string>;

  constructor(name: string, args: AutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acv2:autoscaling:Autoscaler", name, {}, opts);
    const o = resolveHpaOptions(args);
    const spec = buildHpaSpec(o, args.deploymentName);
    const hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
      metadata: {
        name: args.hpaName ?? "agent-cellphone-v2",
        namespace: args.namespace,
        labels: { "app.kubernetes.io/managed-by": "pulumi" },
      },
      spec,
    }, { parent: this });
    this.hpaName = hpa.metadata.name;
    this.minReplicas = o.minReplicas;
    this.maxReplicas = o.maxReplicas;
    this.specHash = pulumi.output(spec).apply((v) => sha256Hex(canonicalJson(v)));
    this.registerOutputs({ hpaName: this.hpaName, minReplicas: o.minReplicas, maxReplicas: o.maxReplicas });
  }
}
