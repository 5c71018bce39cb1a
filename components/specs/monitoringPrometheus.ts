// What Prometheus reads: prometheus.yml (bundled) and the alert rule group (both modes). The
// text is what `promtool check config|rules` and `promtool test rules` run against in tests.
import { stringify } from "yaml";
import type { MonitoringOptions } from "./monitoringOptions";

export const PROMETHEUS_PORT = 9090;
export const KSM_PORT = 8080;
/** Where the rules ConfigMap is mounted in the bundled Prometheus pod. */
export const RULES_DIR = "/etc/prometheus/rules";
export const RULES_FILE = "rules.yml";

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: AlertRule[];
}

/** Just under the interval (Prometheus rejects a timeout above it), at most 10 s. */
export function scrapeTimeout(o: MonitoringOptions): string {
  return `${Math.max(1, Math.min(o.scrapeIntervalSeconds - 1, 10))}s`;
}

export function clusterHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

/**
 * Alert rules for the app in `namespace`. The ratios are NaN (and so silent) without traffic;
 * `<App>MetricsAbsent` covers the case where there is no data at all.
 */
export function buildRuleGroup(o: MonitoringOptions, namespace: string): RuleGroup {
  const job = `job="${o.names.job}"`;
  const hpa = `namespace="${namespace}",horizontalpodautoscaler="${o.hpaName}"`;
  const pods = `namespace="${namespace}",pod=~"${o.deploymentName}-.*"`;
  const base = { app: o.appName, namespace };
  const rule = (alert: string, expr: string, forDur: string, severity: string, summary: string): AlertRule => ({
    alert,
    expr,
    for: forDur,
    labels: { severity, ...base },
    annotations: { summary },
  });
  return {
    name: o.names.ruleGroup,
    rules: [
      rule("AppDown", `up{${job}} == 0`, "1m", "critical", `${o.appName}: a scrape target is down ({{ $labels.instance }})`),
      rule("AppMetricsAbsent", `absent(up{${job}})`, "5m", "critical", `${o.appName}: Prometheus has no targets for job ${o.names.job}`),
      rule(
        "AppHighErrorRate",
        `sum(rate(http_requests_total{${job},status=~"5.."}[5m])) / sum(rate(http_requests_total{${job}}[5m])) > ${o.alerts.errorRateRatio}`,
        "2m",
        "critical",
        `${o.appName}: more than ${o.alerts.errorRateRatio * 100}% of requests fail with 5xx`,
      ),
      rule(
        "AppHighLatencyP95",
        `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${job}}[5m]))) > ${o.alerts.p95LatencySeconds}`,
        "5m",
        "warning",
        `${o.appName}: p95 latency is above ${o.alerts.p95LatencySeconds}s`,
      ),
      rule(
        "AppHpaAtMaximum",
        `kube_horizontalpodautoscaler_status_current_replicas{${hpa}} >= on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas{${hpa}}`,
        "10m",
        "warning",
        `${o.appName}: the HPA has run at its maximum replicas for 10 minutes`,
      ),
      rule(
        "AppPodRestarting",
        `increase(kube_pod_container_status_restarts_total{${pods}}[15m]) >= 3`,
        "0m",
        "warning",
        `${o.appName}: {{ $labels.pod }} restarted at least 3 times in 15 minutes`,
      ),
    ],
  };
}

/** The rules file as Prometheus (and promtool) read it. */
export function renderRulesFile(o: MonitoringOptions, namespace: string): string {
  return stringify({ groups: [buildRuleGroup(o, namespace)] }, { lineWidth: 0 });
}

export interface PrometheusConfigArgs {
  /** Directory holding the rules file. Default: RULES_DIR (the pod's mount). */
  rulesDir?: string;
}

/**
 * The app is found through its headless metrics Service (DNS A records, one per ready pod), so
 * Prometheus needs no Kubernetes API credentials; only kube-state-metrics reads the API.
 */
export function renderPrometheusConfig(o: MonitoringOptions, namespace: string, args: PrometheusConfigArgs = {}): string {
  const interval = `${o.scrapeIntervalSeconds}s`;
  const scrapeConfigs: Record<string, unknown>[] = [
    {
      job_name: o.names.job,
      metrics_path: "/metrics",
      scrape_interval: interval,
      scrape_timeout: scrapeTimeout(o),
      dns_sd_configs: [{ names: [clusterHost(o.names.metricsService, namespace)], type: "A", port: o.appPort, refresh_interval: "15s" }],
    },
    { job_name: "prometheus", static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }] },
  ];
  if (o.kubeStateMetrics) {
    scrapeConfigs.push({
      job_name: "kube-state-metrics",
      // Keep the namespace/pod labels kube-state-metrics reports about other objects.
      honor_labels: true,
      static_configs: [{ targets: [`${clusterHost(o.names.kubeStateMetrics, namespace)}:${KSM_PORT}`] }],
    });
  }
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, external_labels: { app: o.appName, namespace } },
    rule_files: [`${args.rulesDir ?? RULES_DIR}/${RULES_FILE}`],
    scrape_configs: scrapeConfigs,
  };
  return stringify(config, { lineWidth: 0 });
}
