// Public HTTPS entry for the app: an Istio Gateway (HTTPS with HTTP redirected), the route to the
// app Service, traffic policy, strict mTLS in the app namespace, and the certificate behind it.
// The objects come from components/specs/gatewaySpecs.ts; this class only registers them.
import * as pulumi from "@pulumi/pulumi";
import * as kubernetes from "@pulumi/kubernetes";
import { resolveGatewayOptions, type GatewayBaseArgs } from "./specs/gatewayOptions";
import { canonicalJson, sha256Hex } from "./specs/appWorkload";
import { buildGatewayObjects, GATEWAY_KINDS, GATEWAY_ROLES, type CrObject, type GatewayRole } from "./specs/gatewaySpecs";

export type { GatewayTlsArgs, TlsIssuer } from "./specs/gatewayOptions";

export interface IstioGatewayArgs extends GatewayBaseArgs {
  /** Namespace of the app, its route and its PeerAuthentication. */
  namespace: pulumi.Input<string>;
  /** Name of the app's ClusterIP Service. */
  serviceName: pulumi.Input<string>;
  /**
   * Canary release: split the route between these DestinationRule subsets (stable 100, canary 0).
   * The Argo Rollout then writes the route weights and the subsets' hash labels, and re-writes them
   * on every sync, so a `pulumi up --refresh` that puts back 100/0 mid-release is undone within
   * seconds. Default: none (one destination, as for rolling and blueGreen).
   */
  canarySubsets?: { stable: string; canary: string };
}

export class IstioGateway extends pulumi.ComponentResource {
  /** https://<host> */
  public readonly publicUrl: pulumi.Output<string>;
  /** Name of the Istio Gateway object (in the app namespace). */
  public readonly gatewayName: pulumi.Output<string>;
  /** Name of the TLS Secret cert-manager writes in the gateway namespace. */
  public readonly certificateSecretName: pulumi.Output<string>;
  /** sha256 of every object it declares (Gateway, routes, traffic policy, mTLS, certificate): a gate trigger. */
  public readonly servingHash: pulumi.Output<string>;

  constructor(name: string, args: IstioGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acv2:gateway:IstioGateway", name, {}, opts);
    // Validate before anything is registered, so a bad arg fails the program with one message.
    const o = resolveGatewayOptions(args);
    const objects = pulumi
      .all([args.namespace, args.serviceName])
      .apply(([namespace, serviceName]) => buildGatewayObjects(o, { namespace, serviceName, ...(args.canarySubsets ? { subsets: args.canarySubsets } : {}) }));

    const certManager = o.tls.installCertManager ? this.installCertManager(name) : undefined;
    const registered = {} as Record<GatewayRole, kubernetes.apiextensions.CustomResource>;
    for (const role of GATEWAY_ROLES) {
      // Only metadata and spec wait for the namespace and Service.
      const obj = objects.apply((all) => all[role]);
      const dependsOn = certManager && (role === "issuer" || role === "certificate") ? [certManager] : [];
      registered[role] = new kubernetes.apiextensions.CustomResource(
        `${name}-${role}`,
        { ...GATEWAY_KINDS[role], metadata: obj.apply((x: CrObject) => x.metadata), spec: obj.apply((x: CrObject) => x.spec) },
        { parent: this, dependsOn },
      );
    }

    this.publicUrl = pulumi.output(`https://${o.host}`);
    this.gatewayName = registered.gateway.metadata.apply((m) => m.name);
    this.certificateSecretName = pulumi.output(o.names.certificateSecret);
    this.servingHash = objects.apply((all) => sha256Hex(canonicalJson(all)));
    this.registerOutputs({ publicUrl: this.publicUrl, gatewayName: this.gatewayName, certificateSecretName: this.certificateSecretName });
  }

  /**
   * Loaded only here: the package's provider plugin installs a Helm chart from the internet, which
   * dev and tests must never touch.
   */
  private installCertManager(name: string): pulumi.Resource {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CertManager } = require("@pulumi/kubernetes-cert-manager") as typeof import("@pulumi/kubernetes-cert-manager");
    return new CertManager(`${name}-cert-manager`, { installCRDs: true, helmOptions: { namespace: "cert-manager", createNamespace: true } }, { parent: this });
  }
}
