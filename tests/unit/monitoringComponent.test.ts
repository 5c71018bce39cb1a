// MOCKS: the Monitoring component under pulumi.runtime.setMocks (dryRun false; no engine, no
// cluster). Kinds and counts per mode, children prefixed and parented, the Grafana password kept
// secret end to end, nothing at all for mode "none".
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Monitoring, type MonitoringArgs } from "../../components/monitoring";
import { isSecretWrapper, stripSecrets, unwrapSecrets } from "./harness/secrets";
import { loadValidator, runComponent, valueOf, type Captured, type Validate } from "./monitoringTestKit";

const PASSWORD = "CANARY-grafana-pw-monitoring-7731";
const args: MonitoringArgs = {
  mode: "bundled",
  namespace: pulumi.output("acv2-staging"),
  appName: "agent-cellphone-v2",
  appLabels: { "app.kubernetes.io/name": "agent-cellphone-v2" },
  appPort: 8000,
  maxReplicas: 6,
  grafanaAdminPassword: pulumi.secret(PASSWORD),
};

function countByType(rs: Captured[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rs.filter((x) => x.custom)) out[r.type] = (out[r.type] ?? 0) + 1;
  return out;
}

describe("Monitoring component (mocks)", () => {
  let validate: Validate;
  before(async () => {
    validate = await loadValidator();
  });

  it("bundled: registers every object, prefixed and parented, and reports in-cluster URLs", async () => {
    const run = await runComponent((opts) => new Monitoring("mon", args, opts));
    assert.deepEqual(countByType(run.resources), {
      "kubernetes:core/v1:Secret": 1,
      "kubernetes:core/v1:Service": 4,
      "kubernetes:core/v1:ConfigMap": 5,
      "kubernetes:apps/v1:Deployment": 3,
      "kubernetes:core/v1:ServiceAccount": 2,
      "kubernetes:rbac.authorization.k8s.io/v1:Role": 2,
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 2,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy": 4,
    });
    for (const r of run.resources.filter((x) => x.custom)) {
      assert.ok(r.name.startsWith("mon-"), r.name);
      assert.equal(r.parent, "mon", r.name);
      assert.equal(r.parentType, "acv2:monitoring:Monitoring", r.name);
      assert.equal(r.inputs.metadata.namespace, "acv2-staging", r.name);
    }
    const c = run.component;
    assert.equal(await valueOf(c.mode), "bundled");
    assert.equal(await valueOf(c.prometheusUrl), "http://agent-cellphone-v2-prometheus.acv2-staging.svc.cluster.local:9090");
    assert.equal(await valueOf(c.grafanaUrl), "http://agent-cellphone-v2-grafana.acv2-staging.svc.cluster.local:3000");
    // Grafana waits for the Secret its env reads.
    const grafana = run.resources.find((r) => r.name === "mon-grafana")!;
    assert.ok(grafana.dependencies.includes("mon-grafana-admin"), JSON.stringify(grafana.dependencies));
  });

  it("the Grafana password stays secret: a secret stringData, and nowhere in plain inputs", async () => {
    // Given as a plain string too: it must still end up secret, and in the Secret only.
    for (const password of [args.grafanaAdminPassword!, PASSWORD]) {
      const run = await runComponent((opts) => new Monitoring("mon", { ...args, grafanaAdminPassword: password }, opts));
      const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
      assert.equal(secret.name, "mon-grafana-admin");
      assert.ok(isSecretWrapper(secret.inputs.stringData) || isSecretWrapper(secret.inputs.stringData?.["admin-password"]), JSON.stringify(stripSecrets(secret.inputs)));
      const obj = run.objects.get("mon-grafana-admin") as unknown as { stringData: pulumi.Output<unknown> };
      assert.equal(await pulumi.isSecret(obj.stringData), true);
      for (const r of run.resources) {
        assert.ok(!JSON.stringify(stripSecrets(r.inputs)).includes(PASSWORD), `password in plain inputs of ${r.name}`);
      }
    }
  });

  it("bundled objects as registered pass the upstream schemas", async () => {
    const run = await runComponent((opts) => new Monitoring("mon", args, opts));
    const children = run.resources.filter((r) => r.custom);
    for (const r of children) {
      const [, apiVersion, kind] = r.type.match(/^kubernetes:(?:core\/)?(.+):(\w+)$/)!;
      validate({ ...(unwrapSecrets(r.inputs) as object), apiVersion, kind } as { apiVersion: string; kind: string });
    }
    assert.equal(children.length, 23);
  });

  it("operator: metrics Service, ServiceMonitor, PrometheusRule and dashboard ConfigMap; no Secret, no URLs", async () => {
    const run = await runComponent((opts) => new Monitoring("mon", { ...args, mode: "operator" }, opts));
    assert.deepEqual(countByType(run.resources), {
      "kubernetes:core/v1:Service": 1,
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": 1,
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule": 1,
      "kubernetes:core/v1:ConfigMap": 1,
    });
    for (const r of run.resources.filter((x) => x.custom)) {
      assert.equal(r.parent, "mon", r.name);
      validate(r.inputs as { apiVersion: string; kind: string });
    }
    const dashboard = run.resources.find((r) => r.name === "mon-grafana-dashboard")!;
    assert.equal(dashboard.inputs.metadata.labels.grafana_dashboard, "1");
    assert.equal(await valueOf(run.component.prometheusUrl), undefined);
    assert.equal(await valueOf(run.component.grafanaUrl), undefined);
  });

  it("none: registers only the component itself", async () => {
    const run = await runComponent((opts) => new Monitoring("mon", { ...args, mode: "none" }, opts));
    assert.deepEqual(run.resources.map((r) => r.type), ["acv2:monitoring:Monitoring"]);
    assert.equal(await valueOf(run.component.mode), "none");
    assert.equal(await valueOf(run.component.prometheusUrl), undefined);
  });

  it("bundled without a password fails naming the field, unless Grafana is anonymous read-only", async () => {
    await assert.rejects(
      runComponent((opts) => new Monitoring("mon", { ...args, grafanaAdminPassword: undefined }, opts)),
      /grafanaAdminPassword: is required when mode is "bundled"/,
    );
    const run = await runComponent((opts) => new Monitoring("mon", { ...args, grafanaAdminPassword: undefined, grafanaAuth: "anonymous-viewer" }, opts));
    assert.equal(run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 0);
    assert.equal(run.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment").length, 3);
  });
});
