// The app itself: Namespace, ServiceAccount, env ConfigMap/Secret, Deployment, Service, PDB and
// NetworkPolicies. Specs come from pure builders in specs/; this class only registers them.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolveAppOptions, type AppDeploymentArgs } from "./specs/appOptions";
import { buildDeploymentAnnotations, buildDeploymentSpec, buildServiceAnnotations, canonicalJson, envSourceNames, sha256Hex } from "./specs/appWorkload";
import { SERVICE_PORT, buildNamespaceLabels, buildNetworkPolicies, buildPdbSpec, buildServiceSpec } from "./specs/appPolicies";

export type { AppDeploymentArgs } from "./specs/appOptions";

export class AppDeployment extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  public readonly deploymentName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  /** Port of the ClusterIP Service (80, forwarding to the container's `http` port). */
  public readonly servicePort: number;
  /** Container port serving /health and /metrics. */
  public readonly containerPort: number;
  public readonly imageRef: pulumi.Output<string>;
  /** sha256 of the Deployment spec; secret when the spec carries a secret-derived checksum. */
  public readonly specHash: pulumi.Output<string>;
  /** sha256 of the Service and NetworkPolicy specs: what routes traffic to the pods (a gate trigger). */
  public readonly servingHash: pulumi.Output<string>;
  /** Selector labels of the app pods (stable for the Deployment's life). */
  public readonly labels: Record<string, string>;

  constructor(name: string, args: AppDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acv2:app:AppDeployment", name, {}, opts);
    const o = resolveAppOptions(args);
    const child = { parent: this };
    const meta = (objName: string, namespace: pulumi.Input<string>) => ({ name: objName, namespace, labels: o.labels });

    const ns = o.createNamespace
      ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: o.namespace, labels: buildNamespaceLabels(o) } }, child)
      : undefined;
    const namespace: pulumi.Output<string> = ns ? ns.metadata.name : pulumi.output(o.namespace);

    const sa = new k8s.core.v1.ServiceAccount(`${name}-serviceaccount`, {
      metadata: meta(o.name, namespace),
      automountServiceAccountToken: false,
    }, child);

    const names = envSourceNames(o);
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(names.configMap, namespace), data: o.env }, child);
    const hasSecretEnv = Object.keys(o.secretEnv).length > 0;
    const secret = hasSecretEnv
      ? new k8s.core.v1.Secret(`${name}-secret`, {
          metadata: meta(names.secret, namespace),
          type: "Opaque",
          // stringData keeps the values as the secret Outputs they arrived as.
          stringData: o.secretEnv,
        }, child)
      : undefined;

    // The hash covers secret values, so it is kept secret: a bare sha256 of a short password
    // could be brute-forced offline from state. The SDK lifts a nested secret to its top-level
    // input, so with secrets present the whole Deployment spec is secret in state and preview
    // diffs (`pulumi preview --show-secrets` shows it); dev, which holds no secrets, stays plain.
    const checksum = pulumi
      .all([pulumi.output(o.env), pulumi.output(o.secretEnv)])
      .apply(([env, sec]) => sha256Hex(canonicalJson({ env, secret: sec })));
    const spec = buildDeploymentSpec(o, hasSecretEnv ? pulumi.secret(checksum) : checksum);

    const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
      metadata: { ...meta(o.name, namespace), annotations: buildDeploymentAnnotations(o) },
      spec,
    }, { ...child, dependsOn: [sa, configMap, ...(secret ? [secret] : [])] });

    const serviceSpec = buildServiceSpec(o);
    // Under an Argo Rollout the controller owns this Service's selector (blueGreen switches it), and
    // re-applying the Service would conflict with it under server-side apply: nothing in it may change
    // per release, so it carries no version label.
    const { ["app.kubernetes.io/version"]: _version, ...unversioned } = o.labels;
    const service = new k8s.core.v1.Service(`${name}-service`, {
      metadata: { name: o.name, namespace, labels: o.rolloutOwnsPods ? unversioned : o.labels, annotations: buildServiceAnnotations(o) },
      spec: serviceSpec,
    }, child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(o.name, namespace), spec: buildPdbSpec(o) }, child);
    const networkPolicies = buildNetworkPolicies(o);
    for (const policy of networkPolicies) {
      new k8s.networking.v1.NetworkPolicy(`${name}-netpol-${policy.role}`, {
        metadata: meta(`${o.name}-${policy.role}`, namespace),
        spec: policy.spec,
      }, child);
    }

    this.namespace = namespace;
    this.deploymentName = deployment.metadata.name;
    this.serviceName = service.metadata.name;
    this.servicePort = SERVICE_PORT;
    this.containerPort = o.port;
    this.imageRef = pulumi.output(o.imageRef);
    this.specHash = pulumi.output(spec).apply((s) => sha256Hex(canonicalJson(s)));
    this.servingHash = pulumi.output({ service: serviceSpec, networkPolicies }).apply((v) => sha256Hex(canonicalJson(v)));
    this.labels = o.selectorLabels;
    this.registerOutputs({
      namespace: this.namespace,
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      imageRef: this.imageRef,
      specHash: this.specHash,
      servingHash: this.servingHash,
      labels: this.labels,
    });
  }
}
