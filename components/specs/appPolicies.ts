// The objects around the Deployment: Namespace, Service, PodDisruptionBudget and NetworkPolicies.
// Pure builders, so the rules (PDB vs HPA minimum, which peers may talk to the pods) are tested
// without Pulumi.
import type * as k8s from "@pulumi/kubernetes";
import { minimumReplicas, type AppOptions, type MetricsPeer } from "./appOptions";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type PeerInput = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** Port of the Istio agent that serves merged app metrics when a sidecar is injected. */
export const ISTIO_MERGED_METRICS_PORT = 15020;
/** istiod's xDS/CA port the sidecar must reach. */
export const ISTIOD_PORT = 15012;
export const SERVICE_PORT = 80;

export function buildNamespaceLabels(o: AppOptions): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": o.name,
    "app.kubernetes.io/managed-by": "pulumi",
    ...(o.istioInjection ? { "istio-injection": "enabled" } : {}),
    // Warn/audit only: enforcing `restricted` would reject istio-init (NET_ADMIN) in clusters
    // without the Istio CNI; our own pods meet `restricted` and the tests enforce that.
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
  };
}

export function buildServiceSpec(o: AppOptions): k8s.types.input.core.v1.ServiceSpec {
  return {
    type: "ClusterIP",
    selector: o.selectorLabels,
    // Named `http` so Istio's protocol selection treats it as HTTP.
    ports: [{ name: "http", port: SERVICE_PORT, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
  };
}

/**
 * A PDB that protects availability but never blocks every eviction: with a minimum of one
 * replica, one pod may always go (maxUnavailable 1); above that, one pod below the minimum.
 */
export function buildPdbSpec(o: AppOptions): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  const floor = minimumReplicas(o);
  const budget =
    o.pdbMinAvailable !== undefined
      ? { minAvailable: o.pdbMinAvailable }
      : floor <= 1
        ? { maxUnavailable: 1 }
        : { minAvailable: floor - 1 };
  // AlwaysAllow: a crash-looping pod must not hold a node drain hostage.
  return { ...budget, selector: { matchLabels: o.selectorLabels }, unhealthyPodEvictionPolicy: "AlwaysAllow" };
}

const nsSelector = (ns: string) => ({ matchLabels: { "kubernetes.io/metadata.name": ns } });

function metricsPeer(p: MetricsPeer, appNamespace: string): PeerInput {
  return {
    namespaceSelector: nsSelector(p.namespace ?? appNamespace),
    ...(p.podLabels ? { podSelector: { matchLabels: p.podLabels } } : {}),
  };
}

export interface NamedPolicy {
  /** Suffix of the object and resource name. */
  role: "default-deny" | "allow";
  spec: NetworkPolicySpec;
}

/**
 * Default deny for the app pods (ingress and egress), then exactly the allows the app needs:
 * the ingress gateway and the scrapers in; DNS, istiod and the database out. The deny selects
 * the app pods only, so other workloads in the namespace (bundled Prometheus) keep their own rules.
 */
export function buildNetworkPolicies(o: AppOptions): NamedPolicy[] {
  const podSelector = { matchLabels: o.selectorLabels };
  const appPort = { port: o.port, protocol: "TCP" };
  const net = o.network;
  const ingress: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [
    {
      from: [{ namespaceSelector: nsSelector(net.gatewayNamespace), podSelector: { matchLabels: net.gatewaySelector } }],
      ports: [appPort],
    },
  ];
  if (net.metricsPeers.length > 0) {
    ingress.push({
      from: net.metricsPeers.map((p) => metricsPeer(p, o.namespace)),
      ports: [appPort, { port: ISTIO_MERGED_METRICS_PORT, protocol: "TCP" }],
    });
  }
  const egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [
    // DNS by port only: cluster DNS may be a node-local cache whose address no selector names.
    { ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] },
    {
      to: [{ namespaceSelector: nsSelector(net.gatewayNamespace), podSelector: { matchLabels: { app: "istiod" } } }],
      ports: [{ port: ISTIOD_PORT, protocol: "TCP" }],
    },
    { to: [{ ipBlock: { cidr: net.database.cidr } }], ports: [{ port: net.database.port, protocol: "TCP" }] },
  ];
  return [
    { role: "default-deny", spec: { podSelector, policyTypes: ["Ingress", "Egress"] } },
    { role: "allow", spec: { podSelector, policyTypes: ["Ingress", "Egress"], ingress, egress } },
  ];
}

/**
 * Who scrapes the app in each monitoring mode. Bundled Prometheus belongs to the Monitoring
 * component, which registers its own narrow allow (its pod labels are its business); the
 * operator's Prometheus lives in its own namespace; `none` scrapes nothing.
 */
export function metricsPeersFor(mode: "bundled" | "operator" | "none", opts: { prometheusNamespace: string }): MetricsPeer[] {
  return mode === "operator" ? [{ namespace: opts.prometheusNamespace }] : [];
}
