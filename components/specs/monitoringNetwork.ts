// Ingress allows for the bundled stack, so it works under the namespace's default-deny policy:
// Prometheus may scrape the app and kube-state-metrics, Grafana may query Prometheus. Policies
// add up, so these widen nothing else.
import type { MonitoringOptions } from "./monitoringOptions";
import type { K8sObject } from "./monitoringPosture";
import { KSM_PORT, PROMETHEUS_PORT } from "./monitoringPrometheus";
import { GRAFANA_PORT } from "./monitoringGrafana";
import { componentLabels } from "./monitoringWorkloads";

function allowIngress(name: string, o: MonitoringOptions, target: Record<string, string>, from: Record<string, string>, port: number): K8sObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, labels: { "app.kubernetes.io/part-of": o.appName, "app.kubernetes.io/managed-by": "pulumi" } },
    spec: {
      podSelector: { matchLabels: target },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: from } }], ports: [{ protocol: "TCP", port }] }],
    },
  };
}

export function buildNetworkPolicies(o: MonitoringOptions): Record<string, K8sObject> {
  const prometheus = componentLabels(o, "prometheus").selector;
  const grafana = componentLabels(o, "grafana").selector;
  const out: Record<string, K8sObject> = {
    "allow-scrape": allowIngress(`${o.appName}-allow-prometheus-scrape`, o, o.appLabels, prometheus, o.appPort),
    "prometheus-ingress": allowIngress(`${o.names.prometheus}-from-grafana`, o, prometheus, grafana, PROMETHEUS_PORT),
    // Any pod in the namespace (port-forward and in-cluster tooling); nothing from outside it.
    "grafana-ingress": allowIngress(`${o.names.grafana}-in-namespace`, o, grafana, {}, GRAFANA_PORT),
  };
  if (o.kubeStateMetrics) {
    out["ksm-ingress"] = allowIngress(`${o.names.kubeStateMetrics}-from-prometheus`, o, componentLabels(o, "kube-state-metrics").selector, prometheus, KSM_PORT);
  }
  return out;
}
