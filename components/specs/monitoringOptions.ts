// Defaults, validation and names for Monitoring, pure so tests call them without Pulumi.
import { ConfigError } from "../../config/errors";

export type MonitoringMode = "bundled" | "operator" | "none";
/** How people reach bundled Grafana: the admin login, or read-only without any login. */
export type GrafanaAuth = "admin-password" | "anonymous-viewer";
export type OperatorScrape = "istio-merged" | "app";

export interface MonitoringAlertArgs {
  /** 5xx share of requests over 5 minutes that fires the error-rate alert. Default: 0.05. */
  errorRateRatio?: number;
  /** p95 request latency in seconds that fires the latency alert. Default: 0.5. */
  p95LatencySeconds?: number;
}

/** Pinned images (no `latest`); override per stack for a mirror or a digest. */
export interface MonitoringImages {
  /** Default: "quay.io/prometheus/prometheus:v2.55.1". */
  prometheus?: string;
  /** Default: "docker.io/grafana/grafana:11.3.1". */
  grafana?: string;
  /** Default: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0". */
  kubeStateMetrics?: string;
}

/** The Monitoring fields that are plain values (everything but namespace and the password). */
export interface MonitoringBaseArgs {
  mode: MonitoringMode;
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
  /** Name of the app's Deployment; its pods are `<name>-*`, for the restart alert. Default: appName. */
  deploymentName?: string;
  /** HPA maxReplicas, drawn on the dashboard's replica panel. */
  maxReplicas: number;
  alerts?: MonitoringAlertArgs;
  /** Bundled Grafana login. "anonymous-viewer" turns every login off (no password needed). Default: "admin-password". */
  grafanaAuth?: GrafanaAuth;
  /** Deploy kube-state-metrics, watching only the app namespace (bundled). Default: true. */
  kubeStateMetrics?: boolean;
  /** Namespace of istiod, which every sidecar must reach through the NetworkPolicies (bundled). Default: "istio-system". */
  istiodNamespace?: string;
  /**
   * What the operator's Prometheus (outside the mesh) scrapes. STRICT mTLS refuses its plaintext
   * on the app port, so by default it reads the sidecar's merged metrics (app + Envoy, from the
   * pod's prometheus.io annotations) on 15020. "app" scrapes the app port directly. Default: "istio-merged".
   */
  operatorScrape?: OperatorScrape;
  /** Labels kube-prometheus-stack selects ServiceMonitors and PrometheusRules by (operator). Default: { release: "kube-prometheus-stack" }. */
  operatorSelectorLabels?: Record<string, string>;
  images?: MonitoringImages;
}

export interface MonitoringNames {
  /** Job name Prometheus gives the app's targets: `up{job="<appName>"}`. */
  job: string;
  /** Headless Service whose DNS records list the app pods to scrape. */
  metricsService: string;
  prometheus: string;
  prometheusConfig: string;
  prometheusRules: string;
  grafana: string;
  grafanaAdminSecret: string;
  grafanaDatasources: string;
  grafanaDashboardProviders: string;
  grafanaDashboards: string;
  kubeStateMetrics: string;
  ruleGroup: string;
}

export interface MonitoringOptions {
  mode: MonitoringMode;
  appName: string;
  appLabels: Record<string, string>;
  appPort: number;
  scrapeIntervalSeconds: number;
  retention: string;
  hpaName: string;
  deploymentName: string;
  maxReplicas: number;
  alerts: { errorRateRatio: number; p95LatencySeconds: number };
  grafanaAuth: GrafanaAuth;
  kubeStateMetrics: boolean;
  istiodNamespace: string;
  operatorScrape: OperatorScrape;
  operatorSelectorLabels: Record<string, string>;
  images: Required<MonitoringImages>;
  names: MonitoringNames;
}

