// Monitoring spec builders without mocks: defaults, exact error messages, the restricted posture
// of every pod, what each mode emits, and every object validated against upstream schemas.
import { strict as assert } from "assert";
import { parse } from "yaml";
import { ConfigError } from "../../config/errors";
import { DEFAULT_IMAGES, resolveMonitoringOptions, type MonitoringBaseArgs } from "../../components/specs/monitoringOptions";
import { buildMonitoringObjects, monitoringPlan, needsAdminSecret, adminSecretShell } from "../../components/specs/monitoringObjects";
import { renderPrometheusConfig } from "../../components/specs/monitoringPrometheus";
import { buildDashboard, renderDatasources } from "../../components/specs/monitoringGrafana";
import type { K8sObject } from "../../components/specs/monitoringPosture";
import { loadValidator, type Validate } from "./monitoringTestKit";

const NS = "acv2-staging";
const base: MonitoringBaseArgs = { mode: "bundled", appName: "agent-cellphone-v2", appLabels: { "app.kubernetes.io/name": "agent-cellphone-v2" }, appPort: 8000, maxReplicas: 6 };

function problemsOf(args: MonitoringBaseArgs, hasPassword: boolean): string[] {
  try {
    resolveMonitoringOptions(args, hasPassword);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

const deployments = (objs: Record<string, K8sObject>) => Object.values(objs).filter((o) => o.kind === "Deployment") as any[];

describe("monitoring specs", () => {
  describe("defaults", () => {
    it("fills interval, retention, thresholds, names, auth, kube-state-metrics and pinned images", () => {
      const o = resolveMonitoringOptions(base, true);
      assert.equal(o.scrapeIntervalSeconds, 5);
      assert.equal(o.retention, "15d");
      assert.deepEqual(o.alerts, { errorRateRatio: 0.05, p95LatencySeconds: 0.5 });
      assert.equal(o.hpaName, "agent-cellphone-v2");
      assert.equal(o.deploymentName, "agent-cellphone-v2");
      assert.equal(o.grafanaAuth, "admin-password");
      assert.equal(o.kubeStateMetrics, true);
      assert.deepEqual(o.operatorSelectorLabels, { release: "kube-prometheus-stack" });
      for (const image of Object.values(DEFAULT_IMAGES)) assert.match(image, /:v?\d+\.\d+\.\d+$/, image);
    });
    it("prometheus.yml scrapes the app's Running pods every 5 s, found through the API in its namespace, each series naming its pod and Rollout version", () => {
      const cfg = parse(renderPrometheusConfig(resolveMonitoringOptions(base, true), NS));
      assert.equal(cfg.global.scrape_interval, "5s");
      assert.deepEqual(cfg.rule_files, ["/etc/prometheus/rules/rules.yml"]);
      const app = cfg.scrape_configs.find((s: any) => s.job_name === "agent-cellphone-v2");
      assert.equal(app.scrape_interval, "5s");
      assert.deepEqual(app.kubernetes_sd_configs, [{ role: "pod", namespaces: { names: [NS] } }]);
      const rule = (target: string) => app.relabel_configs.find((r: any) => r.target_label === target);
      assert.deepEqual(rule("rollouts_pod_template_hash").source_labels, ["__meta_kubernetes_pod_label_rollouts_pod_template_hash"]);
      assert.deepEqual(rule("pod").source_labels, ["__meta_kubernetes_pod_name"]);
      const keeps = app.relabel_configs.filter((r: any) => r.action === "keep").map((r: any) => `${r.source_labels[0]}=${r.regex}`);
      assert.ok(keeps.includes("__meta_kubernetes_pod_container_port_number=8000"), keeps.join(" "));
      assert.ok(keeps.includes("__meta_kubernetes_pod_phase=Running"), keeps.join(" "));
      for (const [k, v] of Object.entries(resolveMonitoringOptions(base, true).appLabels)) {
        assert.ok(keeps.includes(`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, "_")}=${v.replace(/\./g, "\\.")}`), `${k}: ${keeps.join(" ")}`);
      }
    });
  });

  describe("errors", () => {
    it("bundled without a password names grafanaAdminPassword", () => {
      assert.deepEqual(problemsOf(base, false), ['grafanaAdminPassword: is required when mode is "bundled" (or set grafanaAuth to "anonymous-viewer")']);
    });
    it("needs no password for operator, none, or bundled with anonymous-viewer", () => {
      for (const args of [{ ...base, mode: "operator" as const }, { ...base, mode: "none" as const }, { ...base, grafanaAuth: "anonymous-viewer" as const }]) {
        assert.doesNotThrow(() => resolveMonitoringOptions(args, false));
      }
    });
    it("lists every bad field at once without echoing values", () => {
      let message = "";
      try {
        resolveMonitoringOptions({ ...base, appPort: 70000, retention: "forever", scrapeIntervalSeconds: 0, maxReplicas: 0, alerts: { errorRateRatio: 2, p95LatencySeconds: -1 }, appLabels: {} }, true);
      } catch (err) {
        message = (err as Error).message;
      }
      assert.equal(
        message,
        [
          "invalid Monitoring args:",
          "  - appLabels: must hold at least one label",
          "  - appPort: must be an integer from 1 to 65535",
          "  - scrapeIntervalSeconds: must be an integer from 1 to 300",
          "  - retention: must be a Prometheus duration such as 15d",
          "  - maxReplicas: must be an integer >= 1",
          "  - alerts.errorRateRatio: must be > 0 and <= 1",
          "  - alerts.p95LatencySeconds: must be > 0",
        ].join("\n"),
      );
      assert.ok(!message.includes("forever"));
    });
    it("rejects an app name too long for the derived object names", () => {
      assert.deepEqual(problemsOf({ ...base, appName: "a".repeat(35) }, true), ["appName: must be a DNS label of at most 34 characters"]);
    });
  });

  describe("objects", () => {
    let validate: Validate;
    before(async () => {
      validate = await loadValidator();
    });

    it("mode none emits nothing and needs no Secret", () => {
      const o = resolveMonitoringOptions({ ...base, mode: "none" }, false);
      assert.deepEqual(buildMonitoringObjects(o, NS), {});
      assert.deepEqual(monitoringPlan(o), []);
      assert.equal(needsAdminSecret(o), false);
    });

    it("bundled emits Prometheus, Grafana, kube-state-metrics, Services and ingress allows", () => {
      const o = resolveMonitoringOptions(base, true);
      const kinds = monitoringPlan(o).map((p) => `${p.role}:${p.kind}`);
      assert.deepEqual(kinds, [
        "metrics-service:Service",
        "prometheus-config:ConfigMap",
        "prometheus-rules:ConfigMap",
        "prometheus-account:ServiceAccount",
        "prometheus-role:Role",
        "prometheus-binding:RoleBinding",
        "prometheus:Deployment",
        "prometheus-service:Service",
        "grafana-datasources:ConfigMap",
        "grafana-dashboard-providers:ConfigMap",
        "grafana-dashboards:ConfigMap",
        "grafana:Deployment",
        "grafana-service:Service",
        "ksm-account:ServiceAccount",
        "ksm-role:Role",
        "ksm-binding:RoleBinding",
        "kube-state-metrics:Deployment",
        "ksm-service:Service",
        "allow-scrape:NetworkPolicy",
        "prometheus-network:NetworkPolicy",
        "grafana-network:NetworkPolicy",
        "ksm-network:NetworkPolicy",
      ]);
      assert.equal(needsAdminSecret(o), true);
      assert.deepEqual(monitoringPlan(o), Object.entries(buildMonitoringObjects(o, "other-ns")).map(([role, x]) => ({ role, apiVersion: x.apiVersion, kind: x.kind, fields: Object.keys(x).filter((k) => k !== "apiVersion" && k !== "kind") })));
    });

    it("every bundled pod has the restricted posture; only kube-state-metrics and Prometheus (they read the API) mount a token, each declaring the waiver", () => {
      const objs = buildMonitoringObjects(resolveMonitoringOptions(base, true), NS);
      const deps = deployments(objs);
      assert.equal(deps.length, 3);
      for (const d of deps) {
        const pod = d.spec.template.spec;
        const c = pod.containers[0];
        const who = d.metadata.name;
        assert.equal(pod.securityContext.runAsNonRoot, true, who);
        assert.ok(pod.securityContext.runAsUser > 0, who);
        assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" }, who);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false, who);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, who);
        assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] }, who);
        assert.equal(c.securityContext.privileged, false, who);
        for (const k of ["cpu", "memory"]) assert.ok(c.resources.requests[k] && c.resources.limits[k], `${who} ${k}`);
        for (const p of ["livenessProbe", "readinessProbe", "startupProbe"]) assert.ok(c[p]?.httpGet, `${who} ${p}`);
        assert.doesNotMatch(c.image, /:latest$|^[^:]+$/, who);
        for (const bad of ["hostNetwork", "hostPID", "hostIPC"]) assert.equal(pod[bad], undefined, `${who} ${bad}`);
        assert.ok(pod.volumes.every((v: any) => !v.hostPath), who);
        const reader = who.endsWith("kube-state-metrics") || who.endsWith("-prometheus");
        assert.equal(pod.automountServiceAccountToken, reader, who);
        assert.equal(d.spec.template.metadata.annotations?.["posture.acv2.io/waive"], reader ? "automount-token" : undefined, who);
        // Every writable path is an emptyDir with a size cap.
        const scratch = pod.volumes.filter((v: any) => v.emptyDir);
        assert.ok(scratch.every((v: any) => v.emptyDir.sizeLimit), who);
        assert.ok(c.volumeMounts.some((m: any) => m.mountPath === "/tmp"), `${who} /tmp`);
      }
      for (const s of Object.values(objs).filter((x) => x.kind === "Service") as any[]) assert.equal(s.spec.type, "ClusterIP");
      assert.equal((objs["ksm-account"] as any).automountServiceAccountToken, false);
      assert.equal((objs["prometheus-account"] as any).automountServiceAccountToken, false);
      // Prometheus may read pods of its own namespace, nothing else.
      assert.deepEqual((objs["prometheus-role"] as any).rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
    });

    it("every monitoring pod is fenced both ways; the app gets only the scrape allow from Prometheus", () => {
      const o = resolveMonitoringOptions(base, true);
      const objs = buildMonitoringObjects(o, NS) as Record<string, any>;
      const policies = Object.values(objs).filter((x) => x.kind === "NetworkPolicy");
      const covers = (p: any, labels: Record<string, string>) => Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v);
      for (const d of deployments(objs)) {
        const labels = d.spec.template.metadata.labels;
        for (const dir of ["Ingress", "Egress"]) {
          assert.ok(policies.some((p) => covers(p, labels) && p.spec.policyTypes.includes(dir)), `${d.metadata.name} ${dir}`);
        }
      }
      const scrape = objs["allow-scrape"];
      assert.deepEqual(scrape.spec.podSelector.matchLabels, base.appLabels);
      assert.deepEqual(scrape.spec.policyTypes, ["Ingress"]);
      assert.deepEqual(scrape.spec.ingress, [{ from: [{ podSelector: { matchLabels: objs.prometheus.spec.selector.matchLabels } }], ports: [{ protocol: "TCP", port: 8000 }] }]);
      const promEgress = JSON.stringify(objs["prometheus-network"].spec.egress);
      assert.ok(promEgress.includes('"port":8000') && promEgress.includes('"port":15012') && promEgress.includes('"port":53'), promEgress);
      assert.ok(JSON.stringify(objs["ksm-network"].spec.egress).includes('"port":6443'));
    });

    it("kube-state-metrics may only list/watch in the app namespace (Role, not ClusterRole)", () => {
      const objs = buildMonitoringObjects(resolveMonitoringOptions(base, true), NS) as Record<string, any>;
      assert.ok(objs["kube-state-metrics"].spec.template.spec.containers[0].args.includes(`--namespaces=${NS}`));
      assert.ok(objs["ksm-role"].rules.every((r: any) => JSON.stringify(r.verbs) === '["list","watch"]'));
      assert.deepEqual(objs["ksm-binding"].subjects, [{ kind: "ServiceAccount", name: "agent-cellphone-v2-kube-state-metrics", namespace: NS }]);
      assert.ok(Object.values(objs).every((x: any) => x.metadata.namespace === NS));
      // The one pod with a token says so to the posture policy.
      assert.equal(objs["kube-state-metrics"].spec.template.metadata.annotations["posture.acv2.io/waive"], "automount-token");
    });

    it("Grafana takes the admin password from the Secret, or turns every login off", () => {
      const withPw = buildMonitoringObjects(resolveMonitoringOptions(base, true), NS) as Record<string, any>;
      const env = withPw.grafana.spec.template.spec.containers[0].env;
      const pw = env.find((e: any) => e.name === "GF_SECURITY_ADMIN_PASSWORD");
      assert.deepEqual(pw, { name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: "agent-cellphone-v2-grafana-admin", key: "admin-password" } } });
      assert.equal(adminSecretShell(resolveMonitoringOptions(base, true)).metadata.name, "agent-cellphone-v2-grafana-admin");
      const anon = buildMonitoringObjects(resolveMonitoringOptions({ ...base, grafanaAuth: "anonymous-viewer" }, false), NS) as Record<string, any>;
      const anonEnv = Object.fromEntries(anon.grafana.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
      assert.equal(anonEnv.GF_AUTH_ANONYMOUS_ORG_ROLE, "Viewer");
      assert.equal(anonEnv.GF_AUTH_DISABLE_LOGIN_FORM, "true");
      assert.equal(anonEnv.GF_AUTH_BASIC_ENABLED, "false");
      assert.ok(!("GF_SECURITY_ADMIN_PASSWORD" in anonEnv));
    });

    it("Grafana provisioning points at the bundled Prometheus; the dashboard has rate, errors, p50/p95/p99, replicas", () => {
      const o = resolveMonitoringOptions(base, true);
      assert.equal(parse(renderDatasources(o, NS)).datasources[0].url, "http://agent-cellphone-v2-prometheus.acv2-staging.svc.cluster.local:9090");
      const d = buildDashboard(o, NS);
      assert.deepEqual(d.panels.map((p) => p.title), ["Request rate by status", "5xx error ratio", "Latency percentiles", "Replicas"]);
      const latency = d.panels[2].targets;
      assert.deepEqual(latency.map((t) => t.legendFormat), ["p50", "p95", "p99"]);
      for (const [i, q] of ["0.5", "0.95", "0.99"].entries()) assert.ok(latency[i].expr.startsWith(`histogram_quantile(${q}, `) && latency[i].expr.includes("http_request_duration_seconds_bucket"));
      assert.ok(d.panels[3].targets.some((t) => t.expr === "vector(6)"));
      const objs = buildMonitoringObjects(o, NS) as Record<string, any>;
      assert.deepEqual(JSON.parse(objs["grafana-dashboards"].data["agent-cellphone-v2.json"]), d);
    });

    it("a config change changes the pod template checksum, so the pod rolls", () => {
      const a = buildMonitoringObjects(resolveMonitoringOptions(base, true), NS) as Record<string, any>;
      const b = buildMonitoringObjects(resolveMonitoringOptions({ ...base, alerts: { p95LatencySeconds: 1 } }, true), NS) as Record<string, any>;
      const sum = (x: any) => x.prometheus.spec.template.metadata.annotations["checksum/config"];
      assert.match(sum(a), /^[0-9a-f]{64}$/);
      assert.notEqual(sum(a), sum(b));
    });

    it("operator mode: ServiceMonitor with job = app name, PrometheusRule, dashboard ConfigMap for the sidecar", () => {
      const o = resolveMonitoringOptions({ ...base, mode: "operator" }, false);
      const objs = buildMonitoringObjects(o, NS) as Record<string, any>;
      assert.deepEqual(Object.keys(objs), ["metrics-service", "service-monitor", "prometheus-rule", "grafana-dashboard"]);
      const sm = objs["service-monitor"];
      assert.equal(sm.metadata.labels.release, "kube-prometheus-stack");
      assert.equal(sm.spec.jobLabel, "app.kubernetes.io/name");
      // Every series names its Rollout version: the release analysis compares canary and stable by it.
      assert.deepEqual(sm.spec.podTargetLabels, ["rollouts-pod-template-hash"]);
      assert.equal(objs["metrics-service"].metadata.labels["app.kubernetes.io/name"], "agent-cellphone-v2");
      assert.deepEqual(sm.spec.selector.matchLabels, objs["metrics-service"].metadata.labels);
      // Outside the mesh, STRICT mTLS refuses plaintext on the app port: read the sidecar's merged metrics.
      assert.deepEqual(sm.spec.endpoints[0], { port: "http-envoy-prom", path: "/stats/prometheus", interval: "5s", scrapeTimeout: "4s" });
      assert.deepEqual(objs["metrics-service"].spec.ports.map((p: any) => `${p.name}:${p.port}`), ["http-metrics:8000", "http-envoy-prom:15020"]);
      const direct = buildMonitoringObjects(resolveMonitoringOptions({ ...base, mode: "operator", operatorScrape: "app" }, false), NS) as Record<string, any>;
      assert.deepEqual(direct["service-monitor"].spec.endpoints[0], { port: "http-metrics", path: "/metrics", interval: "5s", scrapeTimeout: "4s" });
      assert.deepEqual(direct["metrics-service"].spec.ports.map((p: any) => p.port), [8000]);
      assert.equal(objs["prometheus-rule"].spec.groups[0].rules.length, 6);
      assert.equal(objs["grafana-dashboard"].metadata.labels.grafana_dashboard, "1");
      assert.equal(needsAdminSecret(o), false);
    });

    it("every object in every mode passes the upstream Kubernetes and prometheus-operator schemas", () => {
      const variants: Array<[MonitoringBaseArgs, boolean]> = [
        [base, true],
        [{ ...base, grafanaAuth: "anonymous-viewer", kubeStateMetrics: false }, false],
        [{ ...base, mode: "operator" }, false],
      ];
      let n = 0;
      for (const [args, pw] of variants) {
        const o = resolveMonitoringOptions(args, pw);
        for (const obj of Object.values(buildMonitoringObjects(o, NS))) {
          validate(obj);
          n++;
        }
        validate({ ...adminSecretShell(o), metadata: { ...adminSecretShell(o).metadata, namespace: NS } });
      }
      assert.equal(n, 22 + 16 + 4);
    });

    it("the validator does reject a broken Deployment (the wiring can fail)", () => {
      const objs = buildMonitoringObjects(resolveMonitoringOptions(base, true), NS) as Record<string, any>;
      const broken = structuredClone(objs.prometheus);
      broken.spec.template.spec.securityContext.runAsUser = "nobody";
      assert.throws(() => validate(broken), /runAsUser must be integer/);
    });
  });
});
