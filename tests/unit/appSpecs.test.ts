// Pure spec builders of AppDeployment, without Pulumi: defaults, derived values, exact errors.
import * as assert from "assert";
import { imageReference, resolveAppOptions, type AppDeploymentArgs } from "../../components/specs/appOptions";
import { buildDeploymentSpec, buildPodSpec, canonicalJson, CONFIG_CHECKSUM_ANNOTATION } from "../../components/specs/appWorkload";
import { buildNetworkPolicies, buildPdbSpec, buildServiceSpec } from "../../components/specs/appPolicies";

const base: AppDeploymentArgs = { namespace: "acv2", image: { repository: "ghcr.io/acme/acv2", tag: "1.4.2" } };
const opts = (over: Partial<AppDeploymentArgs> = {}) => resolveAppOptions({ ...base, ...over });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const plain = (v: unknown): any => JSON.parse(JSON.stringify(v));

describe("app spec builders: defaults", () => {
  it("applies the documented defaults once", () => {
    const o = opts();
    assert.strictEqual(o.name, "agent-cellphone-v2");
    assert.strictEqual(o.replicas, 2);
    assert.strictEqual(o.port, 8000);
    assert.deepStrictEqual(o.resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
    assert.strictEqual(o.revisionHistoryLimit, 5);
    assert.strictEqual(o.progressDeadlineSeconds, 300);
    assert.deepStrictEqual(o.network.gatewaySelector, { istio: "ingressgateway" });
    assert.deepStrictEqual(o.network.database, { port: 5432, cidr: "0.0.0.0/0" });
    assert.strictEqual(o.labels["app.kubernetes.io/version"], "1.4.2");
  });

  it("spells image references: digest wins, a missing tag is latest", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    assert.strictEqual(imageReference({ repository: "r/x", tag: "1.0" }), "r/x:1.0");
    assert.strictEqual(imageReference({ repository: "r/x", tag: "1.0", digest }), `r/x@${digest}`);
    assert.strictEqual(imageReference({ repository: "r/x" }), "r/x:latest");
    assert.strictEqual(opts({ image: { repository: "r/x", digest } }).labels["app.kubernetes.io/version"], "a".repeat(12));
  });

  it("builds a Deployment with rolling update 0/1, probes on /health:8000 and the restricted posture", () => {
    const spec = plain(buildDeploymentSpec(opts(), "abc"));
    assert.strictEqual(spec.replicas, 2);
    assert.deepStrictEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const pod = spec.template.spec;
    const c = pod.containers[0];
    assert.strictEqual(c.image, "ghcr.io/acme/acv2:1.4.2");
    assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8000, protocol: "TCP" }]);
    for (const p of ["startupProbe", "livenessProbe", "readinessProbe"]) assert.deepStrictEqual(c[p].httpGet, { path: "/health", port: "http" });
    assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
    assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
    assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } });
    assert.strictEqual(pod.automountServiceAccountToken, false);
    assert.deepStrictEqual(c.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
    assert.deepStrictEqual(pod.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
    const ann = spec.template.metadata.annotations;
    assert.deepStrictEqual(ann, { "prometheus.io/scrape": "true", "prometheus.io/port": "8000", "prometheus.io/path": "/metrics", [CONFIG_CHECKSUM_ANNOTATION]: "abc" });
  });

  it("renders no nodeSelector or tolerations by default, and exactly the configured ones when set", () => {
    const plainPod = plain(buildPodSpec(opts()));
    assert.ok(!("nodeSelector" in plainPod) && !("tolerations" in plainPod), "absent by default: existing stacks render as before");
    const scheduling = { nodeSelector: { "kubernetes.io/hostname": "n1" }, tolerations: [{ key: "acv2.dev/real-node", operator: "Exists" as const, effect: "NoSchedule" as const }] };
    const pod = plain(buildPodSpec(opts({ scheduling })));
    assert.deepStrictEqual(pod.nodeSelector, scheduling.nodeSelector);
    assert.deepStrictEqual(pod.tolerations, scheduling.tolerations);
  });

  it("omits spec.replicas when an HPA manages the Deployment", () => {
    const spec = plain(buildDeploymentSpec(opts({ replicas: 4, autoscaling: { minReplicas: 3, maxReplicas: 10 } }), "x"));
    assert.ok(!("replicas" in spec), "replicas must be absent under an HPA");
  });

  it("spreads over hosts only when more than one replica can exist", () => {
    assert.strictEqual(buildPodSpec(opts({ replicas: 1 })).topologySpreadConstraints, undefined);
    const spread = plain(buildPodSpec(opts({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 3 } })).topologySpreadConstraints);
    assert.deepStrictEqual(spread.map((t: { topologyKey: string }) => t.topologyKey), ["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
  });

  it("uses Always pull only for a mutable latest image", () => {
    assert.strictEqual(plain(buildPodSpec(opts({ image: { repository: "r/x" } }))).containers[0].imagePullPolicy, "Always");
    assert.strictEqual(plain(buildPodSpec(opts())).containers[0].imagePullPolicy, "IfNotPresent");
  });

  it("exposes a ClusterIP Service on 80 named http", () => {
    assert.deepStrictEqual(plain(buildServiceSpec(opts())).ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP", appProtocol: "http" }]);
    assert.strictEqual(buildServiceSpec(opts()).type, "ClusterIP");
  });

  it("hashes content independently of key order", () => {
    assert.strictEqual(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] }), canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    assert.notStrictEqual(canonicalJson({ a: 1 }), canonicalJson({ a: 2 }));
  });
});