export const DEFAULT_IMAGES: Required<MonitoringImages> = {
  prometheus: "quay.io/prometheus/prometheus:v2.55.1",
  grafana: "docker.io/grafana/grafana:11.3.1",
  kubeStateMetrics: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0",
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DURATION = /^\d+(ms|s|m|h|d|w|y)$/;

export function monitoringNames(appName: string): MonitoringNames {
  return {
    job: appName,
    metricsService: `${appName}-metrics`,
    prometheus: `${appName}-prometheus`,
    prometheusConfig: `${appName}-prometheus-config`,
    prometheusRules: `${appName}-prometheus-rules`,
    grafana: `${appName}-grafana`,
    grafanaAdminSecret: `${appName}-grafana-admin`,
    grafanaDatasources: `${appName}-grafana-datasources`,
    grafanaDashboardProviders: `${appName}-grafana-dashboard-providers`,
    grafanaDashboards: `${appName}-grafana-dashboards`,
    kubeStateMetrics: `${appName}-kube-state-metrics`,
    ruleGroup: `${appName}.rules`,
  };
}

function checkLabels(field: string, labels: Record<string, string> | undefined, problems: string[], required: boolean): void {
  const entries = Object.entries(labels ?? {});
  if (required && entries.length === 0) problems.push(`${field}: must hold at least one label`);
  if (entries.some(([k, v]) => !/^([a-z0-9.-]+\/)?[A-Za-z0-9_.-]{1,63}$/.test(k) || !/^[A-Za-z0-9_.-]{0,63}$/.test(v))) {
    problems.push(`${field}: keys and values must be valid Kubernetes labels`);
  }
}

/** The alert thresholds when the stack sets none (also the release analysis's margins: releaseWiring.ts). */
export const DEFAULT_ALERTS = { errorRateRatio: 0.05, p95LatencySeconds: 0.5 } as const;

/**
 * Applies defaults and checks rules; throws one ConfigError naming every bad field.
 * `hasPassword` says whether a Grafana admin password was given (its value never comes here).
 */
export function resolveMonitoringOptions(args: MonitoringBaseArgs, hasPassword: boolean): MonitoringOptions {
  const problems: string[] = [];
  const mode = args.mode;
  const scrapeIntervalSeconds = args.scrapeIntervalSeconds ?? 5;
  const retention = args.retention ?? "15d";
  const errorRateRatio = args.alerts?.errorRateRatio ?? DEFAULT_ALERTS.errorRateRatio;
  const p95LatencySeconds = args.alerts?.p95LatencySeconds ?? DEFAULT_ALERTS.p95LatencySeconds;
  const grafanaAuth = args.grafanaAuth ?? "admin-password";

  if (!["bundled", "operator", "none"].includes(mode)) problems.push('mode: must be one of "bundled", "operator", "none"');
  // 34 keeps the longest name ("-grafana-dashboard-providers" appended) within the 63 of a label.
  if (!DNS_LABEL.test(args.appName ?? "") || args.appName.length > 34) problems.push("appName: must be a DNS label of at most 34 characters");
  checkLabels("appLabels", args.appLabels, problems, true);
  checkLabels("operatorSelectorLabels", args.operatorSelectorLabels, problems, false);
  if (!Number.isInteger(args.appPort) || args.appPort < 1 || args.appPort > 65535) problems.push("appPort: must be an integer from 1 to 65535");
  if (!Number.isInteger(scrapeIntervalSeconds) || scrapeIntervalSeconds < 1 || scrapeIntervalSeconds > 300) problems.push("scrapeIntervalSeconds: must be an integer from 1 to 300");
  if (!DURATION.test(retention)) problems.push("retention: must be a Prometheus duration such as 15d");
  if (!Number.isInteger(args.maxReplicas) || args.maxReplicas < 1) problems.push("maxReplicas: must be an integer >= 1");
  if (!(errorRateRatio > 0 && errorRateRatio <= 1)) problems.push("alerts.errorRateRatio: must be > 0 and <= 1");
  if (!(p95LatencySeconds > 0)) problems.push("alerts.p95LatencySeconds: must be > 0");
  for (const f of ["hpaName", "deploymentName", "istiodNamespace"] as const) {
    if (args[f] !== undefined && !DNS_LABEL.test(args[f] ?? "")) problems.push(`${f}: must be a DNS label`);
  }
  if (args.operatorScrape !== undefined && !["istio-merged", "app"].includes(args.operatorScrape)) problems.push('operatorScrape: must be one of "istio-merged", "app"');
  if (!["admin-password", "anonymous-viewer"].includes(grafanaAuth)) problems.push('grafanaAuth: must be one of "admin-password", "anonymous-viewer"');
  else if (mode === "bundled" && grafanaAuth === "admin-password" && !hasPassword) {
    problems.push('grafanaAdminPassword: is required when mode is "bundled" (or set grafanaAuth to "anonymous-viewer")');
  }
  if (problems.length > 0) throw new ConfigError(problems, "invalid Monitoring args");

  return {
    mode,
    appName: args.appName,
    appLabels: args.appLabels,
    appPort: args.appPort,
    scrapeIntervalSeconds,
    retention,
    hpaName: args.hpaName ?? args.appName,
    deploymentName: args.deploymentName ?? args.appName,
    maxReplicas: args.maxReplicas,
    alerts: { errorRateRatio, p95LatencySeconds },
    grafanaAuth,
    kubeStateMetrics: args.kubeStateMetrics ?? true,
    istiodNamespace: args.istiodNamespace ?? "istio-system",
    operatorScrape: args.operatorScrape ?? "istio-merged",
    operatorSelectorLabels: args.operatorSelectorLabels ?? { release: "kube-prometheus-stack" },
    images: { ...DEFAULT_IMAGES, ...args.images },
    names: monitoringNames(args.appName),
  };
}
