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

/** PromQL selector of one version's series: the job plus the Rollout's pod template hash. */
function series(t: ReleaseTarget, hashArg: string, extra = ""): string {
  return `{job="${t.metricsJob}",rollouts_pod_template_hash="{{args.${hashArg}}}"${extra}}`;
}

function errorRatio(t: ReleaseTarget, hashArg: string): string {
  // A version that never answered 5xx has no 5xx series: count it as 0, not as missing.
  return `((sum(rate(http_requests_total${series(t, hashArg, ',status=~"5.."')}[1m])) or vector(0)) / sum(rate(http_requests_total${series(t, hashArg)}[1m])))`;
}

function p95(t: ReleaseTarget, hashArg: string): string {
  return `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket${series(t, hashArg)}[1m])))`;
}

const HASH_ARGS = [{ name: "canary-hash" }, { name: "stable-hash" }];

function template(r: ReleaseConfig, t: ReleaseTarget, suffix: string, metric: Record<string, unknown>): CrObject {
  return {
    apiVersion: ARGO_ROLLOUTS,
    kind: "AnalysisTemplate",
    metadata: { name: `${t.appName}-${suffix}`, namespace: t.namespace, labels: t.labels },
    spec: {
      args: HASH_ARGS,
      metrics: [{ interval: `${r.analysisIntervalSeconds}s`, failureLimit: r.failureLimit, ...metric }],
    },
  };
}

/**
 * Canary vs stable, from the app's own series (http_requests_total, http_request_duration_seconds):
 * the canary's 5xx ratio may exceed stable's by at most the error-rate alert's threshold; its p95
 * may be at most 1.5 times stable's. No traffic yet (an empty result, or NaN from 0/0, which the
 * always-true-otherwise comparison drops) counts as no excess (`or vector(0)`, `or vector(1)`).
 */
export function buildAnalysisTemplates(r: ReleaseConfig, t: ReleaseTarget): CrObject[] {
  if (!t.prometheusAddress) return [];
  const provider = (query: string) => ({ prometheus: { address: t.prometheusAddress, query } });
  return [
    template(r, t, "error-ratio", {
      name: "error-ratio-excess",
      successCondition: `result[0] <= ${t.errorRateRatio}`,
      provider: provider(`((${errorRatio(t, "canary-hash")} - ${errorRatio(t, "stable-hash")}) >= -1) or vector(0)`),
    }),
    template(r, t, "p95-latency", {
      name: "p95-latency-ratio",
      successCondition: "result[0] <= 1.5",
      provider: provider(`((${p95(t, "canary-hash")} / ${p95(t, "stable-hash")}) >= 0) or vector(1)`),
    }),
  ];
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
