// Objects for an existing kube-prometheus-stack: it scrapes through the ServiceMonitor, loads the
// PrometheusRule, and its Grafana sidecar picks up ConfigMaps labelled `grafana_dashboard: "1"`.
import type { MonitoringOptions } from "./monitoringOptions";
import type { K8sObject } from "./monitoringPosture";
import { ROLLOUTS_HASH_LABEL, buildRuleGroup, scrapeTimeout } from "./monitoringPrometheus";
import { dashboardFileName, renderDashboard } from "./monitoringGrafana";
import { ISTIO_MERGED_METRICS, metricsServiceLabels } from "./monitoringWorkloads";

export const OPERATOR_API = "monitoring.coreos.com/v1";

export function buildOperatorObjects(o: MonitoringOptions, namespace: string): Record<string, K8sObject> {
  const selectable = { ...o.operatorSelectorLabels, "app.kubernetes.io/part-of": o.appName, "app.kubernetes.io/managed-by": "pulumi" };
  const interval = `${o.scrapeIntervalSeconds}s`;
  const endpoint =
    o.operatorScrape === "istio-merged" ? { port: ISTIO_MERGED_METRICS.name, path: ISTIO_MERGED_METRICS.path } : { port: "http-metrics", path: "/metrics" };
  return {
    "service-monitor": {
      apiVersion: OPERATOR_API,
      kind: "ServiceMonitor",
      metadata: { name: o.appName, labels: selectable },
      spec: {
        // job = the Service's app.kubernetes.io/name (the app name), so `up{job="<app>"}` matches bundled mode.
        jobLabel: "app.kubernetes.io/name",
        // Each series names its version (rollouts_pod_template_hash): the release analysis compares canary and stable by it.
        podTargetLabels: [ROLLOUTS_HASH_LABEL],
        selector: { matchLabels: metricsServiceLabels(o) },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [{ ...endpoint, interval, scrapeTimeout: scrapeTimeout(o) }],
      },
    },
    "prometheus-rule": {
      apiVersion: OPERATOR_API,
      kind: "PrometheusRule",
      metadata: { name: o.appName, labels: selectable },
      spec: { groups: [buildRuleGroup(o, namespace)] },
    },
    "grafana-dashboard": {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: o.names.grafanaDashboards, labels: { grafana_dashboard: "1", "app.kubernetes.io/part-of": o.appName } },
      data: { [dashboardFileName(o)]: renderDashboard(o, namespace) },
    },
  };
}
