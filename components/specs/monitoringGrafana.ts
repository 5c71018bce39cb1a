// Grafana's provisioning files and the app dashboard. The dashboard reads its data source from a
// template variable, so the same JSON works in bundled Grafana and in kube-prometheus-stack's.
import { stringify } from "yaml";
import type { MonitoringOptions } from "./monitoringOptions";
import { clusterHost, PROMETHEUS_PORT } from "./monitoringPrometheus";

export const GRAFANA_PORT = 3000;
/** Mount points in the Grafana pod; the root filesystem is read-only. */
export const GRAFANA_PATHS = {
  datasources: "/etc/grafana/provisioning/datasources",
  dashboardProviders: "/etc/grafana/provisioning/dashboards",
  dashboards: "/etc/grafana/dashboards",
};

export function renderDatasources(o: MonitoringOptions, namespace: string): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        type: "prometheus",
        uid: "prometheus",
        access: "proxy",
        url: `http://${clusterHost(o.names.prometheus, namespace)}:${PROMETHEUS_PORT}`,
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: `${o.scrapeIntervalSeconds}s` },
      },
    ],
  });
}

export function renderDashboardProviders(o: MonitoringOptions): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: o.appName,
        orgId: 1,
        folder: "",
        type: "file",
        // Files are the source of truth: edits in the UI would be lost on the next rollout.
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: GRAFANA_PATHS.dashboards },
      },
    ],
  });
}

export interface PanelTarget {
  refId: string;
  expr: string;
  legendFormat: string;
}

export interface Panel {
  id: number;
  type: "timeseries";
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: "prometheus"; uid: string };
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  targets: PanelTarget[];
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  editable: boolean;
  schemaVersion: number;
  version: number;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: Array<Record<string, unknown>> };
  panels: Panel[];
}

const DATASOURCE = { type: "prometheus" as const, uid: "${datasource}" };

function panel(id: number, title: string, x: number, y: number, unit: string, targets: Array<[string, string]>, extra: Record<string, unknown> = {}): Panel {
  return {
    id,
    type: "timeseries",
    title,
    gridPos: { x, y, w: 12, h: 8 },
    datasource: DATASOURCE,
    fieldConfig: { defaults: { unit, ...extra }, overrides: [] },
    targets: targets.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat })),
  };
}

/** Request rate, errors, latency percentiles and replicas; every query uses plain PromQL (tests run it through promtool). */
export function buildDashboard(o: MonitoringOptions, namespace: string): Dashboard {
  const job = `job="${o.names.job}"`;
  const hpa = `namespace="${namespace}",horizontalpodautoscaler="${o.hpaName}"`;
  const quantile = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${job}}[1m])))`;
  const threshold = (value: number) => ({ thresholds: { mode: "absolute", steps: [{ color: "green", value: null }, { color: "red", value }] } });
  return {
    uid: o.appName,
    title: `${o.appName} overview`,
    tags: [o.appName],
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: "10s",
    time: { from: "now-1h", to: "now" },
    templating: { list: [{ name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0 }] },
    panels: [
      panel(1, "Request rate by status", 0, 0, "reqps", [[`sum by (status) (rate(http_requests_total{${job}}[1m]))`, "{{status}}"]]),
      panel(
        2,
        "5xx error ratio",
        12,
        0,
        "percentunit",
        [[`sum(rate(http_requests_total{${job},status=~"5.."}[1m])) / sum(rate(http_requests_total{${job}}[1m]))`, "5xx ratio"]],
        threshold(o.alerts.errorRateRatio),
      ),
      panel(
        3,
        "Latency percentiles",
        0,
        8,
        "s",
        [
          [quantile(0.5), "p50"],
          [quantile(0.95), "p95"],
          [quantile(0.99), "p99"],
        ],
        threshold(o.alerts.p95LatencySeconds),
      ),
      panel(4, "Replicas", 12, 8, "short", [
        [`count(up{${job}} == 1)`, "scraped and up"],
        [`kube_horizontalpodautoscaler_status_current_replicas{${hpa}}`, "HPA current"],
        [`kube_horizontalpodautoscaler_spec_max_replicas{${hpa}}`, "HPA max"],
        [`vector(${o.maxReplicas})`, "configured max"],
      ]),
    ],
  };
}

export function dashboardFileName(o: MonitoringOptions): string {
  return `${o.appName}.json`;
}

export function renderDashboard(o: MonitoringOptions, namespace: string): string {
  return JSON.stringify(buildDashboard(o, namespace), null, 2);
}
