// Defaults and validation for IstioGateway, pure so tests call them without Pulumi. Rules that
// need only this component's own fields live here; the stack schema repeats the user-facing ones
// so a bad stack file is rejected before any component is built.
import { ConfigError } from "../../config/errors";

export type TlsIssuer = "acme-staging" | "acme-production" | "self-signed";

/** TLS issuance for the public host. */
export interface GatewayTlsArgs {
  /** Which cert-manager ClusterIssuer signs the certificate. ACME issuers need `acmeEmail`. */
  issuer: TlsIssuer;
  /** ACME account e-mail; required for the two ACME issuers. Default: none. */
  acmeEmail?: string;
  /** Install cert-manager itself (Helm chart from the internet). Default: false. */
  installCertManager?: boolean;
}

/** The IstioGateway fields that are plain values (everything but namespace and serviceName). */
export interface GatewayBaseArgs {
  /** App name; prefixes every object name. */
  appName: string;
  /** Public host name served over HTTPS. */
  host: string;
  /** Port of the app's Service. */
  servicePort: number;
  /** Namespace of the ingress gateway pods, where the certificate Secret must live. Default: "istio-system". */
  gatewayNamespace?: string;
  /** Labels selecting the ingress gateway pods. Default: { istio: "ingressgateway" }. */
  gatewaySelector?: Record<string, string>;
  tls: GatewayTlsArgs;
  /** Whole-request timeout on the route. Default: 15. */
  timeoutSeconds?: number;
  /** Retries on the route. Default: 3 attempts, 5 s per try. */
  retries?: { attempts?: number; perTryTimeoutSeconds?: number };
}

/** GatewayBaseArgs with every default applied and every rule checked. */
export interface GatewayOptions {
  appName: string;
  host: string;
  servicePort: number;
  gatewayNamespace: string;
  gatewaySelector: Record<string, string>;
  tls: { issuer: TlsIssuer; acmeEmail?: string; installCertManager: boolean };
  timeoutSeconds: number;
  retries: { attempts: number; perTryTimeoutSeconds: number };
  /** Object names derived once so every builder and output agrees on them. */
  names: GatewayNames;
}

export interface GatewayNames {
  /** Istio Gateway, VirtualService, DestinationRule and PeerAuthentication (app namespace). */
  gateway: string;
  virtualService: string;
  destinationRule: string;
  peerAuthentication: string;
  /** ClusterIssuer (cluster-scoped). */
  clusterIssuer: string;
  /** Certificate and the Secret it writes (gateway namespace). */
  certificate: string;
  certificateSecret: string;
}

export const ACME_SERVERS: Record<Exclude<TlsIssuer, "self-signed">, string> = {
  "acme-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
  "acme-production": "https://acme-v02.api.letsencrypt.org/directory",
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isHostname(h: string): boolean {
  return h.length <= 253 && h.split(".").length >= 2 && h.split(".").every((l) => l.length <= 63 && DNS_LABEL.test(l));
}

/**
 * Names that cannot collide when staging and production share one cluster: the Secret and the
 * Certificate sit in the shared gateway namespace and the ClusterIssuer is cluster-wide, so
 * they carry the host; the rest live in the app's own namespace.
 */
export function gatewayNames(appName: string, host: string, issuer: TlsIssuer): GatewayNames {
  const hostSlug = host.replace(/\./g, "-");
  return {
    gateway: `${appName}-gateway`,
    virtualService: `${appName}-route`,
    destinationRule: `${appName}-traffic`,
    peerAuthentication: `${appName}-mtls`,
    clusterIssuer: `${appName}-${hostSlug}-${issuer}`,
    certificate: `${appName}-${hostSlug}`,
    certificateSecret: `${appName}-${hostSlug}-tls`,
  };
}

/** Applies defaults and checks rules; throws one ConfigError naming every bad field. */
export function resolveGatewayOptions(args: GatewayBaseArgs): GatewayOptions {
  const problems: string[] = [];
  const timeoutSeconds = args.timeoutSeconds ?? 15;
  const attempts = args.retries?.attempts ?? 3;
  const perTryTimeoutSeconds = args.retries?.perTryTimeoutSeconds ?? 5;
  const gatewayNamespace = args.gatewayNamespace ?? "istio-system";
  const gatewaySelector = args.gatewaySelector ?? { istio: "ingressgateway" };
  const issuer = args.tls?.issuer;

  if (!DNS_LABEL.test(args.appName ?? "") || args.appName.length > 40) problems.push("appName: must be a DNS label of at most 40 characters");
  if (!isHostname(args.host ?? "")) problems.push("host: must be a lowercase DNS name with at least two labels and no wildcard");
  if (!Number.isInteger(args.servicePort) || args.servicePort < 1 || args.servicePort > 65535) problems.push("servicePort: must be an integer from 1 to 65535");
  if (!DNS_LABEL.test(gatewayNamespace)) problems.push("gatewayNamespace: must be a DNS label");
  if (Object.keys(gatewaySelector).length === 0) problems.push("gatewaySelector: must hold at least one label");
  if (!issuer || !["acme-staging", "acme-production", "self-signed"].includes(issuer)) {
    problems.push('tls.issuer: must be one of "acme-staging", "acme-production", "self-signed"');
  } else if (issuer !== "self-signed") {
    if (!args.tls.acmeEmail) problems.push(`tls.acmeEmail: is required when tls.issuer is "${issuer}"`);
    else if (!EMAIL.test(args.tls.acmeEmail)) problems.push("tls.acmeEmail: must be an e-mail address");
  }
  if (!(timeoutSeconds > 0)) problems.push("timeoutSeconds: must be > 0");
  if (!Number.isInteger(attempts) || attempts < 0) problems.push("retries.attempts: must be an integer >= 0");
  if (!(perTryTimeoutSeconds > 0)) problems.push("retries.perTryTimeoutSeconds: must be > 0");
  else if (perTryTimeoutSeconds > timeoutSeconds) problems.push("retries.perTryTimeoutSeconds: must be <= timeoutSeconds");
  if (problems.length > 0) throw new ConfigError(problems, "invalid IstioGateway args");

  return {
    appName: args.appName,
    host: args.host,
    servicePort: args.servicePort,
    gatewayNamespace,
    gatewaySelector,
    tls: { issuer, acmeEmail: args.tls.acmeEmail, installCertManager: args.tls.installCertManager ?? false },
    timeoutSeconds,
    retries: { attempts, perTryTimeoutSeconds },
    names: gatewayNames(args.appName, args.host, issuer),
  };
}
