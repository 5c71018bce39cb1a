// Bundled Prometheus and Grafana: their ConfigMaps, Deployments and Services, plus the headless
// metrics Service the ServiceMonitor selects (operator mode; bundled Prometheus finds the pods
// through the API, monitoringPrometheus.ts).
import type { MonitoringOptions } from "./monitoringOptions";
import { POSTURE_WAIVER, apiReaderAccount, checksum, clusterIpService, probes, restrictedDeployment, scratchVolume, type K8sObject, type Resources } from "./monitoringPosture";
import { PROMETHEUS_PORT, RULES_DIR, RULES_FILE, renderPrometheusConfig, renderRulesFile } from "./monitoringPrometheus";
import { GRAFANA_PATHS, GRAFANA_PORT, dashboardFileName, renderDashboard, renderDashboardProviders, renderDatasources } from "./monitoringGrafana";

/** The image's own user (nobody); the Grafana image runs as 472. */
export const PROMETHEUS_UID = 65534;
export const GRAFANA_UID = 472;
export const PROMETHEUS_CONFIG_DIR = "/etc/prometheus/config";
/** TSDB size cap, kept under the data emptyDir's limit so retention trims before eviction. */
export const TSDB_SIZE = { retention: "4GB", volume: "5Gi" };

export const PROMETHEUS_RESOURCES: Resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "1Gi" } };
export const GRAFANA_RESOURCES: Resources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "250m", memory: "256Mi" } };

export function componentLabels(o: MonitoringOptions, component: string): { labels: Record<string, string>; selector: Record<string, string> } {
  const selector = { "app.kubernetes.io/name": component, "app.kubernetes.io/instance": `${o.appName}-${component}` };
  return { selector, labels: { ...selector, "app.kubernetes.io/part-of": o.appName, "app.kubernetes.io/managed-by": "pulumi" } };
}

/** Labels of the metrics Service; the ServiceMonitor selects them and takes `job` from the name. */
export function metricsServiceLabels(o: MonitoringOptions): Record<string, string> {
  return { "app.kubernetes.io/name": o.names.job, "app.kubernetes.io/component": "metrics", "app.kubernetes.io/managed-by": "pulumi" };
}

/** The Istio agent's port serving the app's metrics merged with Envoy's (plaintext, outside mTLS). */
export const ISTIO_MERGED_METRICS = { name: "http-envoy-prom", port: 15020, path: "/stats/prometheus" };

/** Headless, over every app pod: what the ServiceMonitor selects in operator mode (its endpoints are the pods). */
export function buildMetricsService(o: MonitoringOptions): K8sObject {
  const ports = [{ name: "http-metrics", port: o.appPort, targetPort: o.appPort, protocol: "TCP" }];
  if (o.mode === "operator" && o.operatorScrape === "istio-merged") {
    ports.push({ name: ISTIO_MERGED_METRICS.name, port: ISTIO_MERGED_METRICS.port, targetPort: ISTIO_MERGED_METRICS.port, protocol: "TCP" });
  }
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: o.names.metricsService, labels: metricsServiceLabels(o) },
    spec: {
      type: "ClusterIP",
      clusterIP: "None",
      selector: o.appLabels,
      ports,
    },
  };
}

function configMap(name: string, labels: Record<string, string>, data: Record<string, string>): K8sObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data };
}

