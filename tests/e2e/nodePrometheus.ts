// A Prometheus for the node suites' metric analysis: the upstream server (scripts/install-prometheus;
// Debian's has no Kubernetes discovery) running the bundled mode's own scrape config
// (renderPrometheusConfig: the app's pods found through the API, their rollouts-pod-template-hash
// label kept), pointed at the e2e control plane with the test's kubeconfig instead of a pod's service
// account, scraping the real pods on the node every 2 s. kube-state-metrics is left out (none runs here).
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveMonitoringOptions } from "../../components/specs/monitoringOptions";
import { renderPrometheusConfig, renderRulesFile, RULES_FILE } from "../../components/specs/monitoringPrometheus";
import { startPrometheusWith, type TestPrometheus } from "../fixtures/analysisProm";
import { upstreamPrometheus } from "../fixtures/upstreamPromtool";
import { APP, NS, STACK } from "./nodeProgressive";

/** Why the node's Prometheus cannot run here, or undefined. */
export function nodePrometheusMissing(): string | undefined {
  return upstreamPrometheus().missing;
}

export function startNodePrometheus(kubeconfig: string, port: number): Promise<TestPrometheus> {
  // The stack's pod selector labels (releaseWiring/appWorkload: the app's name and the stack as its instance).
  const o = resolveMonitoringOptions({ mode: "bundled", appName: APP, appLabels: { "app.kubernetes.io/name": APP, "app.kubernetes.io/instance": STACK }, appPort: 8000, maxReplicas: 2, scrapeIntervalSeconds: 2, kubeStateMetrics: false }, true);
  return startPrometheusWith((dir) => {
    fs.writeFileSync(path.join(dir, RULES_FILE), renderRulesFile(o, NS));
    return renderPrometheusConfig(o, NS, { rulesDir: dir, kubernetesSd: { kubeconfig_file: kubeconfig } });
  }, upstreamPrometheus().bin, port);
}
