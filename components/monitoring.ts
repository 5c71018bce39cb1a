// Metrics and alerts for the app: our own Prometheus + Grafana ("bundled"), objects for an
// existing kube-prometheus-stack ("operator"), or nothing ("none"). The objects come from
// components/specs/monitoring*.ts; this class only registers them.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { resolveMonitoringOptions, type MonitoringBaseArgs, type MonitoringMode } from "./specs/monitoringOptions";
import { adminSecretShell, buildMonitoringObjects, GRAFANA_PASSWORD_KEY, monitoringPlan, needsAdminSecret, type PlannedObject } from "./specs/monitoringObjects";
import { clusterHost, PROMETHEUS_PORT } from "./specs/monitoringPrometheus";
import { GRAFANA_PORT } from "./specs/monitoringGrafana";
import type { K8sObject } from "./specs/monitoringPosture";
import { GeneratedPassword } from "./generatedPassword";

export type { MonitoringAlertArgs, MonitoringMode, GrafanaAuth, MonitoringImages } from "./specs/monitoringOptions";

export interface MonitoringArgs extends MonitoringBaseArgs {
  /** Namespace for the monitoring objects (the app's namespace). */
  namespace: pulumi.Input<string>;
  /** Grafana admin password (secret); required for bundled unless grafanaAuth is "anonymous-viewer". Default: none. */
  grafanaAdminPassword?: pulumi.Input<string>;
  /**
   * When Grafana needs an admin password and none is given, generate one once and keep it as a
   * secret in state (a GeneratedPassword child). Default: false (a password is then required).
   */
  generateAdminPassword?: boolean;
}

type Fields = Record<string, pulumi.Output<unknown>>;
type Register = (name: string, p: PlannedObject, fields: Fields, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** One constructor per kind the builders emit; a new kind fails loudly here, not in the cluster. */
const REGISTER: Record<string, Register> = {
  ConfigMap: (n, _p, f, o) => new k8s.core.v1.ConfigMap(n, f as k8s.core.v1.ConfigMapArgs, o),
  Service: (n, _p, f, o) => new k8s.core.v1.Service(n, f as k8s.core.v1.ServiceArgs, o),
  ServiceAccount: (n, _p, f, o) => new k8s.core.v1.ServiceAccount(n, f as k8s.core.v1.ServiceAccountArgs, o),
  Deployment: (n, _p, f, o) => new k8s.apps.v1.Deployment(n, f as k8s.apps.v1.DeploymentArgs, o),
  Role: (n, _p, f, o) => new k8s.rbac.v1.Role(n, f as k8s.rbac.v1.RoleArgs, o),
  RoleBinding: (n, _p, f, o) => new k8s.rbac.v1.RoleBinding(n, f as unknown as k8s.rbac.v1.RoleBindingArgs, o),
  NetworkPolicy: (n, _p, f, o) => new k8s.networking.v1.NetworkPolicy(n, f as k8s.networking.v1.NetworkPolicyArgs, o),
  ServiceMonitor: (n, p, f, o) => new k8s.apiextensions.CustomResource(n, { apiVersion: p.apiVersion, kind: p.kind, ...f }, o),
  PrometheusRule: (n, p, f, o) => new k8s.apiextensions.CustomResource(n, { apiVersion: p.apiVersion, kind: p.kind, ...f }, o),
};

export class Monitoring extends pulumi.ComponentResource {
  public readonly mode: pulumi.Output<MonitoringMode>;
  /** In-cluster Prometheus URL (bundled only). */
  public readonly prometheusUrl: pulumi.Output<string | undefined>;
  /** In-cluster Grafana URL (bundled only). */
  public readonly grafanaUrl: pulumi.Output<string | undefined>;
  /** The Grafana admin password, given or generated (a secret Output); undefined when Grafana has no admin login. */
  public readonly grafanaAdminPassword: pulumi.Output<string | undefined>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acv2:monitoring:Monitoring", name, {}, opts);
    // Validate before anything is registered; only the presence of the password is looked at.
    const o = resolveMonitoringOptions(args, args.grafanaAdminPassword !== undefined || args.generateAdminPassword === true);
    const namespace = pulumi.output(args.namespace);
    const objects = namespace.apply((ns) => buildMonitoringObjects(o, ns));

    let adminSecret: k8s.core.v1.Secret | undefined;
    let password: pulumi.Output<string> | undefined;
    if (needsAdminSecret(o)) {
      // A configured password wins; the generated one exists only while none is configured.
      password = pulumi.secret(args.grafanaAdminPassword ?? new GeneratedPassword(`${name}-grafana-password`, {}, { parent: this }).password);
      const shell = adminSecretShell(o);
      adminSecret = new k8s.core.v1.Secret(
        `${name}-grafana-admin`,
        {
          metadata: { ...shell.metadata, namespace: args.namespace },
          type: shell.type,
          // Straight from the Output into stringData; wrapped here too (the SDK also wraps Secret data)
          // so it is secret before it reaches any other code, even when given as a plain string.
          stringData: { [GRAFANA_PASSWORD_KEY]: password },
        },
        { parent: this },
      );
    }

    for (const p of monitoringPlan(o)) {
      const obj = objects.apply((all): K8sObject => all[p.role]);
      const fields: Fields = Object.fromEntries(p.fields.map((f) => [f, obj.apply((x) => x[f])]));
      const dependsOn = adminSecret && p.role === "grafana" ? [adminSecret] : [];
      REGISTER[p.kind](`${name}-${p.role}`, p, fields, { parent: this, dependsOn });
    }

    const bundled = o.mode === "bundled";
    this.mode = pulumi.output(o.mode);
    this.prometheusUrl = bundled ? namespace.apply((ns) => `http://${clusterHost(o.names.prometheus, ns)}:${PROMETHEUS_PORT}`) : pulumi.output(undefined);
    this.grafanaUrl = bundled ? namespace.apply((ns) => `http://${clusterHost(o.names.grafana, ns)}:${GRAFANA_PORT}`) : pulumi.output(undefined);
    this.grafanaAdminPassword = password ?? pulumi.output(undefined);
    this.registerOutputs({ mode: this.mode, prometheusUrl: this.prometheusUrl, grafanaUrl: this.grafanaUrl, grafanaAdminPassword: this.grafanaAdminPassword });
  }
}
