// Every policy of the CrossGuard pack, called the way the analyzer calls it (policyHarness.ts):
// the compliant objects pass it clean, and one broken field makes it (and only it) report a
// message that names the object and the field.
import * as assert from "assert";
import { POLICY_CATALOGUE } from "../../policy/catalogue";
import { asResource, POLICIES, policyNamed, runPack, validateResource, validateStack, type FakeResource } from "./policyHarness";
import * as fx from "./policyFixtures";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

interface Case {
  policy: string;
  /** The compliant objects with one thing broken. */
  broken: () => fx.Any[];
  message: RegExp;
  /** Per-policy config for the run (as in policy/config/<stack>.json). */
  config?: Record<string, unknown>;
}

const withDeployment = (edit: (d: fx.Any) => void) => () => {
  const d = fx.deployment();
  edit(d);
  return [d, fx.pdb(), fx.denyAll(), fx.allowGateway()];
};

const CASES: Case[] = [
  { policy: "pod-run-as-non-root", broken: withDeployment((d) => (fx.podOf(d).securityContext.runAsNonRoot = false)), message: /Deployment\/web: container app: runAsNonRoot must be true/ },
  { policy: "pod-no-privilege-escalation", broken: withDeployment((d) => (fx.containerOf(d).securityContext.allowPrivilegeEscalation = true)), message: /container app: allowPrivilegeEscalation must be false/ },
  { policy: "pod-drop-capabilities", broken: withDeployment((d) => (fx.containerOf(d).securityContext.capabilities = { drop: ["NET_RAW"] })), message: /capabilities.drop must include ALL/ },
  { policy: "pod-seccomp", broken: withDeployment((d) => (fx.podOf(d).securityContext.seccompProfile = { type: "Unconfined" })), message: /seccompProfile must be RuntimeDefault/ },
  { policy: "pod-read-only-root", broken: withDeployment((d) => (fx.containerOf(d).securityContext.readOnlyRootFilesystem = false)), message: /readOnlyRootFilesystem must be true/ },
  { policy: "pod-host-isolation", broken: withDeployment((d) => (fx.podOf(d).hostNetwork = true)), message: /hostNetwork must not be true/ },
  { policy: "pod-no-service-account-token", broken: withDeployment((d) => delete fx.podOf(d).automountServiceAccountToken), message: /automountServiceAccountToken must be false/ },
  { policy: "pod-resources", broken: withDeployment((d) => delete fx.containerOf(d).resources.limits), message: /container app: resources.limits.cpu must be set/ },
  { policy: "pod-has-containers", broken: withDeployment((d) => (fx.podOf(d).containers = [])), message: /pod has no containers/ },
  { policy: "image-pinned-in-production", broken: withDeployment((d) => (fx.containerOf(d).image = "ghcr.io/acme/web:latest")), message: /image must not use "latest"/, config: { environment: "production" } },
  { policy: "service-cluster-ip", broken: () => [{ ...fx.service(), spec: { ...fx.service().spec, type: "LoadBalancer" } }], message: /Service\/web: type must be ClusterIP \(got LoadBalancer\)/ },
  { policy: "gateway-https-only", broken: () => { const g = fx.gateway(); g.spec.servers[1].tls = {}; return [g]; }, message: /Gateway\/web: HTTP server on port 80 must redirect to HTTPS/ },
  { policy: "mesh-mtls-strict", broken: () => [{ ...fx.peerAuthentication(), spec: { mtls: { mode: "PERMISSIVE" } } }], message: /PeerAuthentication\/web: mtls.mode must be STRICT \(got PERMISSIVE\)/ },
  { policy: "network-default-deny", broken: () => [fx.deployment(), fx.pdb(), fx.allowGateway()], message: /Deployment\/web: no NetworkPolicy restricts its egress/ },
  { policy: "rollout-gate-promotion", broken: () => { const r = fx.rollout(); r.spec.strategy.canary.steps[1].pause = { duration: "60s" }; return [r]; }, message: /Rollout\/web: strategy.canary.steps\[1\].pause.duration must be unset: promotion is the gate's/ },
  { policy: "pod-probes", broken: withDeployment((d) => delete fx.containerOf(d).startupProbe), message: /container app: startupProbe must be set/ },
  { policy: "pod-tmp-emptydir", broken: withDeployment((d) => (fx.podOf(d).volumes = [{ name: "tmp", configMap: { name: "x" } }])), message: /\/tmp must be mounted from an emptyDir/ },
  { policy: "replicas-spread", broken: withDeployment((d) => delete fx.podOf(d).topologySpreadConstraints), message: /2 replicas need a topologySpreadConstraint/ },
  { policy: "pdb-allows-eviction", broken: () => [{ ...fx.pdb(), spec: { maxUnavailable: 0, selector: { matchLabels: fx.LABELS } } }], message: /PodDisruptionBudget\/web: maxUnavailable 0 blocks every voluntary eviction/ },
  {
    policy: "stack-replicas-spread",
    broken: () => { const d = fx.deployment(); delete d.spec.replicas; delete fx.podOf(d).topologySpreadConstraints; return [d, fx.hpa(), fx.pdb(), fx.denyAll()]; },
    message: /Deployment\/web: up to 4 replicas need a topologySpreadConstraint/,
  },
  { policy: "stack-pdb", broken: () => [fx.deployment(), fx.denyAll()], message: /Deployment\/web: needs a PodDisruptionBudget/ },
  { policy: "hpa-owns-replicas", broken: () => [fx.deployment(), fx.hpa(), fx.pdb(), fx.denyAll()], message: /is scaled by HorizontalPodAutoscaler\/web but sets spec.replicas \(2\)/ },
];

const isStack = (p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy => "validateStack" in p;

async function runOne(name: string, objects: fx.Any[], config: Record<string, unknown> = {}) {
  const p = policyNamed(name);
  const rs: FakeResource[] = objects.map((o) => asResource(o));
  if (isStack(p)) return validateStack(p, rs, config);
  return (await Promise.all(rs.map((r) => validateResource(p, r, config)))).flat();
}

describe("policy pack: each policy", () => {
  it("the compliant stack passes every policy of the pack (so a violation below means something)", async () => {
    const rs = fx.compliantStack().map((o) => asResource(o));
    assert.deepStrictEqual(await runPack(rs, {}), []);
  });

  it("has a compliant and a violating case for every catalogue entry", () => {
    assert.deepStrictEqual(CASES.map((c) => c.policy).sort(), POLICY_CATALOGUE.map((p) => p.name).sort());
  });

  for (const c of CASES) {
    describe(c.policy, () => {
      it("passes the compliant objects", async () => {
        assert.deepStrictEqual(await runOne(c.policy, fx.compliantStack(), c.config), []);
      });

      it("reports the broken object, naming it and the field", async () => {
        const violations = await runOne(c.policy, c.broken(), c.config);
        assert.ok(violations.length > 0, `${c.policy} reported nothing`);
        assert.ok(violations.some((v) => c.message.test(v.message)), violations.map((v) => v.message).join("\n"));
      });

      it("is the only policy the broken objects trip", async () => {
        const objects = c.broken();
        const rs = objects.map((o) => asResource(o));
        const names = new Set((await runPack(rs, { [c.policy]: c.config ?? {} })).map((v) => v.policy));
        // A stack-scoped twin of a per-object rule may fire with it (the rule needs both views).
        const twins: Record<string, string[]> = { "pdb-allows-eviction": ["stack-pdb"], "replicas-spread": [], "stack-replicas-spread": [] };
        for (const n of names) assert.ok(n === c.policy || (twins[c.policy] ?? []).includes(n), `${n} also fired for ${c.policy}`);
      });
    });
  }

  it("the enforcement levels: security rules mandatory, team-preference rules advisory", () => {
    const level = (n: string) => POLICIES.find((p) => p.name === n)?.enforcementLevel;
    for (const n of ["pod-run-as-non-root", "pod-resources", "pod-host-isolation", "network-default-deny", "mesh-mtls-strict", "gateway-https-only", "image-pinned-in-production"]) {
      assert.strictEqual(level(n), "mandatory", n);
    }
    for (const n of ["pod-probes", "pod-tmp-emptydir", "replicas-spread", "stack-pdb", "hpa-owns-replicas"]) assert.strictEqual(level(n), "advisory", n);
  });

  it("image pinning applies only where the policy config says production (and by default)", async () => {
    const latest = withDeployment((d) => (fx.containerOf(d).image = "ghcr.io/acme/web:latest"))();
    assert.strictEqual((await runOne("image-pinned-in-production", latest, { environment: "dev" })).length, 0);
    assert.strictEqual((await runOne("image-pinned-in-production", latest, { environment: "staging" })).length, 0);
    assert.strictEqual((await runOne("image-pinned-in-production", latest, {})).length, 1);
    const digest = withDeployment((d) => (fx.containerOf(d).image = `ghcr.io/acme/web@sha256:${"a".repeat(64)}`))();
    assert.deepStrictEqual(await runOne("image-pinned-in-production", digest, { environment: "production" }), []);
  });

  it("a waived token rule passes only for the waivable rule", async () => {
    const waived = withDeployment((d) => {
      delete fx.podOf(d).automountServiceAccountToken;
      d.spec.template.metadata.annotations = { "posture.acv2.io/waive": "automount-token,resources" };
      delete fx.containerOf(d).resources.limits;
    })();
    assert.deepStrictEqual(await runOne("pod-no-service-account-token", waived), []);
    assert.strictEqual((await runOne("pod-resources", waived)).length, 2);
  });
});
