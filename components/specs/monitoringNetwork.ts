// NetworkPolicies for the bundled stack: each monitoring pod gets a default deny in both
// directions plus exactly what it needs, and the app gets one extra ingress allow for the
// scrape (policies add up, so this widens nothing else; the app's own deny is AppDeployment's).
import type { MonitoringOptions } from "./monitoringOptions";
import type { K8sObject } from "./monitoringPosture";
import { KSM_PORT, PROMETHEUS_PORT } from "./monitoringPrometheus";
import { GRAFANA_PORT } from "./monitoringGrafana";
import { componentLabels } from "./monitoringWorkloads";

/** istiod's xDS/CA port: every sidecar in the namespace must reach it. */
export const ISTIOD_PORT = 15012;
/** Where kube-state-metrics and Prometheus reach the API server; its address is no pod, so ports only. */
export const API_SERVER_PORTS = [443, 6443];

type Rule = Record<string, unknown>;
const tcp = (port: number) => ({ protocol: "TCP", port });
const pods = (matchLabels: Record<string, string>) => ({ podSelector: { matchLabels } });

function policy(name: string, o: MonitoringOptions, target: Record<string, string>, ingress: Rule[], egress?: Rule[]): K8sObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, labels: { "app.kubernetes.io/part-of": o.appName, "app.kubernetes.io/managed-by": "pulumi" } },
    spec: {
      podSelector: { matchLabels: target },
      policyTypes: egress ? ["Ingress", "Egress"] : ["Ingress"],
      ingress,
      ...(egress ? { egress } : {}),
    },
  };
}

/** What every monitoring pod may reach: cluster DNS (by port: it may be a node-local cache) and istiod. */
function baseEgress(o: MonitoringOptions): Rule[] {
  return [
    { ports: [{ protocol: "UDP", port: 53 }, tcp(53)] },
    {
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": o.istiodNamespace } }, podSelector: { matchLabels: { app: "istiod" } } }],
      ports: [tcp(ISTIOD_PORT)],
    },
  ];
}

export function buildNetworkPolicies(o: MonitoringOptions): Record<string, K8sObject> {
  const prometheus = componentLabels(o, "prometheus").selector;
  const grafana = componentLabels(o, "grafana").selector;
  const ksm = componentLabels(o, "kube-state-metrics").selector;
  // The API server: Prometheus discovers the app's pods there (monitoringPrometheus.ts).
  const prometheusEgress: Rule[] = [...baseEgress(o), { to: [pods(o.appLabels)], ports: [tcp(o.appPort)] }, { ports: API_SERVER_PORTS.map(tcp) }];
  if (o.kubeStateMetrics) prometheusEgress.push({ to: [pods(ksm)], ports: [tcp(KSM_PORT)] });

  const out: Record<string, K8sObject> = {
    "allow-scrape": policy(`${o.appName}-allow-prometheus-scrape`, o, o.appLabels, [{ from: [pods(prometheus)], ports: [tcp(o.appPort)] }]),
    "prometheus-network": policy(o.names.prometheus, o, prometheus, [{ from: [pods(grafana)], ports: [tcp(PROMETHEUS_PORT)] }], prometheusEgress),
    // Any pod in the namespace (port-forward and in-cluster tooling); nothing from outside it.
    "grafana-network": policy(o.names.grafana, o, grafana, [{ from: [pods({})], ports: [tcp(GRAFANA_PORT)] }], [
      ...baseEgress(o),
      { to: [pods(prometheus)], ports: [tcp(PROMETHEUS_PORT)] },
    ]),
  };
  if (o.kubeStateMetrics) {
    out["ksm-network"] = policy(o.names.kubeStateMetrics, o, ksm, [{ from: [pods(prometheus)], ports: [tcp(KSM_PORT)] }], [
      ...baseEgress(o),
      { ports: API_SERVER_PORTS.map(tcp) },
    ]);
  }
  return out;
}
