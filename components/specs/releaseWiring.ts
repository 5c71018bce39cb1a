// What index.ts hands the release objects, derived from the stack config in one pure place, so
// the program stays wiring only and tests compute the same values.
import type { StackConfig } from "../../config/load";
import { BLUE_GREEN_DEFAULT_PAUSE_SECONDS, canaryStepsOf, type ReleaseConfig } from "../../config/sections/release";
import type { CanaryPlan } from "../gate/canary";
import { gatewayNames } from "./gatewayOptions";
import { monitoringNames } from "./monitoringOptions";
import { PROMETHEUS_PORT } from "./monitoringPrometheus";
import { buildReleasePlan } from "./releasePlan";
import { CANARY_SUBSET, STABLE_SUBSET, buildAnalysisTemplates, cohortLabel, type ReleaseTarget } from "./releaseSpecs";

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
    // The error-rate alert's threshold and its component default (monitoringOptions).
    errorRateRatio: cfg.monitoring.alerts?.errorRateRatio ?? 0.05,
  };
}

/** The gate's releasePlan input: what preview shows of a canary/blueGreen release; [] for rolling. */
export function releasePlanFor(cfg: Pick<StackConfig, "app" | "gateway" | "monitoring" | "stack" | "release" | "verification">): string[] {
  if (cfg.release.strategy === "rolling") return [];
  const t = releaseTargetFor(cfg);
  const templates = buildAnalysisTemplates(cfg.release, { ...t, namespace: "", deploymentName: "", serviceName: "" }).map((x) => x.metadata.name);
  return buildReleasePlan(cfg.release, { appName: t.appName, serviceName: t.appName, checks: cfg.verification.display.checks, analysisTemplates: templates });
}

/** The gate's progressive input: the Rollout it drives and the steps; undefined for rolling. */
export function gateProgressiveFor(cfg: Pick<StackConfig, "app" | "release">): CanaryPlan | undefined {
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
