// Metrics and alerts for the app: our own Prometheus + Grafana ("bundled"), objects for an
// existing kube-prometheus-stack ("operator"), or nothing ("none").
import * as pulumi from "@pulumi/pulumi";

export type MonitoringMode = "bundled" | "operator" | "none";

export interface MonitoringAlertArgs {
  /** 5xx share of requests over 5 minutes that fires the error-rate alert. Default: 0.05. */
  errorRateRatio?: number;
  /** p95 request latency in seconds that fires the latency alert. Default: 0.5. */
  p95LatencySeconds?: number;
}

export interface MonitoringArgs {
  mode: MonitoringMode;
  /** Namespace for the monitoring objects (the app's namespace). */
  namespace: pulumi.Input<string>;
  /** App name: the Prometheus job name and the prefix of every object name. */
  appName: string;
  /** Labels on the app pods. */
  appLabels: Record<string, string>;
  /** Container port serving /metrics. */
  appPort: number;
  /** Scrape interval. Default: 5. */
  scrapeIntervalSeconds?: number;
  /** Prometheus TSDB retention (bundled). Default: "15d". */
  retention?: string;
  /** Name of the app's HorizontalPodAutoscaler, for the at-maximum alert. Default: appName. */
  hpaName?: string;
  /** HPA maxReplicas, shown on the dashboard. */
  maxReplicas: number;
  /** Grafana admin password (secret); required for bundled. Default: none. */
  grafanaAdminPassword?: pulumi.Input<string>;
  alerts?: MonitoringAlertArgs;
}

export class Monitoring extends pulumi.ComponentResource {
  public readonly mode: pulumi.Output<MonitoringMode>;
  /** In-cluster Prometheus URL (bundled only). */
  public readonly prometheusUrl: pulumi.Output<string | undefined>;
  /** In-cluster Grafana URL (bundled only). */
  public readonly grafanaUrl: pulumi.Output<string | undefined>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acv2:monitoring:Monitoring", name, {}, opts);
    // Placeholder until the builders land; the interface above is the agreed contract.
    this.mode = pulumi.output(args.mode);
    this.prometheusUrl = pulumi.output(undefined);
    this.grafanaUrl = pulumi.output(undefined);
    this.registerOutputs({ mode: this.mode, prometheusUrl: this.prometheusUrl, grafanaUrl: this.grafanaUrl });
  }
}
