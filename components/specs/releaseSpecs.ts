// Argo Rollouts objects for the canary, blueGreen and abTest release strategies (issue 13, point 2), as
// plain data: components/progressiveRelease.ts registers what these return and the unit tests
// validate them against the upstream schemas (@kubernetes-models/argo-rollouts, istio).
//
// Traffic: the subset approach. The Rollout steers the weights of the EXISTING VirtualService
// route ("app") between two subsets of the EXISTING DestinationRule, both on the one app
// Service. Chosen over two extra Services because the Service the gate, the NetworkPolicies and
// the metrics already target stays the one that serves, and the DestinationRule's mTLS,
// connection pool and outlier detection apply to both subsets unchanged. The controller writes
// the subsets' `rollouts-pod-template-hash` labels and the route weights; nothing else.
//
// Promotion: every canary pause is indefinite (`pause: {}`) and blueGreen has
// autoPromotionEnabled false, so nothing in the cluster promotes on its own. The gate promotes
// step by step (components/gate/canary.ts), after watching each step pauseSeconds and verifying
// the new version. abTest is a canary Rollout with one pause and no weighted traffic: the cohort's
// header route only.
import type { CanaryStep, Cohort, ReleaseConfig } from "../../config/sections/release";
import { canaryStepsOf } from "../../config/sections/release";
import type { CrObject } from "./gatewaySpecs";
import { analysisMetrics, type AnalysisMetric, type AnalysisSpec } from "./releaseAnalysis";

export const ARGO_ROLLOUTS = "argoproj.io/v1alpha1";
export const STABLE_SUBSET = "stable";
export const CANARY_SUBSET = "canary";
/** The VirtualService route the Rollout steers (gatewaySpecs names it "app"). */
export const ROUTE_NAME = "app";
export const HEADER_ROUTE_NAME = "canary-header";
/** abTest: the managed route that sends the cohort to the candidate. */
export const COHORT_ROUTE_NAME = "ab-cohort";
/** abTest: candidate pods while the cohort runs (the weighted route gives them no other traffic). */
export const COHORT_REPLICAS = 1;

export type ProgressiveStrategy = Exclude<ReleaseConfig["strategy"], "rolling">;

export interface ReleaseTarget {
  appName: string;
  namespace: string;
  deploymentName: string;
  /** The app's ClusterIP Service (blueGreen's active Service). */
  serviceName: string;
  /** Selector labels of the app pods. */
  selectorLabels: Record<string, string>;
  /** Labels put on every object. */
  labels: Record<string, string>;
  replicas: number;
  revisionHistoryLimit: number;
  virtualServiceName: string;
  destinationRuleName: string;
  /** Prometheus HTTP API the AnalysisTemplates query; none: no templates. */
  prometheusAddress?: string;
  /** Prometheus job of the app's series. */
  metricsJob: string;
  /** Error ratio margin of the canary over stable (the error-rate alert's threshold). */
  errorRateRatio: number;
  /** A canary p95 at or under this passes whatever stable's is (the latency alert's threshold). */
  p95LatencySeconds: number;
}

type ServiceObject = { apiVersion: "v1"; kind: "Service"; metadata: CrObject["metadata"]; spec: Record<string, unknown> };

export interface ReleaseObjects {
  rollout: CrObject;
  /** blueGreen only. */
  previewService?: ServiceObject;
  /** canary only: reaches only the new version's pods (the controller adds the pod-template hash to its selector). */
  canaryService?: ServiceObject;
  /** abTest only: reaches only stable's pods (the controller adds stable's pod-template hash), for the cohort's comparison. */
  stableService?: ServiceObject;
  analysisTemplates: CrObject[];
}

/** The Rollout's steps: each configured weight, then a pause only a promotion ends. */
export function canarySteps(steps: CanaryStep[], headerRoute?: { name: string; value: string }): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (headerRoute) {
    out.push({ setHeaderRoute: { name: HEADER_ROUTE_NAME, match: [{ headerName: headerRoute.name, headerValue: { exact: headerRoute.value } }] } });
  }
  for (const s of steps) out.push({ setWeight: s.setWeight }, { pause: {} });
  return out;
}

/** RE2 (Istio/Envoy) escaping: every character outside [A-Za-z0-9_] that could be a metacharacter. */
function re2Escape(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}-]/g, "\\$&");
}

/** The header match of a cohort: a header's exact value, or one cookie in the Cookie header (RE2, whole-value match). */
export function cohortMatch(c: Cohort): Record<string, unknown> {
  if (c.header) return { headerName: c.header.name, headerValue: { exact: c.header.value } };
  const k = c.cookie!;
  return { headerName: "cookie", headerValue: { regex: `^(.*;\\s*)?${re2Escape(k.name)}=${re2Escape(k.value)}(;.*)?$` } };
}

/** How the plan and the gate name a cohort. */
export function cohortLabel(c: Cohort): string {
  return c.header ? `header ${c.header.name}: ${c.header.value}` : `cookie ${c.cookie!.name}=${c.cookie!.value}`;
}

/**
 * abTest: candidate pods at a fixed scale, the cohort's route, then one pause the gate ends
 * (promotion to 100 %, which removes the managed route) or aborts. No weighted traffic at all.
 */
export function abTestSteps(c: Cohort): Array<Record<string, unknown>> {
  return [
    { setCanaryScale: { replicas: COHORT_REPLICAS } },
    { setHeaderRoute: { name: COHORT_ROUTE_NAME, match: [cohortMatch(c)] } },
    { pause: {} },
  ];
}

