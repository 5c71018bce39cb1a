// The program: load the stack config once, then wire components. No logic lives here; every
// decision sits in config/ (what is valid) or components/ (what gets built).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config/load";
import { AppDeployment } from "./components/appDeployment";
import { Autoscaler } from "./components/autoscaler";
import { IstioGateway } from "./components/istioGateway";
import { Monitoring } from "./components/monitoring";
import { VerificationGate, gateJudgesRollout, gateMayRollBack, servingHashOf } from "./components/verificationGate";
import { metricsPeersFor } from "./components/specs/appPolicies";
import { ProgressiveRelease } from "./components/progressiveRelease";
import { canarySubsetsFor, gateProgressiveFor, releasePlanFor, releaseTargetFor } from "./components/specs/releaseWiring";

// Throws one ConfigError listing every problem before anything is registered.
const cfg = loadStackConfig();
const { app: appCfg, autoscaling, gateway: gatewayCfg, monitoring: monitoringCfg, kubernetes } = cfg;

// Render mode writes manifests instead of applying them; the dev stack uses it with KUBECONFIG unset.
const provider = new k8s.Provider("k8s", {
  renderYamlToDirectory: kubernetes.renderYamlToDirectory,
  context: kubernetes.context,
  namespace: kubernetes.namespace,
});
const opts: pulumi.ComponentResourceOptions = { providers: [provider] };

const app = new AppDeployment("app", {
  name: appCfg.name,
  namespace: appCfg.namespace ?? appCfg.name,
  createNamespace: appCfg.createNamespace,
  istioInjection: appCfg.istioInjection,
  image: appCfg.image,
  replicas: appCfg.replicas,
  autoscaling: autoscaling.enabled ? { minReplicas: autoscaling.minReplicas, maxReplicas: autoscaling.maxReplicas } : undefined,
  ...(cfg.release.strategy === "rolling" ? {} : { rolloutOwnsPods: true }),
  port: appCfg.port,
  resources: appCfg.resources,
  env: appCfg.env,
  secretEnv: {
    ...(cfg.secrets.databaseUrl ? { DATABASE_URL: cfg.secrets.databaseUrl } : {}),
    ...(cfg.secrets.apiToken ? { API_TOKEN: cfg.secrets.apiToken } : {}),
  },
  progressDeadlineSeconds: appCfg.progressDeadlineSeconds,
  awaitRollout: !gateJudgesRollout(cfg.verification.display),
  forceApply: gateMayRollBack(cfg.verification.display),
  revisionHistoryLimit: appCfg.revisionHistoryLimit,
  scheduling: appCfg.scheduling,
  pdbMinAvailable: appCfg.podDisruptionBudget.minAvailable,
  instance: cfg.stack,
  network: {
    gatewayNamespace: gatewayCfg.gatewayNamespace,
    gatewaySelector: gatewayCfg.gatewaySelector,
    metricsPeers: metricsPeersFor(monitoringCfg.mode, { prometheusNamespace: monitoringCfg.prometheusNamespace }),
    database: appCfg.database,
  },
}, opts);

const autoscaler = autoscaling.enabled
  ? new Autoscaler("autoscaler", {
      namespace: app.namespace,
      deploymentName: app.deploymentName,
      hpaName: appCfg.name,
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      targetCpuUtilization: autoscaling.targetCpuUtilization,
      targetMemoryUtilization: autoscaling.targetMemoryUtilization,
      scaleDownStabilizationSeconds: autoscaling.scaleDownStabilizationSeconds,
    }, opts)
  : undefined;

const gateway = new IstioGateway("gateway", {
  appName: appCfg.name,
  namespace: app.namespace,
  host: gatewayCfg.host,
  serviceName: app.serviceName,
  servicePort: app.servicePort,
  gatewayNamespace: gatewayCfg.gatewayNamespace,
  gatewaySelector: gatewayCfg.gatewaySelector,
  tls: gatewayCfg.tls,
  timeoutSeconds: gatewayCfg.timeoutSeconds,
  retries: gatewayCfg.retries,
  ...canarySubsetsFor(cfg.release),
}, opts);

const monitoring = new Monitoring("monitoring", {
  mode: monitoringCfg.mode,
  namespace: app.namespace,
  appName: appCfg.name,
  appLabels: app.labels,
  appPort: app.containerPort,
  scrapeIntervalSeconds: monitoringCfg.scrapeIntervalSeconds,
  retention: monitoringCfg.retention,
  hpaName: autoscaler ? appCfg.name : undefined,
  maxReplicas: autoscaling.enabled ? autoscaling.maxReplicas : appCfg.replicas,
  grafanaAdminPassword: cfg.secrets.grafanaAdminPassword,
  // dev holds no secrets (render mode writes them to disk), so its Grafana is read-only without a
  // login unless a password is set; elsewhere one is generated when none is configured.
  grafanaAuth: cfg.secrets.grafanaAdminPassword || cfg.environment !== "dev" ? "admin-password" : "anonymous-viewer",
  generateAdminPassword: cfg.environment !== "dev",
  alerts: monitoringCfg.alerts,
}, opts);

// canary/blueGreen only (issue 13, in progress): an Argo Rollout takes over the Deployment's pods.
const progressive = cfg.release.strategy !== "rolling"
  ? new ProgressiveRelease("release", {
      release: cfg.release,
      ...releaseTargetFor(cfg),
      namespace: app.namespace,
      deploymentName: app.deploymentName,
      serviceName: app.serviceName,
    }, { ...opts, dependsOn: [app, gateway] })
  : undefined;

// ---- Verification gate: registered LAST, after every other component ----------------------
// It runs the suite against what the components above deployed and fails `pulumi up` when a
// blocking check does not pass. It re-runs when the image, the Deployment spec, what serves
// traffic (Service, NetworkPolicy, Istio objects, HPA) or its own config changes (the triggers
// below). Its Kubernetes checks and rollback use the provider's kubeconfig and context.
const gate = cfg.verification.display.enabled
  ? new VerificationGate("verification", {
      config: cfg.verification.value,
      imageRef: app.imageRef,
      specHash: app.specHash,
      servingHash: servingHashOf([app.servingHash, gateway.servingHash, autoscaler?.specHash, ...(progressive ? [progressive.servingHash] : [])]),
      target: { namespace: app.namespace, deployment: app.deploymentName, context: kubernetes.context },
      stack: cfg.stack,
      renderDir: kubernetes.renderYamlToDirectory,
      releasePlan: releasePlanFor(cfg),
      progressive: gateProgressiveFor(cfg),
    }, { ...opts, dependsOn: [app, gateway, monitoring, ...(autoscaler ? [autoscaler] : []), ...(progressive ? [progressive] : [])] })
  : undefined;
// ---- end of verification gate ---------------------------------------------------------------

export const publicUrl = gateway.publicUrl;
export const namespace = app.namespace;
export const deploymentName = app.deploymentName;
export const imageRef = app.imageRef;
export const grafanaUrl = monitoring.grafanaUrl;
/** Secret: `pulumi stack output grafanaAdminPassword --show-secrets` (generated unless configured). */
export const grafanaAdminPassword = monitoring.grafanaAdminPassword;
export const monitoringMode = monitoring.mode;
/** What the gate will check (names and types; credentials masked when the config is secret). */
export const verificationPlan = cfg.verification.display.checks.map((c) => `${c.name} (${c.type})`);
export const verification = gate ? gate.summary : undefined;
