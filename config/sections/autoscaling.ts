// `agent-cellphone-v2:autoscaling`: the HPA bounds and targets.
import { z } from "zod";
import { percent, positiveInt } from "./common";

export const autoscalingSchema = z
  .object({
    /** Register an HPA; the Deployment then carries no fixed replica count. Default false. */
    enabled: z.boolean().default(false),
    /** Default 1. Must be <= maxReplicas. */
    minReplicas: positiveInt.default(1),
    /** Default 3. */
    maxReplicas: positiveInt.max(100, "must be <= 100").default(3),
    /** Average CPU utilization (% of requests) to hold. Default 70. */
    targetCpuUtilization: percent.default(70),
    /** Average memory utilization (% of requests) to hold. Default 80. */
    targetMemoryUtilization: percent.default(80),
    /** Seconds of lower recommendations before scaling down. Default 300. */
    scaleDownStabilizationSeconds: z.number().int().min(0, "must be >= 0").max(3600, "must be <= 3600").default(300),
  })
  .strict();

export type AutoscalingConfig = z.output<typeof autoscalingSchema>;
