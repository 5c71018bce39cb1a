// The whole stack config as one zod schema: one top-level key per section under the project
// namespace, plus three secret keys. Cross-field rules live in rules.ts; reading the Pulumi
// runtime lives in load.ts.
import { z } from "zod";
import { verificationSchema } from "../verification/schema";
import { appSchema } from "./sections/app";
import { autoscalingSchema } from "./sections/autoscaling";
import { gatewaySchema } from "./sections/gateway";
import { kubernetesSchema } from "./sections/kubernetes";
import { monitoringSchema } from "./sections/monitoring";
import { releaseSchema } from "./sections/release";

export const PROJECT = "agent-cellphone-v2";
/** Every error line starts with this, so it reads like the key the user typed. */
export const CONFIG_PREFIX = `${PROJECT}:`;

export const ENVIRONMENTS = ["dev", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The stack name decides the environment; any stack other than staging/production is dev-like. */
export function environmentOf(stack: string): Environment {
  return stack === "production" || stack === "staging" ? stack : "dev";
}

/** Keys set with `pulumi config set --secret`; they must be secret and are never echoed. */
export const SECRET_KEYS = ["databaseUrl", "apiToken", "grafanaAdminPassword"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

export const secretSchemas = {
  /** Connection string handed to the app as DATABASE_URL. */
  databaseUrl: z
    .string()
    .regex(/^(postgres|postgresql|redis|rediss|mysql):\/\/\S+$/, "must be a postgres://, postgresql://, redis://, rediss:// or mysql:// URL"),
  /** Bearer token handed to the app as API_TOKEN. */
  apiToken: z.string().min(8, "must be at least 8 characters"),
  /** Grafana admin password for bundled monitoring. */
  grafanaAdminPassword: z.string().min(12, "must be at least 12 characters"),
} as const;

export const sectionSchemas = {
  app: appSchema,
  autoscaling: autoscalingSchema.default({}),
  gateway: gatewaySchema,
  monitoring: monitoringSchema.default({}),
  verification: verificationSchema.default({}),
  kubernetes: kubernetesSchema,
  release: releaseSchema.default({}),
} as const;
export type SectionKey = keyof typeof sectionSchemas;
export const SECTION_KEYS = Object.keys(sectionSchemas) as SectionKey[];

/** The one schema for everything under `agent-cellphone-v2:`; unknown keys are errors. */
export const stackConfigSchema = z
  .object({
    ...sectionSchemas,
    databaseUrl: secretSchemas.databaseUrl.optional(),
    apiToken: secretSchemas.apiToken.optional(),
    grafanaAdminPassword: secretSchemas.grafanaAdminPassword.optional(),
  })
  .strict();

export type StackConfigInput = z.input<typeof stackConfigSchema>;
export type StackConfigValues = z.output<typeof stackConfigSchema>;
export type { AppConfig, ImageConfig } from "./sections/app";
export type { AutoscalingConfig } from "./sections/autoscaling";
export type { GatewayConfig } from "./sections/gateway";
export type { KubernetesConfig } from "./sections/kubernetes";
export type { MonitoringConfig } from "./sections/monitoring";
export type { ReleaseConfig } from "./sections/release";
