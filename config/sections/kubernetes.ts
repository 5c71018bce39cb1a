// `agent-cellphone-v2:kubernetes`: how the program reaches (or avoids) a cluster.
import { z } from "zod";

export const kubernetesSchema = z
  .object({
    /** Render manifests into this directory instead of applying them (no cluster). Default: unset. */
    renderYamlToDirectory: z.string().min(1, "must not be empty").optional(),
    /** kubeconfig context. Default: the current context. */
    context: z.string().min(1, "must not be empty").optional(),
    /** Default namespace of the provider. Default: the kubeconfig's. */
    namespace: z.string().min(1, "must not be empty").optional(),
  })
  .strict()
  .default({});

export type KubernetesConfig = z.output<typeof kubernetesSchema>;
