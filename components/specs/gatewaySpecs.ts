// Istio and cert-manager objects for the public route, built from resolved options. Pure: the
// IstioGateway component registers what these return, and tests validate them against the
// upstream CRD schemas (kubernetes-models).
import { ACME_SERVERS, type GatewayOptions } from "./gatewayOptions";

/** A custom resource as the Kubernetes API receives it. */
export interface CrObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  [field: string]: unknown;
}

/** Where the app is reached inside the cluster; known only once Pulumi resolves the inputs. */
export interface GatewayTarget {
  namespace: string;
  serviceName: string;
  /**
   * Canary release (components/specs/releaseSpecs.ts): the route splits between these two
   * DestinationRule subsets, stable at 100 and canary at 0 until an Argo Rollout moves them.
   * Absent (rolling, blueGreen): one destination, exactly as before.
   */
  subsets?: { stable: string; canary: string };
}

export const ISTIO_NETWORKING = "networking.istio.io/v1beta1";
export const ISTIO_SECURITY = "security.istio.io/v1beta1";
export const CERT_MANAGER = "cert-manager.io/v1";

/**
 * Transport-level failures only. Retrying on 5xx would hide the app's own errors from the
 * availability and performance checks, which must count them (DESIGN fault 2).
 */
export const RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,reset";

/** Conservative limits: enough for the performance check's load, small enough to shed a flood. */
export const CONNECTION_POOL = {
  tcp: { maxConnections: 200, connectTimeout: "3s" },
  http: { http1MaxPendingRequests: 200, http2MaxRequests: 1000, idleTimeout: "60s" },
};
export const OUTLIER_DETECTION = { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 };

/**
 * Response headers the security check requires. Set at the edge so they hold whatever the app
 * sends; Envoy's own `server` header is a mesh setting and cannot be removed per route.
 */
export const RESPONSE_HEADERS = {
  set: {
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
  },
  remove: ["x-powered-by", "x-envoy-upstream-service-time"],
};

function labels(o: GatewayOptions): Record<string, string> {
  return { "app.kubernetes.io/name": o.appName, "app.kubernetes.io/component": "gateway", "app.kubernetes.io/managed-by": "pulumi" };
}

export function serviceHost(t: GatewayTarget): string {
  return `${t.serviceName}.${t.namespace}.svc.cluster.local`;
}

/** HTTPS with the cert-manager Secret (TLS 1.2 at least); plain HTTP only ever redirects. */
export function buildGateway(o: GatewayOptions, t: GatewayTarget): CrObject {
  return {
    apiVersion: ISTIO_NETWORKING,
    kind: "Gateway",
    metadata: { name: o.names.gateway, namespace: t.namespace, labels: labels(o) },
    spec: {
      selector: o.gatewaySelector,
      servers: [
        {
          port: { number: 443, name: "https", protocol: "HTTPS" },
          hosts: [o.host],
          tls: { mode: "SIMPLE", credentialName: o.names.certificateSecret, minProtocolVersion: "TLSV1_2" },
        },
        {
          port: { number: 80, name: "http", protocol: "HTTP" },
          hosts: [o.host],
          tls: { httpsRedirect: true },
        },
      ],
    },
  };
}

export function buildVirtualService(o: GatewayOptions, t: GatewayTarget): CrObject {
  return {
    apiVersion: ISTIO_NETWORKING,
    kind: "VirtualService",
    metadata: { name: o.names.virtualService, namespace: t.namespace, labels: labels(o) },
    spec: {
      hosts: [o.host],
      gateways: [o.names.gateway],
      http: [
        {
          name: "app",
          route: t.subsets
            ? [
                { destination: { host: serviceHost(t), port: { number: o.servicePort }, subset: t.subsets.stable }, weight: 100 },
                { destination: { host: serviceHost(t), port: { number: o.servicePort }, subset: t.subsets.canary }, weight: 0 },
              ]
            : [{ destination: { host: serviceHost(t), port: { number: o.servicePort } } }],
          timeout: `${o.timeoutSeconds}s`,
          retries: { attempts: o.retries.attempts, perTryTimeout: `${o.retries.perTryTimeoutSeconds}s`, retryOn: RETRY_ON },
          headers: { response: RESPONSE_HEADERS },
        },
      ],
    },
  };
}

