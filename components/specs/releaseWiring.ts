// What index.ts hands the release objects, derived from the stack config in one pure place, so
// the program stays wiring only and tests compute the same values.
import type { StackConfig } from "../../config/load";
import { BLUE_GREEN_DEFAULT_PAUSE_SECONDS, canaryStepsOf, type ReleaseConfig } from "../../config/sections/release";
import type { CanaryPlan } from "../gate/canary";
import { gatewayNames } from "./gatewayOptions";
import { DEFAULT_ALERTS, monitoringNames } from "./monitoringOptions";
import { PROMETHEUS_PORT } from "./monitoringPrometheus";
import { buildReleasePlan } from "./releasePlan";
import { CANARY_SUBSET, STABLE_SUBSET, analysisSpecOf, buildAnalysisTemplates, cohortLabel, type ReleaseTarget } from "./releaseSpecs";

/** The IstioGateway's extra arg: the subset split for canary, nothing otherwise (rolling stays byte-identical). */
export function canarySubsetsFor(r: Pick<ReleaseConfig, "strategy">): { canarySubsets?: { stable: string; canary: string } } {
  return r.strategy === "canary" || r.strategy === "abTest" ? { canarySubsets: { stable: STABLE_SUBSET, canary: CANARY_SUBSET } } : {};
}

/** The Prometheus HTTP API the AnalysisTemplates query, per monitoring mode; none without monitoring. */
export function prometheusAddressFor(m: StackConfig["monitoring"], appName: string, namespace: string): string | undefined {
  if (m.mode === "bundled") return `http://${monitoringNames(appName).prometheus}.${namespace}.svc.cluster.local:${PROMETHEUS_PORT}`;
  // The Prometheus operator's governing Service for every Prometheus it runs.
  if (m.mode === "operator") return `http://prometheus-operated.${m.prometheusNamespace}.svc.cluster.local:${PROMETHEUS_PORT}`;
  return undefined;
}

export type ReleaseTargetArgs = Omit<ReleaseTarget, "namespace" | "deploymentName" | "serviceName">;

export function releaseTargetFor(cfg: Pick<StackConfig, "app" | "gateway" | "monitoring" | "stack">): ReleaseTargetArgs {
  const appName = cfg.app.name;
  const namespace = cfg.app.namespace ?? appName;
  const selectorLabels = { "app.kubernetes.io/name": appName, "app.kubernetes.io/instance": cfg.stack };
  const names = gatewayNames(appName, cfg.gateway.host, cfg.gateway.tls.issuer);
  return {
    appName,
    selectorLabels,
    labels: { ...selectorLabels, "app.kubernetes.io/component": "release", "app.kubernetes.io/managed-by": "pulumi" },
    replicas: cfg.app.replicas,
    revisionHistoryLimit: cfg.app.revisionHistoryLimit,
    virtualServiceName: names.virtualService,
    destinationRuleName: names.destinationRule,
    prometheusAddress: prometheusAddressFor(cfg.monitoring, appName, namespace),
    metricsJob: monitoringNames(appName).job,
    // The alerts' thresholds and their component defaults (monitoringOptions).
    errorRateRatio: cfg.monitoring.alerts?.errorRateRatio ?? DEFAULT_ALERTS.errorRateRatio,
    p95LatencySeconds: cfg.monitoring.alerts?.p95LatencySeconds ?? DEFAULT_ALERTS.p95LatencySeconds,
  };
}

/** The gate's releasePlan input: what preview shows of a canary/blueGreen release; [] for rolling. */
export function releasePlanFor(cfg: Pick<StackConfig, "app" | "gateway" | "monitoring" | "stack" | "release" | "verification">): string[] {
  if (cfg.release.strategy === "rolling") return [];
  const t = releaseTargetFor(cfg);
  const templates = buildAnalysisTemplates(cfg.release, { ...t, namespace: "", deploymentName: "", serviceName: "" }).map((x) => x.metadata.name);
  const analysis = { ...analysisSourceFor(cfg), spec: analysisSpecOf(t) };
  return buildReleasePlan(cfg.release, { appName: t.appName, serviceName: t.appName, checks: cfg.verification.display.checks, analysisTemplates: templates, analysis });
}

