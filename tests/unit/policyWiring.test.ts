// How the pack is put together: which resources it reads, that no posture rule falls through
// the catalogue, where stack findings point, the per-stack policy config files, and the real
// program's objects (registered under Pulumi mocks by the shared harness) against the pack.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { POLICY_CATALOGUE, UNLISTED_RESOURCE_POLICY, UNLISTED_STACK_POLICY } from "../../policy/catalogue";
import { buildPolicies, manifestOf } from "../../policy/pack";
import { cachedRun, STACKS } from "./harness/runProgram";
import { kubernetesManifests } from "./harness/manifests";
import { asResource, POLICIES, policyNamed, runPack, unknownStringValue, UnknownValueError, urnOf, validateResource, type FakeResource } from "./policyHarness";
import * as fx from "./policyFixtures";
import type { ResourceValidationPolicy } from "@pulumi/policy";

const ROOT = path.resolve(__dirname, "../..");

/** Objects that break every rule the posture knows, at once. */
function everythingBroken(): fx.Any[] {
  const d = fx.deployment();
  const pod = fx.podOf(d);
  const c = fx.containerOf(d);
  Object.assign(pod, { hostNetwork: true, automountServiceAccountToken: true, securityContext: {}, topologySpreadConstraints: [], volumes: [{ name: "h", hostPath: { path: "/" } }] });
  Object.assign(c, { image: "ghcr.io/acme/web", resources: {}, securityContext: { privileged: true }, livenessProbe: undefined, volumeMounts: [] });
  const empty = fx.deployment();
  empty.metadata.name = "empty";
  fx.podOf(empty).containers = [];
  const g = fx.gateway();
  g.spec.servers[1].tls = {};
  return [
    d, empty, fx.hpa(), { ...fx.pdb(), spec: { maxUnavailable: 0, selector: { matchLabels: fx.LABELS } } },
    { ...fx.service(), spec: { type: "NodePort" } }, g, { ...fx.peerAuthentication(), spec: { mtls: { mode: "DISABLE" } } },
    { ...fx.rollout(), spec: { ...fx.rollout().spec, strategy: { blueGreen: { activeService: "web" } } } },
  ];
}

describe("policy pack: wiring", () => {
  it("reads Kubernetes objects only: providers, Helm releases, dynamic resources are not manifests", () => {
    const d = fx.deployment();
    assert.strictEqual(manifestOf("kubernetes:apps/v1:Deployment", d), d);
    assert.ok(manifestOf("kubernetes:networking.istio.io/v1beta1:Gateway", fx.gateway()));
    assert.strictEqual(manifestOf("pulumi:providers:kubernetes", { kind: "Deployment" }), undefined);
    assert.strictEqual(manifestOf("kubernetes:helm.sh/v3:Release", { kind: "Deployment" }), undefined);
    assert.strictEqual(manifestOf("pulumi-nodejs:dynamic:Resource", d), undefined);
    assert.strictEqual(manifestOf("kubernetes:apps/v1:Deployment", { spec: {} }), undefined);
  });

  it("every posture rule has a policy of its own: everything broken trips every catalogue entry and no catch-all", async () => {
    const violations = await runPack(everythingBroken().map((o) => asResource(o)));
    const fired = new Set(violations.map((v) => v.policy));
    assert.ok(!fired.has(UNLISTED_RESOURCE_POLICY) && !fired.has(UNLISTED_STACK_POLICY), [...fired].join(", "));
    assert.deepStrictEqual(POLICY_CATALOGUE.map((p) => p.name).filter((n) => !fired.has(n)), []);
  });

  it("a rule missing from the catalogue is still enforced, as mandatory, by the catch-all", async () => {
    const policies = buildPolicies(POLICY_CATALOGUE.filter((p) => p.name !== "pod-resources" && p.name !== "network-default-deny"));
    const catchAll = policies.find((p) => p.name === UNLISTED_RESOURCE_POLICY)!;
    assert.strictEqual(catchAll.enforcementLevel, "mandatory");
    const d = fx.deployment();
    delete fx.containerOf(d).resources.limits;
    const violations = await runPack([asResource(d), asResource(fx.pdb())], {}, policies);
    assert.deepStrictEqual(violations.map((v) => `${v.policy}: ${v.message}`), [
      `${UNLISTED_RESOURCE_POLICY}: Deployment/web: container app: resources.limits.cpu must be set`,
      `${UNLISTED_RESOURCE_POLICY}: Deployment/web: container app: resources.limits.memory must be set`,
      `${UNLISTED_STACK_POLICY}: Deployment/web: no NetworkPolicy restricts its ingress (default deny plus explicit allows)`,
      `${UNLISTED_STACK_POLICY}: Deployment/web: no NetworkPolicy restricts its egress (default deny plus explicit allows)`,
    ]);
  });

  it("stack findings point at the resource they are about", async () => {
    const rs: FakeResource[] = [asResource(fx.deployment(), "app-deployment"), asResource(fx.denyAll(), "netpol")];
    const violations = await runPack(rs);
    assert.deepStrictEqual(violations.map((v) => [v.policy, v.urn]), [["stack-pdb", urnOf(rs[0])]]);
  });

  it("a value unknown during preview is not read as compliant: the analyzer's unknown error surfaces", async () => {
    const d = fx.deployment();
    fx.containerOf(d).securityContext.readOnlyRootFilesystem = unknownStringValue;
    const p = policyNamed("pod-read-only-root") as ResourceValidationPolicy;
    await assert.rejects(validateResource(p, asResource(d)), UnknownValueError);
  });

  describe("policy/config/<stack>.json", () => {
    for (const stack of STACKS) {
      it(`${stack}: names real policies and sets the ${stack} environment`, () => {
        const file = path.join(ROOT, "policy/config", `${stack}.json`);
        const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, { environment?: string }>;
        const names = new Set(POLICIES.map((p) => p.name));
        for (const [policy, c] of Object.entries(config)) {
          assert.ok(names.has(policy), `${file}: no policy ${policy}`);
          assert.strictEqual(c.environment, stack);
        }
        assert.ok(config["image-pinned-in-production"], "the environment-dependent policy is configured");
      });
    }
  });

  it("PulumiPolicy.yaml declares a Node.js pack", () => {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "policy/PulumiPolicy.yaml"), "utf8"));
    assert.strictEqual(doc.runtime, "nodejs");
  });

  describe("the program's objects (Pulumi mocks) against the pack", function () {
    this.timeout(120_000);
    for (const stack of STACKS) {
      it(`${stack}: no mandatory violation, with the stack's policy config`, async () => {
        const run = await cachedRun(stack);
        // The analyzer hands policies secrets already unwrapped; the harness unwraps them the same way.
        const rs: FakeResource[] = kubernetesManifests(run).map(({ resource, manifest }) => ({ type: resource.type, name: resource.name, props: manifest }));
        assert.ok(rs.filter((r) => manifestOf(r.type, r.props)?.kind === "Deployment").length >= 1, "the run registered a Deployment");
        const config = JSON.parse(fs.readFileSync(path.join(ROOT, "policy/config", `${stack}.json`), "utf8"));
        const level = new Map(POLICIES.map((p) => [p.name, p.enforcementLevel]));
        const mandatory = (await runPack(rs, config)).filter((v) => level.get(v.policy) === "mandatory");
        assert.deepStrictEqual(mandatory, []);
      });
    }
  });
});
