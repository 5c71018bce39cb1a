// Public HTTPS entry for the app: an Istio Gateway (HTTPS with HTTP redirected), the route to the
// app Service, traffic policy, strict mTLS in the app namespace, and the certificate behind it.
import * as pulumi from "@pulumi/pulumi";

/** TLS issuance for the public host. */
export interface GatewayTlsArgs {
  /** Which cert-manager ClusterIssuer signs the certificate. ACME issuers need `acmeEmail`. */
  issuer: "acme-staging" | "acme-production" | "self-signed";
  /** ACME account e-mail; required for the two ACME issuers. Default: none. */
  acmeEmail?: string;
  /** Install cert-manager itself (Helm chart from the internet). Default: false. */
  installCertManager?: boolean;
}

export interface IstioGatewayArgs {
  /** App name; prefixes every object name. */
  appName: string;
  /** Namespace of the app, its route and its PeerAuthentication. */
  namespace: pulumi.Input<string>;
  /** Public host name served over HTTPS. */
  host: string;
  /** Name of the app's ClusterIP Service. */
  serviceName: pulumi.Input<string>;
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

export class IstioGateway extends pulumi.ComponentResource {
  /** https://<host> */
  public readonly publicUrl: pulumi.Output<string>;
  /** Name of the Istio Gateway object (in the app namespace). */
  public readonly gatewayName: pulumi.Output<string>;
  /** Name of the TLS Secret cert-manager writes in the gateway namespace. */
  public readonly certificateSecretName: pulumi.Output<string>;

  constructor(name: string, args: IstioGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acv2:gateway:IstioGateway", name, {}, opts);
    // Placeholder until the builders land; the interface above is the agreed contract.
    this.publicUrl = pulumi.output(`https://${args.host}`);
    this.gatewayName = pulumi.output(`${args.appName}-gateway`);
    this.certificateSecretName = pulumi.output(`${args.appName}-tls`);
    this.registerOutputs({ publicUrl: this.publicUrl, gatewayName: this.gatewayName, certificateSecretName: this.certificateSecretName });
  }
}