/**
 * Where the gate sends the metric analysis's queries, said for the plan: release.analysisPrometheusUrl,
 * else the monitoring check's prometheusUrl (read by the gate from its own config at run time);
 * none without monitoring (nothing scrapes the app's pods).
 */
export function analysisSourceFor(cfg: Pick<StackConfig, "monitoring" | "release"> & { verification: { display: { checks: Array<{ name: string; type: string }> } } }): { queried: boolean; source: string } {
  if (cfg.monitoring.mode === "none") return { queried: false, source: "monitoring.mode is none" };
  if (cfg.release.analysisPrometheusUrl) return { queried: true, source: `Prometheus at ${new URL(cfg.release.analysisPrometheusUrl).host} (release.analysisPrometheusUrl)` };
  const check = cfg.verification.display.checks.find((c) => c.type === "monitoring");
  if (check) return { queried: true, source: `the ${check.name} check's Prometheus` };
  return { queried: false, source: "neither release.analysisPrometheusUrl nor a monitoring check names a Prometheus the gate can query" };
}

/** The gate's analysis input: undefined without monitoring. */
export function gateAnalysisFor(cfg: Pick<StackConfig, "app" | "gateway" | "monitoring" | "stack" | "release">): CanaryPlan["analysis"] {
  if (cfg.monitoring.mode === "none") return undefined;
  return {
    ...(cfg.release.analysisPrometheusUrl ? { prometheusUrl: cfg.release.analysisPrometheusUrl } : {}),
    spec: analysisSpecOf(releaseTargetFor(cfg)),
    intervalSeconds: cfg.release.analysisIntervalSeconds,
    failureLimit: cfg.release.failureLimit,
  };
}

/** The gate's progressive input: the Rollout it drives and the steps; undefined for rolling. */
export function gateProgressiveFor(cfg: Pick<StackConfig, "app" | "gateway" | "monitoring" | "stack" | "release">): CanaryPlan | undefined {
  const plan = progressivePlan(cfg);
  const analysis = plan && gateAnalysisFor(cfg);
  return plan && analysis ? { ...plan, analysis } : plan;
}

function progressivePlan(cfg: Pick<StackConfig, "app" | "release">): CanaryPlan | undefined {
  if (cfg.release.strategy === "rolling") return undefined;
  if (cfg.release.strategy === "blueGreen") {
    const bg = cfg.release.blueGreen;
    return {
      strategy: "blueGreen",
      rollout: cfg.app.name,
      // One step: the preview, at 0 % of users, watched pauseSeconds before the switch.
      steps: [{ setWeight: 0, pauseSeconds: bg?.pauseSeconds ?? BLUE_GREEN_DEFAULT_PAUSE_SECONDS }],
      leadingSteps: 0,
      ...(bg?.verifyBaseUrl ? { verifyBaseUrl: bg.verifyBaseUrl } : {}),
    };
  }
  if (cfg.release.strategy === "abTest") {
    const ab = cfg.release.abTest!;
    return {
      strategy: "abTest",
      rollout: cfg.app.name,
      // One step: the cohort on the candidate (no weighted traffic), for its analysis intervals.
      steps: [{ setWeight: 0, pauseSeconds: ab.intervals * cfg.release.analysisIntervalSeconds }],
      // setCanaryScale and setHeaderRoute come before the pause.
      leadingSteps: 1,
      verifyBaseUrl: ab.verifyBaseUrl,
      cohort: { label: cohortLabel(ab.cohort), maxErrorRatioIncrease: ab.maxErrorRatioIncrease, ...(ab.stableBaseUrl ? { stableBaseUrl: ab.stableBaseUrl } : {}) },
    };
  }
  return {
    strategy: "canary",
    rollout: cfg.app.name,
    steps: canaryStepsOf(cfg.release).map((s) => ({ setWeight: s.setWeight, pauseSeconds: s.pauseSeconds })),
    leadingSteps: cfg.release.canary?.headerRoute ? 1 : 0,
    ...(cfg.release.canary?.verifyBaseUrl ? { verifyBaseUrl: cfg.release.canary.verifyBaseUrl } : {}),
  };
}
