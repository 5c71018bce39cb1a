// The generated Prometheus config, alert rules and dashboard queries, run through the real
// `promtool` (Debian package `prometheus`): check rules, and `test rules` with the unit tests in
// tests/unit/promtool/ (one file per alert: fires when it should, silent when healthy); check config
// through the upstream promtool (scripts/install-prometheus), since the app job uses the Kubernetes
// service discovery Debian's build leaves out.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { resolveMonitoringOptions, type MonitoringBaseArgs } from "../../components/specs/monitoringOptions";
import { renderPrometheusConfig, renderRulesFile, RULES_FILE } from "../../components/specs/monitoringPrometheus";
import { buildDashboard } from "../../components/specs/monitoringGrafana";
import { buildOperatorObjects } from "../../components/specs/monitoringOperator";
import { upstreamPromtool } from "../fixtures/upstreamPromtool";

/** The app and namespace the promtool unit-test files are written for. */
const NAMESPACE = "acv2-test";
const base: MonitoringBaseArgs = { mode: "bundled", appName: "agent-cellphone-v2", appLabels: { "app.kubernetes.io/name": "agent-cellphone-v2" }, appPort: 8000, maxReplicas: 5 };
const PROMTOOL_TESTS = path.join(__dirname, "promtool");

function promtool(args: string[], cwd: string, bin = "promtool"): { status: number | null; out: string } {
  const r = spawnSync(bin, args, { cwd, encoding: "utf8", timeout: 30_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    // Fail, never skip: CI installs it, and a silent skip would hide untested rules.
    throw new Error("promtool not found on PATH: install the Debian package `prometheus` (apt-get install -y prometheus)");
  }
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("monitoring config under promtool", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-promtool-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function writeGenerated(args: MonitoringBaseArgs = base): void {
    const o = resolveMonitoringOptions(args, true);
    fs.writeFileSync(path.join(dir, RULES_FILE), renderRulesFile(o, NAMESPACE));
    fs.writeFileSync(path.join(dir, "prometheus.yml"), renderPrometheusConfig(o, NAMESPACE, { rulesDir: dir }));
  }

  it("promtool is installed", () => {
    const r = promtool(["--version"], os.tmpdir());
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /promtool, version \d+\./);
  });

  it("check config accepts prometheus.yml and the rules file it names", () => {
    writeGenerated();
    const r = promtool(["check", "config", "prometheus.yml"], dir, upstreamPromtool());
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS: 1 rule files found/);
    assert.match(r.out, /SUCCESS: 6 rules found/);
  });

  it("check config accepts the variant without kube-state-metrics and a 1 s interval", () => {
    writeGenerated({ ...base, kubeStateMetrics: false, scrapeIntervalSeconds: 1 });
    const r = promtool(["check", "config", "prometheus.yml"], dir, upstreamPromtool());
    assert.equal(r.status, 0, r.out);
    assert.doesNotMatch(fs.readFileSync(path.join(dir, "prometheus.yml"), "utf8"), /kube-state-metrics/);
  });

  it("check rules accepts the generated rules", () => {
    writeGenerated();
    const r = promtool(["check", "rules", RULES_FILE], dir);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS: 6 rules found/);
  });

  it("check rules rejects a deliberately broken expression (the wiring can fail)", () => {
    writeGenerated();
    const rules = fs.readFileSync(path.join(dir, RULES_FILE), "utf8");
    const broken = rules.replace("expr: up{", "expr: sum(up{");
    assert.notEqual(broken, rules);
    fs.writeFileSync(path.join(dir, RULES_FILE), broken);
    const r = promtool(["check", "rules", RULES_FILE], dir);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /FAILED|error/i);
  });

  for (const file of fs.readdirSync(PROMTOOL_TESTS).filter((f) => f.endsWith(".yml")).sort()) {
    it(`test rules: ${file}`, () => {
      writeGenerated();
      fs.copyFileSync(path.join(PROMTOOL_TESTS, file), path.join(dir, file));
      const r = promtool(["test", "rules", file], dir);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /SUCCESS/);
    });
  }

  it("the unit tests are bound to the generated thresholds: a laxer error ratio fails errorRate.yml", () => {
    writeGenerated({ ...base, alerts: { errorRateRatio: 0.5 } });
    fs.copyFileSync(path.join(PROMTOOL_TESTS, "errorRate.yml"), path.join(dir, "errorRate.yml"));
    const r = promtool(["test", "rules", "errorRate.yml"], dir);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /AppHighErrorRate/);
  });

  it("every dashboard query is valid PromQL (checked as recording rules)", () => {
    const o = resolveMonitoringOptions(base, true);
    const exprs = buildDashboard(o, NAMESPACE).panels.flatMap((p) => p.targets.map((t) => t.expr));
    assert.equal(exprs.length, 9);
    const rules = exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr }));
    fs.writeFileSync(path.join(dir, "dashboard.yml"), stringify({ groups: [{ name: "dashboard", rules }] }));
    const r = promtool(["check", "rules", "dashboard.yml"], dir);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS: 9 rules found/);
  });

  it("the operator PrometheusRule carries the same, valid rule group", () => {
    const o = resolveMonitoringOptions({ ...base, mode: "operator" }, false);
    const spec = buildOperatorObjects(o, NAMESPACE)["prometheus-rule"].spec as { groups: unknown[] };
    fs.writeFileSync(path.join(dir, "operator.yml"), stringify({ groups: spec.groups }));
    const r = promtool(["check", "rules", "operator.yml"], dir);
    assert.equal(r.status, 0, r.out);
    assert.equal(stringify({ groups: spec.groups }, { lineWidth: 0 }), renderRulesFile(o, NAMESPACE));
  });
});