export function buildDestinationRule(o: GatewayOptions, t: GatewayTarget): CrObject {
  return {
    apiVersion: ISTIO_NETWORKING,
    kind: "DestinationRule",
    metadata: { name: o.names.destinationRule, namespace: t.namespace, labels: labels(o) },
    spec: {
      host: serviceHost(t),
      trafficPolicy: {
        tls: { mode: "ISTIO_MUTUAL" },
        connectionPool: CONNECTION_POOL,
        outlierDetection: OUTLIER_DETECTION,
      },
      // The Rollout writes each subset's rollouts-pod-template-hash label; the policy above applies to both.
      ...(t.subsets ? { subsets: [{ name: t.subsets.stable }, { name: t.subsets.canary }] } : {}),
    },
  };
}

/** Namespace-wide, so every pod there (the app and bundled monitoring) only speaks mTLS. */
export function buildPeerAuthentication(o: GatewayOptions, t: GatewayTarget): CrObject {
  return {
    apiVersion: ISTIO_SECURITY,
    kind: "PeerAuthentication",
    metadata: { name: o.names.peerAuthentication, namespace: t.namespace, labels: labels(o) },
    spec: { mtls: { mode: "STRICT" } },
  };
}

export function buildClusterIssuer(o: GatewayOptions): CrObject {
  const meta = { name: o.names.clusterIssuer, labels: labels(o) };
  if (o.tls.issuer === "self-signed") {
    return { apiVersion: CERT_MANAGER, kind: "ClusterIssuer", metadata: meta, spec: { selfSigned: {} } };
  }
  return {
    apiVersion: CERT_MANAGER,
    kind: "ClusterIssuer",
    metadata: meta,
    spec: {
      acme: {
        server: ACME_SERVERS[o.tls.issuer],
        email: o.tls.acmeEmail,
        privateKeySecretRef: { name: `${o.names.clusterIssuer}-account-key` },
        solvers: [{ http01: { ingress: { class: "istio" } } }],
      },
    },
  };
}

/**
 * Lives in the gateway namespace because Istio reads `credentialName` there. The temporary
 * certificate lets the HTTPS listener start before ACME finishes. Known Istio limit: with
 * `httpsRedirect` on port 80 the HTTP-01 challenge may be redirected too (istio/istio#33593).
 */
export function buildCertificate(o: GatewayOptions): CrObject {
  return {
    apiVersion: CERT_MANAGER,
    kind: "Certificate",
    metadata: {
      name: o.names.certificate,
      namespace: o.gatewayNamespace,
      labels: labels(o),
      annotations: { "cert-manager.io/issue-temporary-certificate": "true" },
    },
    spec: {
      secretName: o.names.certificateSecret,
      dnsNames: [o.host],
      issuerRef: { name: o.names.clusterIssuer, kind: "ClusterIssuer", group: "cert-manager.io" },
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      usages: ["server auth", "digital signature", "key encipherment"],
    },
  };
}

/** Every object the component declares, keyed by the role that suffixes its Pulumi name. */
export function buildGatewayObjects(o: GatewayOptions, t: GatewayTarget): Record<GatewayRole, CrObject> {
  return {
    gateway: buildGateway(o, t),
    route: buildVirtualService(o, t),
    traffic: buildDestinationRule(o, t),
    mtls: buildPeerAuthentication(o, t),
    issuer: buildClusterIssuer(o),
    certificate: buildCertificate(o),
  };
}

export const GATEWAY_ROLES = ["gateway", "route", "traffic", "mtls", "issuer", "certificate"] as const;
export type GatewayRole = (typeof GATEWAY_ROLES)[number];

/** Kind per role, known before the namespace and Service resolve (Pulumi needs them up front). */
export const GATEWAY_KINDS: Record<GatewayRole, { apiVersion: string; kind: string }> = {
  gateway: { apiVersion: ISTIO_NETWORKING, kind: "Gateway" },
  route: { apiVersion: ISTIO_NETWORKING, kind: "VirtualService" },
  traffic: { apiVersion: ISTIO_NETWORKING, kind: "DestinationRule" },
  mtls: { apiVersion: ISTIO_SECURITY, kind: "PeerAuthentication" },
  issuer: { apiVersion: CERT_MANAGER, kind: "ClusterIssuer" },
  certificate: { apiVersion: CERT_MANAGER, kind: "Certificate" },
};
