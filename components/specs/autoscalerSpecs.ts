// The HorizontalPodAutoscaler spec as plain data, with explicit scaling behaviour so the
// defaults of a particular Kubernetes version never decide how fast production scales.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

export interface AutoscalerArgs {
  /** Namespace of the Deployment. Required. */
  namespace: pulumi.Input<string>;
  /** Name of the Deployment to scale. Required. */
  deploymentName: pulumi.Input<string>;
  /** Name of the HPA object. Default: "agent-cellphone-v2". */
  hpaName?: string;
  /** Default: 1. */
  minReplicas?: number;
  /** Default: 3. */
  maxReplicas?: number;
  /** Average CPU utilization (% of requests) to hold. Default: 70. */
  targetCpuUtilization?: number;
  /** Average memory utilization (% of requests) to hold. Default: 80. */
  targetMemoryUtilization?: number;
  /** Seconds of lower recommendations before scaling down. Default: 300. */
  scaleDownStabilizationSeconds?: number;
}

export interface HpaOptions {
  minReplicas: number;
  maxReplicas: number;
  targetCpuUtilization: number;
  targetMemoryUtilization: number;
  scaleDownStabilizationSeconds: number;
}

export const HPA_DEFAULTS: HpaOptions = {
  minReplicas: 1,
  maxReplicas: 3,
  targetCpuUtilization: 70,
  targetMemoryUtilization: 80,
  scaleDownStabilizationSeconds: 300,
};

/** Applies defaults once and checks the bounds; throws naming the field and the numbers. */
export function resolveHpaOptions(args: Partial<HpaOptions>): HpaOptions {
  const o: HpaOptions = {
    minReplicas: args.minReplicas ?? HPA_DEFAULTS.minReplicas,
    maxReplicas: args.maxReplicas ?? HPA_DEFAULTS.maxReplicas,
    targetCpuUtilization: args.targetCpuUtilization ?? HPA_DEFAULTS.targetCpuUtilization,
    targetMemoryUtilization: args.targetMemoryUtilization ?? HPA_DEFAULTS.targetMemoryUtilization,
    scaleDownStabilizationSeconds: args.scaleDownStabilizationSeconds ?? HPA_DEFAULTS.scaleDownStabilizationSeconds,
  };
  const problems: string[] = [];
  if (!Number.isInteger(o.minReplicas) || o.minReplicas < 1) problems.push(`minReplicas: must be an integer >= 1 (got ${o.minReplicas})`);
  if (o.minReplicas > o.maxReplicas) problems.push(`minReplicas: must be <= maxReplicas (${o.minReplicas} > ${o.maxReplicas})`);
  for (const k of ["targetCpuUtilization", "targetMemoryUtilization"] as const) {
    if (!(o[k] >= 1 && o[k] <= 100)) problems.push(`${k}: must be within 1..100 (got ${o[k]})`);
  }
  if (problems.length > 0) throw new Error(`Autoscaler: ${problems.join("; ")}`);
  return o;
}

export function buildHpaSpec(
  o: HpaOptions,
  deploymentName: pulumi.Input<string>,
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
  const utilization = (name: string, averageUtilization: number) => ({
    type: "Resource",
    resource: { name, target: { type: "Utilization", averageUtilization } },
  });
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
    minReplicas: o.minReplicas,
    maxReplicas: o.maxReplicas,
    metrics: [utilization("cpu", o.targetCpuUtilization), utilization("memory", o.targetMemoryUtilization)],
    behavior: {
      // Up fast: double or add 4 pods every 15 s, whichever is more, with no stabilization.
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [
          { type: "Percent", value: 100, periodSeconds: 15 },
          { type: "Pods", value: 4, periodSeconds: 15 },
        ],
      },
      // Down slowly: after the stabilization window, the smaller of 50% or 2 pods per minute,
      // so a traffic dip does not strip capacity a returning peak needs.
      scaleDown: {
        stabilizationWindowSeconds: o.scaleDownStabilizationSeconds,
        selectPolicy: "Min",
        policies: [
          { type: "Percent", value: 50, periodSeconds: 60 },
          { type: "Pods", value: 2, periodSeconds: 60 },
        ],
      },
    },
  };
}
