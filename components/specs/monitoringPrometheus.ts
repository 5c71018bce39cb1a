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
  /** Extra kubernetes_sd_configs fields (api_server, tls_config) for a Prometheus outside the cluster; in the pod it uses its service account. */
  kubernetesSd?: Record<string, unknown>;
}

/**
 * The app's pods are found through the Kubernetes API (pod role, this namespace only: a Role is
 * enough), so each series carries its pod and its `rollouts-pod-template-hash` label: the release
 * analysis tells a canary's series from stable's by it (releaseAnalysis.ts). Only Running pods
 * with the app's labels, on the app's port.
 */
export function appScrapeConfig(o: MonitoringOptions, namespace: string, sd: Record<string, unknown> = {}): Record<string, unknown> {
  const keep = Object.entries(o.appLabels).map(([k, v]) => ({ action: "keep", source_labels: [`__meta_kubernetes_pod_label_${promLabel(k)}`], regex: escapeRegex(v) }));
  return {
    job_name: o.names.job,
    metrics_path: "/metrics",
    scrape_interval: `${o.scrapeIntervalSeconds}s`,
    scrape_timeout: scrapeTimeout(o),
    kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] }, ...sd }],
    relabel_configs: [
      ...keep,
      { action: "keep", source_labels: ["__meta_kubernetes_pod_container_port_number"], regex: String(o.appPort) },
      { action: "keep", source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running" },
      { action: "replace", source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { action: "replace", source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      { action: "replace", source_labels: [`__meta_kubernetes_pod_label_${promLabel(ROLLOUTS_HASH_LABEL)}`], target_label: promLabel(ROLLOUTS_HASH_LABEL) },
    ],
  };
}

/** The label Argo Rollouts puts on every pod of a Rollout, by template. */
export const ROLLOUTS_HASH_LABEL = "rollouts-pod-template-hash";

/** A Kubernetes label name as Prometheus's service discovery spells it. */
export function promLabel(k8sLabel: string): string {
  return k8sLabel.replace(/[^a-zA-Z0-9_]/g, "_");
}

function escapeRegex(v: string): string {
  return v.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

export function renderPrometheusConfig(o: MonitoringOptions, namespace: string, args: PrometheusConfigArgs = {}): string {
  const interval = `${o.scrapeIntervalSeconds}s`;
  const scrapeConfigs: Record<string, unknown>[] = [
    appScrapeConfig(o, namespace, args.kubernetesSd),
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
