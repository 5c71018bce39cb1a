// What Monitoring and IstioGateway build, judged by the project's own posture rules
// (policy/posture.ts, policy/postureStack.ts) as production would judge it.
import { strict as assert } from "assert";
import { postureFindings } from "../../policy/posture";
import { stackPostureFindings } from "../../policy/postureStack";
import { resolveMonitoringOptions, type MonitoringBaseArgs } from "../../components/specs/monitoringOptions";
import { buildMonitoringObjects } from "../../components/specs/monitoringObjects";
import { resolveGatewayOptions } from "../../components/specs/gatewayOptions";
import { buildGatewayObjects } from "../../components/specs/gatewaySpecs";

const NS = "acv2-production";
const base: MonitoringBaseArgs = { mode: "bundled", appName: "agent-cellphone-v2", appLabels: { "app.kubernetes.io/name": "agent-cellphone-v2" }, appPort: 8000, maxReplicas: 6 };

describe("monitoring and gateway objects under the posture policy", () => {
  for (const [label, args] of [
    ["bundled", base],
    ["bundled, anonymous Grafana, no kube-state-metrics", { ...base, grafanaAuth: "anonymous-viewer", kubeStateMetrics: false }],
    ["operator", { ...base, mode: "operator" }],
  ] as Array<[string, MonitoringBaseArgs]>) {
    it(`${label}: no finding, per object or across the stack`, () => {
      const objs = Object.values(buildMonitoringObjects(resolveMonitoringOptions(args, true), NS));
      assert.ok(objs.length > 0);
      assert.deepEqual(stackPostureFindings(objs, { environment: "production" }), []);
    });
  }

  it("the kube-state-metrics token is the only waived rule, and only through its annotation", () => {
    const objs = buildMonitoringObjects(resolveMonitoringOptions(base, true), NS) as Record<string, any>;
    const ksm = structuredClone(objs["kube-state-metrics"]);
    delete ksm.spec.template.metadata.annotations["posture.acv2.io/waive"];
    assert.deepEqual(postureFindings(ksm, { environment: "production" }).map((f) => f.rule), ["automount-token"]);
  });

  it("Gateway (HTTPS + redirect) and PeerAuthentication (STRICT) pass; the rules do bite a plain-HTTP Gateway", () => {
    const objs = Object.values(buildGatewayObjects(resolveGatewayOptions({ appName: "agent-cellphone-v2", host: "acv2.example.com", servicePort: 80, tls: { issuer: "acme-production", acmeEmail: "ops@example.com" } }), { namespace: NS, serviceName: "agent-cellphone-v2" }));
    assert.deepEqual(objs.flatMap((o) => postureFindings(o, { environment: "production" })), []);
    const gw = structuredClone(objs[0]) as any;
    gw.spec.servers[1].tls = undefined;
    assert.deepEqual(postureFindings(gw).map((f) => f.rule), ["gateway-redirect"]);
  });
});
