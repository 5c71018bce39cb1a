// `agent-cellphone-v2:gateway`: the public route through the Istio ingress gateway.
import { z } from "zod";
import { dnsLabel, dnsName } from "./common";

export const TLS_ISSUERS = ["acme-staging", "acme-production", "self-signed"] as const;

export const gatewaySchema = z
  .object({
    /** Public host name. Required. */
    host: dnsName,
    /** Namespace of the Istio ingress gateway (and istiod). Default "istio-system". */
    gatewayNamespace: dnsLabel.default("istio-system"),
    /** Labels of the ingress gateway pods. Default {istio: "ingressgateway"}. */
    gatewaySelector: z.record(z.string()).optional(),
    tls: z
      .object({
        /** Certificate issuer. Default "self-signed". */
        issuer: z.enum(TLS_ISSUERS).default("self-signed"),
        /** ACME account e-mail; required for acme-* issuers. */
        acmeEmail: z.string().email("must be an e-mail address").optional(),
        /** Install cert-manager from its Helm chart (needs the internet). Default false. */
        installCertManager: z.boolean().default(false),
      })
      .strict()
      .default({}),
    /** Route timeout. Default 15. */
    timeoutSeconds: z.number().positive("must be > 0").max(300, "must be <= 300").default(15),
    retries: z
      .object({
        /** Default 3. */
        attempts: z.number().int().min(0, "must be >= 0").max(10, "must be <= 10").default(3),
        /** Default 5. Must be <= timeoutSeconds. */
        perTryTimeoutSeconds: z.number().positive("must be > 0").max(300, "must be <= 300").default(5),
      })
      .strict()
      .default({}),
  })
  .strict();

export type GatewayConfig = z.output<typeof gatewaySchema>;