export function buildPrometheusObjects(o: MonitoringOptions, namespace: string): Record<string, K8sObject> {
  const { labels, selector } = componentLabels(o, "prometheus");
  const config = renderPrometheusConfig(o, namespace);
  const rules = renderRulesFile(o, namespace);
  const container = {
    name: "prometheus",
    image: o.images.prometheus,
    args: [
      `--config.file=${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
      "--storage.tsdb.path=/prometheus",
      `--storage.tsdb.retention.time=${o.retention}`,
      `--storage.tsdb.retention.size=${TSDB_SIZE.retention}`,
      `--web.listen-address=:${PROMETHEUS_PORT}`,
    ],
    ports: [{ name: "http-web", containerPort: PROMETHEUS_PORT, protocol: "TCP" }],
    resources: PROMETHEUS_RESOURCES,
    ...probes({ live: { path: "/-/healthy", port: PROMETHEUS_PORT }, ready: { path: "/-/ready", port: PROMETHEUS_PORT } }),
    volumeMounts: [
      { name: "config", mountPath: PROMETHEUS_CONFIG_DIR, readOnly: true },
      { name: "rules", mountPath: RULES_DIR, readOnly: true },
      { name: "data", mountPath: "/prometheus" },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
  return {
    "prometheus-config": configMap(o.names.prometheusConfig, labels, { "prometheus.yml": config }),
    "prometheus-rules": configMap(o.names.prometheusRules, labels, { [RULES_FILE]: rules }),
    ...apiReaderAccount("prometheus", o.names.prometheus, labels, namespace, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]),
    // It reads the app's pods from the API (their labels name each series' version), so it mounts
    // its account's token and says so to the posture policy, like kube-state-metrics.
    prometheus: restrictedDeployment(o.names.prometheus, labels, selector, {
      uid: PROMETHEUS_UID,
      container,
      serviceAccountName: o.names.prometheus,
      annotations: { "checksum/config": checksum(config, rules), [POSTURE_WAIVER]: "automount-token" },
      volumes: [
        { name: "config", configMap: { name: o.names.prometheusConfig } },
        { name: "rules", configMap: { name: o.names.prometheusRules } },
        scratchVolume("data", TSDB_SIZE.volume),
        scratchVolume("tmp", "64Mi"),
      ],
    }),
    "prometheus-service": clusterIpService(o.names.prometheus, labels, selector, { name: "http-web", port: PROMETHEUS_PORT }),
  };
}

function grafanaAuthEnv(o: MonitoringOptions): Array<Record<string, unknown>> {
  if (o.grafanaAuth === "anonymous-viewer") {
    // No password exists, so no login may exist either: read-only viewers, every login path off.
    return [
      { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "true" },
      { name: "GF_AUTH_ANONYMOUS_ORG_ROLE", value: "Viewer" },
      { name: "GF_AUTH_DISABLE_LOGIN_FORM", value: "true" },
      { name: "GF_AUTH_DISABLE_LOGIN", value: "true" },
      { name: "GF_AUTH_BASIC_ENABLED", value: "false" },
    ];
  }
  return [
    { name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" },
    { name: "GF_SECURITY_ADMIN_USER", value: "admin" },
    { name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: o.names.grafanaAdminSecret, key: GRAFANA_PASSWORD_KEY } } },
  ];
}

/** Key of the admin password in the Secret the component builds from the secret Output. */
export const GRAFANA_PASSWORD_KEY = "admin-password";

export function buildGrafanaObjects(o: MonitoringOptions, namespace: string): Record<string, K8sObject> {
  const { labels, selector } = componentLabels(o, "grafana");
  const datasources = renderDatasources(o, namespace);
  const providers = renderDashboardProviders(o);
  const dashboard = renderDashboard(o, namespace);
  const container = {
    name: "grafana",
    image: o.images.grafana,
    ports: [{ name: "http-grafana", containerPort: GRAFANA_PORT, protocol: "TCP" }],
    env: [
      { name: "GF_PATHS_DATA", value: "/var/lib/grafana" },
      { name: "GF_PATHS_LOGS", value: "/var/log/grafana" },
      { name: "GF_PATHS_PLUGINS", value: "/var/lib/grafana/plugins" },
      { name: "GF_PATHS_PROVISIONING", value: "/etc/grafana/provisioning" },
      { name: "GF_LOG_MODE", value: "console" },
      // The cluster may have no internet; Grafana must not try to phone home.
      { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
      { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
      { name: "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES", value: "false" },
      { name: "GF_NEWS_NEWS_FEED_ENABLED", value: "false" },
      { name: "GF_SECURITY_DISABLE_GRAVATAR", value: "true" },
      { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
      ...grafanaAuthEnv(o),
    ],
    resources: GRAFANA_RESOURCES,
    ...probes({ live: { path: "/api/health", port: GRAFANA_PORT } }),
    volumeMounts: [
      { name: "data", mountPath: "/var/lib/grafana" },
      { name: "logs", mountPath: "/var/log/grafana" },
      { name: "tmp", mountPath: "/tmp" },
      { name: "datasources", mountPath: GRAFANA_PATHS.datasources, readOnly: true },
      { name: "dashboard-providers", mountPath: GRAFANA_PATHS.dashboardProviders, readOnly: true },
      { name: "dashboards", mountPath: GRAFANA_PATHS.dashboards, readOnly: true },
    ],
  };
  return {
    "grafana-datasources": configMap(o.names.grafanaDatasources, labels, { "prometheus.yaml": datasources }),
    "grafana-dashboard-providers": configMap(o.names.grafanaDashboardProviders, labels, { "dashboards.yaml": providers }),
    "grafana-dashboards": configMap(o.names.grafanaDashboards, labels, { [dashboardFileName(o)]: dashboard }),
    grafana: restrictedDeployment(o.names.grafana, labels, selector, {
      uid: GRAFANA_UID,
      container,
      annotations: { "checksum/provisioning": checksum(datasources, providers, dashboard), "checksum/auth": o.grafanaAuth },
      volumes: [
        scratchVolume("data", "1Gi"),
        scratchVolume("logs", "256Mi"),
        scratchVolume("tmp", "64Mi"),
        { name: "datasources", configMap: { name: o.names.grafanaDatasources } },
        { name: "dashboard-providers", configMap: { name: o.names.grafanaDashboardProviders } },
        { name: "dashboards", configMap: { name: o.names.grafanaDashboards } },
      ],
    }),
    "grafana-service": clusterIpService(o.names.grafana, labels, selector, { name: "http-grafana", port: GRAFANA_PORT }),
  };
}
