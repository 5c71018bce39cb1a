// `agent-cellphone-v2:monitoring`: how the app is scraped and alerted on.
import { z } from "zod";
import { dnsLabel } from "./common";

export const MONITORING_MODES = ["bundled", "operator", "none"] as const;

export const monitoringSchema = z
  .object({
    /** bundled: own Prometheus + Grafana; operator: ServiceMonitor/PrometheusRule; none. Default "bundled". */
    mode: z.enum(MONITORING_MODES).default("bundled"),
    /** Prometheus retention (bundled). Default "15d". */
    retention: z.string().regex(/^\d+(ms|s|m|h|d|w|y)$/, "must be a Prometheus duration such as 15d").default("15d"),
    /** Scrape interval. Default 5. */
    scrapeIntervalSeconds: z.number().int().min(1, "must be >= 1").max(300, "must be <= 300").default(5),
    /** Namespace of an existing Prometheus (operator mode), allowed through the NetworkPolicy. Default "monitoring". */
    prometheusNamespace: dnsLabel.default("monitoring"),
    alerts: z
      .object({
        /** 5xx share that fires the error-rate alert (0..1). Default: the Monitoring component's. */
        errorRateRatio: z.number().gt(0, "must be > 0").max(1, "must be <= 1").optional(),
        /** p95 latency that fires the latency alert. Default: the Monitoring component's. */
        p95LatencySeconds: z.number().positive("must be > 0").max(3600, "must be <= 3600").optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type MonitoringConfig = z.output<typeof monitoringSchema>;