describe("app spec builders: PodDisruptionBudget follows the replica floor", () => {
  const cases: Array<[string, Partial<AppDeploymentArgs>, object]> = [
    ["one fixed replica: one pod may always go", { replicas: 1 }, { maxUnavailable: 1 }],
    ["HPA min 1: one pod may always go", { autoscaling: { minReplicas: 1, maxReplicas: 3 } }, { maxUnavailable: 1 }],
    ["HPA min 3: keep 2", { autoscaling: { minReplicas: 3, maxReplicas: 10 } }, { minAvailable: 2 }],
    ["fixed 2: keep 1", { replicas: 2 }, { minAvailable: 1 }],
    ["override below the floor", { replicas: 4, pdbMinAvailable: 2 }, { minAvailable: 2 }],
  ];
  for (const [title, over, budget] of cases) {
    it(title, () => {
      const spec = plain(buildPdbSpec(opts(over)));
      delete spec.selector;
      delete spec.unhealthyPodEvictionPolicy;
      assert.deepStrictEqual(spec, budget);
    });
  }
});

describe("app spec builders: NetworkPolicies", () => {
  it("denies all ingress and egress for the app pods, then allows gateway, scrapers, DNS, istiod and the database", () => {
    const o = opts({ network: { metricsPeers: [{ namespace: "monitoring" }], database: { port: 6543, cidr: "10.0.0.0/8" } } });
    const [deny, allow] = plain(buildNetworkPolicies(o)) as Array<{ role: string; spec: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.strictEqual(deny.role, "default-deny");
    assert.deepStrictEqual(deny.spec, { podSelector: { matchLabels: o.selectorLabels }, policyTypes: ["Ingress", "Egress"] });
    assert.deepStrictEqual(allow.spec.ingress[0].from, [
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "istio-system" } }, podSelector: { matchLabels: { istio: "ingressgateway" } } },
    ]);
    assert.deepStrictEqual(allow.spec.ingress[0].ports, [{ port: 8000, protocol: "TCP" }]);
    assert.deepStrictEqual(allow.spec.ingress[1].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
    assert.deepStrictEqual(allow.spec.egress[0].ports, [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }]);
    assert.deepStrictEqual(allow.spec.egress[2], { to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ port: 6543, protocol: "TCP" }] });
  });

  it("allows no scrapers when none are named", () => {
    const allow = plain(buildNetworkPolicies(opts()))[1];
    assert.strictEqual(allow.spec.ingress.length, 1);
  });
});

describe("app spec builders: errors", () => {
  const cases: Array<[Partial<AppDeploymentArgs>, string]> = [
    [{ replicas: 0 }, 'AppDeployment "agent-cellphone-v2": replicas: must be an integer >= 1 (got 0)'],
    [{ revisionHistoryLimit: 1 }, 'AppDeployment "agent-cellphone-v2": revisionHistoryLimit: must be >= 3 (got 1)'],
    [{ autoscaling: { minReplicas: 5, maxReplicas: 3 } }, 'AppDeployment "agent-cellphone-v2": autoscaling.minReplicas: must be <= maxReplicas (5 > 3)'],
    [{ autoscaling: { minReplicas: 2, maxReplicas: 3 }, pdbMinAvailable: 2 },
      'AppDeployment "agent-cellphone-v2": pdbMinAvailable: must be < the minimum replica count (2 >= 2): it would block every voluntary eviction'],
    [{ image: { repository: "" } }, 'AppDeployment "agent-cellphone-v2": image.repository: is required'],
  ];
  for (const [over, message] of cases) {
    it(message.split(": ").slice(1, 2).join(), () => assert.throws(() => opts(over), { message }));
  }
});
