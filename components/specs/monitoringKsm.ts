// kube-state-metrics for the bundled stack: the source of the HPA and restart series the alerts
// use. It is the one monitoring pod with API credentials, and they reach only the app namespace.
import type { MonitoringOptions } from "./monitoringOptions";
import { POSTURE_WAIVER, apiReaderAccount, clusterIpService, probes, restrictedDeployment, scratchVolume, type K8sObject, type Resources } from "./monitoringPosture";
import { KSM_PORT } from "./monitoringPrometheus";
import { componentLabels } from "./monitoringWorkloads";

export const KSM_UID = 65534;
export const KSM_TELEMETRY_PORT = 8081;
export const KSM_RESOURCES: Resources = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } };
/** Only what the alerts and the dashboard read. */
export const KSM_WATCHED = { pods: "", horizontalpodautoscalers: "autoscaling", deployments: "apps" } as const;

export function buildKsmObjects(o: MonitoringOptions, namespace: string): Record<string, K8sObject> {
  const { labels, selector } = componentLabels(o, "kube-state-metrics");
  const name = o.names.kubeStateMetrics;
  const container = {
    name: "kube-state-metrics",
    image: o.images.kubeStateMetrics,
    args: [
      // Namespaced informers: a Role in this namespace is enough, no ClusterRole.
      `--namespaces=${namespace}`,
      `--resources=${Object.keys(KSM_WATCHED).join(",")}`,
      `--port=${KSM_PORT}`,
      `--telemetry-port=${KSM_TELEMETRY_PORT}`,
    ],
    ports: [
      { name: "http-metrics", containerPort: KSM_PORT, protocol: "TCP" },
      { name: "http-telemetry", containerPort: KSM_TELEMETRY_PORT, protocol: "TCP" },
    ],
    resources: KSM_RESOURCES,
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    ...probes({ live: { path: "/livez", port: KSM_PORT }, ready: { path: "/readyz", port: KSM_TELEMETRY_PORT } }),
  };
  return {
    ...apiReaderAccount("ksm", name, labels, namespace, Object.entries(KSM_WATCHED).map(([resource, group]) => ({ apiGroups: [group], resources: [resource], verbs: ["list", "watch"] }))),
    // The account itself mounts no token; only this pod opts in, because it must read the API,
    // and says so to the posture policy (the one waivable rule).
    "kube-state-metrics": restrictedDeployment(name, labels, selector, {
      uid: KSM_UID,
      container,
      volumes: [scratchVolume("tmp", "16Mi")],
      serviceAccountName: name,
      annotations: { [POSTURE_WAIVER]: "automount-token" },
    }),
    "ksm-service": clusterIpService(name, labels, selector, { name: "http-metrics", port: KSM_PORT }),
  };
}
