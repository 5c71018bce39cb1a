// Everything Monitoring declares for a mode, keyed by role (the suffix of each Pulumi name). The
// plan (roles and kinds) needs no namespace, so the component can register resources before the
// namespace Output resolves; the objects themselves are built once it has.
import type { MonitoringOptions } from "./monitoringOptions";
import type { K8sObject } from "./monitoringPosture";
import { buildGrafanaObjects, buildMetricsService, buildPrometheusObjects, componentLabels, GRAFANA_PASSWORD_KEY } from "./monitoringWorkloads";
import { buildKsmObjects } from "./monitoringKsm";
import { buildNetworkPolicies } from "./monitoringNetwork";
import { buildOperatorObjects } from "./monitoringOperator";

export interface PlannedObject {
  role: string;
  apiVersion: string;
  kind: string;
  /** Top-level fields besides apiVersion and kind (metadata, spec, data, rules, ...). */
  fields: string[];
}

/** All objects for `o.mode` in `namespace`; empty for mode "none". */
export function buildMonitoringObjects(o: MonitoringOptions, namespace: string): Record<string, K8sObject> {
  if (o.mode === "none") return {};
  const objects =
    o.mode === "operator"
      ? { "metrics-service": buildMetricsService(o), ...buildOperatorObjects(o, namespace) }
      : {
          "metrics-service": buildMetricsService(o),
          ...buildPrometheusObjects(o, namespace),
          ...buildGrafanaObjects(o, namespace),
          ...(o.kubeStateMetrics ? buildKsmObjects(o, namespace) : {}),
          ...buildNetworkPolicies(o),
        };
  // Every object here is namespaced, and all of them live beside the app.
  return Object.fromEntries(Object.entries(objects).map(([role, obj]) => [role, { ...obj, metadata: { ...obj.metadata, namespace } }]));
}

/** Roles and kinds, in registration order; the namespace does not change them. */
export function monitoringPlan(o: MonitoringOptions): PlannedObject[] {
  return Object.entries(buildMonitoringObjects(o, "plan")).map(([role, obj]) => ({
    role,
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    fields: Object.keys(obj).filter((k) => k !== "apiVersion" && k !== "kind"),
  }));
}

/** Whether the component must also build the Grafana admin Secret from the secret Output. */
export function needsAdminSecret(o: MonitoringOptions): boolean {
  return o.mode === "bundled" && o.grafanaAuth === "admin-password";
}

/**
 * The admin Secret without its value: the component adds `stringData` from the secret Output,
 * so the password never passes through a pure function or a plain string.
 */
export function adminSecretShell(o: MonitoringOptions): K8sObject & { type: string } {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: { name: o.names.grafanaAdminSecret, labels: componentLabels(o, "grafana").labels },
  };
}

export { GRAFANA_PASSWORD_KEY };