export function canaryServiceName(appName: string): string {
  return `${appName}-canary`;
}

export function stableServiceName(appName: string): string {
  return `${appName}-stable`;
}

export function previewServiceName(r: Pick<ReleaseConfig, "blueGreen">, appName: string): string {
  return r.blueGreen?.previewService ?? `${appName}-preview`;
}

function strategySpec(r: ReleaseConfig, t: ReleaseTarget): Record<string, unknown> {
  if (r.strategy === "blueGreen") {
    return {
      blueGreen: {
        activeService: t.serviceName,
        previewService: previewServiceName(r, t.appName),
        autoPromotionEnabled: false,
        scaleDownDelaySeconds: 30,
      },
    };
  }
  const headerRoute = r.canary?.headerRoute;
  const managed = r.strategy === "abTest" ? COHORT_ROUTE_NAME : headerRoute ? HEADER_ROUTE_NAME : undefined;
  return {
    canary: {
      trafficRouting: {
        istio: {
          virtualService: { name: t.virtualServiceName, routes: [ROUTE_NAME] },
          destinationRule: { name: t.destinationRuleName, stableSubsetName: STABLE_SUBSET, canarySubsetName: CANARY_SUBSET },
        },
        ...(managed ? { managedRoutes: [{ name: managed }] } : {}),
      },
      // Not used for routing (the subsets are): the gate's per-step checks reach the new
      // version through it, where no mesh routes the header (canary.verifyBaseUrl).
      canaryService: canaryServiceName(t.appName),
      // abTest: the comparison's stable side (release.abTest.stableBaseUrl); routing stays the subsets'.
      ...(r.strategy === "abTest" ? { stableService: stableServiceName(t.appName) } : {}),
      steps: r.strategy === "abTest" ? abTestSteps(r.abTest!.cohort) : canarySteps(canaryStepsOf(r), headerRoute),
    },
  };
}

/** The Rollout: takes over the Deployment's pod template (workloadRef) and scales it down as it becomes healthy. */
export function buildRollout(r: ReleaseConfig, t: ReleaseTarget): CrObject {
  return {
    apiVersion: ARGO_ROLLOUTS,
    kind: "Rollout",
    metadata: { name: t.appName, namespace: t.namespace, labels: t.labels },
    spec: {
      replicas: t.replicas,
      revisionHistoryLimit: t.revisionHistoryLimit,
      selector: { matchLabels: t.selectorLabels },
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: t.deploymentName, scaleDown: "progressively" },
      strategy: strategySpec(r, t),
    },
  };
}

/** A ClusterIP Service over the app's pods that the controller narrows to one version. */
function versionService(name: string, t: ReleaseTarget): ServiceObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: t.namespace, labels: t.labels },
    spec: {
      type: "ClusterIP",
      selector: t.selectorLabels,
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
    },
  };
}

/** blueGreen: the Service that reaches the new version before promotion (in-cluster only). */
export function buildPreviewService(r: ReleaseConfig, t: ReleaseTarget): ServiceObject {
  return versionService(previewServiceName(r, t.appName), t);
}

/** canary: the Service that reaches only the canary's pods (in-cluster only). */
export function buildCanaryService(t: ReleaseTarget): ServiceObject {
  return versionService(canaryServiceName(t.appName), t);
}

const HASH_ARGS = [{ name: "canary-hash" }, { name: "stable-hash" }];

function template(r: ReleaseConfig, t: ReleaseTarget, m: AnalysisMetric): CrObject {
  return {
    apiVersion: ARGO_ROLLOUTS,
    kind: "AnalysisTemplate",
    metadata: { name: `${t.appName}-${m.template}`, namespace: t.namespace, labels: t.labels },
    spec: {
      args: HASH_ARGS,
      metrics: [{
        name: m.name,
        interval: `${r.analysisIntervalSeconds}s`,
        failureLimit: r.failureLimit,
        successCondition: `result[0] <= ${m.threshold}`,
        provider: { prometheus: { address: t.prometheusAddress, query: m.query } },
      }],
    },
  };
}

/** The analysis thresholds of a target. */
export function analysisSpecOf(t: Pick<ReleaseTarget, "metricsJob" | "errorRateRatio" | "p95LatencySeconds">): AnalysisSpec {
  return { job: t.metricsJob, maxErrorRatioIncrease: t.errorRateRatio, p95FloorSeconds: t.p95LatencySeconds };
}

/**
 * The metric analysis as AnalysisTemplates (releaseAnalysis.ts), for `kubectl argo rollouts` and
 * anyone running the analysis in the cluster. The Rollout's steps do not reference them: the gate
 * runs the same queries at every step itself (components/gate/analysis.ts) and is the one that
 * promotes or aborts.
 */
export function buildAnalysisTemplates(r: ReleaseConfig, t: ReleaseTarget): CrObject[] {
  if (!t.prometheusAddress) return [];
  return analysisMetrics(analysisSpecOf(t), "{{args.canary-hash}}", "{{args.stable-hash}}").map((m) => template(r, t, m));
}

/** Everything a progressive strategy declares besides its changes to the VirtualService and DestinationRule. */
export function buildReleaseObjects(r: ReleaseConfig, t: ReleaseTarget): ReleaseObjects {
  return {
    rollout: buildRollout(r, t),
    ...(r.strategy === "blueGreen" ? { previewService: buildPreviewService(r, t) } : { canaryService: buildCanaryService(t) }),
    ...(r.strategy === "abTest" ? { stableService: versionService(stableServiceName(t.appName), t) } : {}),
    analysisTemplates: buildAnalysisTemplates(r, t),
  };
}
