// The posture rules one by one, on hand-made manifests: a compliant object passes clean, and
// each violation is reported with its rule id and a message naming the field.
import * as assert from "assert";
import { mutableImage, postureFindings, postureViolations, type Manifest } from "../../policy/posture";
import { selectorMatches, stackPostureFindings } from "../../policy/postureStack";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const labels = { app: "x" };

function compliantDeployment(): Any {
  const probe = { httpGet: { path: "/health", port: 8000 } };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "x", namespace: "ns" },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" }],
          containers: [{
            name: "app",
            image: "r/x:1.0",
            resources: { requests: { cpu: "1", memory: "1Mi" }, limits: { cpu: "1", memory: "1Mi" } },
            livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
          }],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
    },
  };
}
const rules = (m: Manifest, env: "dev" | "production" = "dev") => postureFindings(m, { environment: env }).map((f) => f.rule);

describe("posture rules: single objects", () => {
  it("a compliant Deployment has no findings", () => {
    assert.deepStrictEqual(postureViolations(compliantDeployment(), { environment: "production" }), []);
  });

  const mutations: Array<[string, (d: Any) => void, string]> = [
    ["root user", (d) => (d.spec.template.spec.securityContext.runAsUser = 0), "non-zero-uid"],
    ["runAsNonRoot unset", (d) => delete d.spec.template.spec.securityContext.runAsNonRoot, "run-as-non-root"],
    ["no seccomp", (d) => delete d.spec.template.spec.securityContext.seccompProfile, "seccomp"],
    ["privilege escalation", (d) => (d.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true), "privilege-escalation"],
    ["privileged", (d) => (d.spec.template.spec.containers[0].securityContext.privileged = true), "privileged"],
    ["capabilities kept", (d) => (d.spec.template.spec.containers[0].securityContext.capabilities = { drop: ["NET_RAW"] }), "drop-capabilities"],
    ["writable root", (d) => (d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false), "read-only-root"],
    ["hostNetwork", (d) => (d.spec.template.spec.hostNetwork = true), "host-namespaces"],
    ["hostPID", (d) => (d.spec.template.spec.hostPID = true), "host-namespaces"],
    ["hostIPC", (d) => (d.spec.template.spec.hostIPC = true), "host-namespaces"],
    ["hostPath", (d) => d.spec.template.spec.volumes.push({ name: "h", hostPath: { path: "/" } }), "host-path"],
    ["no memory limit", (d) => delete d.spec.template.spec.containers[0].resources.limits.memory, "resources"],
    ["no startup probe", (d) => delete d.spec.template.spec.containers[0].startupProbe, "probes"],
    ["token mounted", (d) => delete d.spec.template.spec.automountServiceAccountToken, "automount-token"],
    ["no writable /tmp", (d) => (d.spec.template.spec.containers[0].volumeMounts = []), "tmp-emptydir"],
    ["/tmp not an emptyDir", (d) => (d.spec.template.spec.volumes[0] = { name: "tmp", configMap: { name: "c" } }), "tmp-emptydir"],
    ["no spread at 2 replicas", (d) => delete d.spec.template.spec.topologySpreadConstraints, "topology-spread"],
  ];
  for (const [title, mutate, rule] of mutations) {
    it(`reports ${title} as ${rule}`, () => {
      const d = compliantDeployment();
      mutate(d);
      assert.deepStrictEqual(rules(d), [rule]);
    });
  }

  it("names the object and the field in the message", () => {
    const d = compliantDeployment();
    d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    assert.deepStrictEqual(postureViolations(d), ["Deployment/x: container app: readOnlyRootFilesystem must be true"]);
  });

  it("refuses latest or an untagged image only in production; a digest is pinned", () => {
    const d = compliantDeployment();
    d.spec.template.spec.containers[0].image = "r/x:latest";
    assert.deepStrictEqual(rules(d, "production"), ["image-pinned"]);
    assert.deepStrictEqual(rules(d, "dev"), []);
    assert.strictEqual(mutableImage("registry:5000/r/x"), true);
    assert.strictEqual(mutableImage("registry:5000/r/x:2.0"), false);
    assert.strictEqual(mutableImage(`r/x@sha256:${"a".repeat(64)}`), false);
  });

  it("lets a workload waive only the token rule, by annotation", () => {
    const d = compliantDeployment();
    delete d.spec.template.spec.automountServiceAccountToken;
    d.spec.template.spec.containers[0].securityContext.privileged = true;
    d.metadata.annotations = { "posture.acv2.io/waive": "automount-token,privileged" };
    assert.deepStrictEqual(rules(d), ["privileged"]);
  });

  it("checks init containers for security but not for probes", () => {
    const d = compliantDeployment();
    d.spec.template.spec.initContainers = [{ ...d.spec.template.spec.containers[0], name: "init", livenessProbe: undefined, readinessProbe: undefined, startupProbe: undefined }];
    assert.deepStrictEqual(rules(d), []);
    d.spec.template.spec.initContainers[0].securityContext = {};
    assert.deepStrictEqual(new Set(rules(d)), new Set(["privilege-escalation", "drop-capabilities", "read-only-root"]));
  });

  it("Service must be ClusterIP", () => {
    assert.deepStrictEqual(rules({ kind: "Service", metadata: { name: "s" }, spec: { type: "ClusterIP" } }), []);
    assert.deepStrictEqual(rules({ kind: "Service", metadata: { name: "s" }, spec: {} }), []);
    assert.deepStrictEqual(postureViolations({ kind: "Service", metadata: { name: "s" }, spec: { type: "LoadBalancer" } }),
      ["Service/s: type must be ClusterIP (got LoadBalancer): traffic enters through the Istio gateway"]);
  });

  it("Gateway must serve HTTPS and redirect HTTP", () => {
    const gw = (servers: Any[]): Manifest => ({ apiVersion: "networking.istio.io/v1beta1", kind: "Gateway", metadata: { name: "g" }, spec: { servers } });
    const https = { port: { number: 443, protocol: "HTTPS", name: "https" }, hosts: ["h"], tls: { mode: "SIMPLE", credentialName: "c" } };
    const http = { port: { number: 80, protocol: "HTTP", name: "http" }, hosts: ["h"], tls: { httpsRedirect: true } };
    assert.deepStrictEqual(rules(gw([https, http])), []);
    assert.deepStrictEqual(rules(gw([https, { ...http, tls: undefined }])), ["gateway-redirect"]);
    assert.deepStrictEqual(rules(gw([http])), ["gateway-https"]);
    assert.deepStrictEqual(rules(gw([{ ...https, tls: { mode: "SIMPLE" } }, http])), ["gateway-https"]);
  });

  it("PeerAuthentication must be STRICT, port overrides included", () => {
    const pa = (spec: Any): Manifest => ({ apiVersion: "security.istio.io/v1beta1", kind: "PeerAuthentication", metadata: { name: "p" }, spec });
    assert.deepStrictEqual(rules(pa({ mtls: { mode: "STRICT" } })), []);
    assert.deepStrictEqual(rules(pa({ mtls: { mode: "PERMISSIVE" } })), ["mtls-strict"]);
    assert.deepStrictEqual(rules(pa({ mtls: { mode: "STRICT" }, portLevelMtls: { 8000: { mode: "DISABLE" } } })), ["mtls-strict"]);
  });
});

describe("posture rules: across objects", () => {
  const hpa = (min: number, max: number): Manifest => ({
    apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "x", namespace: "ns" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" }, minReplicas: min, maxReplicas: max },
  });
  const pdb = (budget: Any): Manifest => ({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "x", namespace: "ns" }, spec: { ...budget, selector: { matchLabels: labels } } });
  const netpol = (types: string[]): Manifest => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: `np-${types.join("")}`, namespace: "ns" }, spec: { podSelector: { matchLabels: labels }, policyTypes: types } });
  const autoscaled = () => {
    const d = compliantDeployment();
    delete d.spec.replicas;
    return d;
  };
  const rulesOf = (ms: Manifest[]) => stackPostureFindings(ms).map((f) => `${f.object} ${f.rule}`);

  it("a Deployment under an HPA with a fitting PDB and default deny is clean", () => {
    assert.deepStrictEqual(rulesOf([autoscaled(), hpa(3, 10), pdb({ minAvailable: 2 }), netpol(["Ingress", "Egress"])]), []);
  });

  it("a Deployment under an HPA must not set replicas", () => {
    assert.deepStrictEqual(rulesOf([compliantDeployment(), hpa(3, 10), pdb({ minAvailable: 2 }), netpol(["Ingress", "Egress"])]), ["Deployment/x hpa-replicas"]);
  });

  it("a PDB that leaves no eviction at the HPA minimum is reported", () => {
    assert.deepStrictEqual(rulesOf([autoscaled(), hpa(3, 10), pdb({ minAvailable: 3 }), netpol(["Ingress", "Egress"])]), ["PodDisruptionBudget/x pdb-evictable"]);
    assert.deepStrictEqual(rulesOf([autoscaled(), hpa(1, 3), pdb({ minAvailable: 1 }), netpol(["Ingress", "Egress"])]), ["PodDisruptionBudget/x pdb-evictable"]);
    assert.deepStrictEqual(rulesOf([autoscaled(), hpa(1, 3), pdb({ maxUnavailable: 1 }), netpol(["Ingress", "Egress"])]), []);
    assert.deepStrictEqual(rulesOf([autoscaled(), hpa(4, 8), pdb({ minAvailable: "50%" }), netpol(["Ingress", "Egress"])]), []);
  });

  it("an autoscaled Deployment needs a PDB", () => {
    assert.deepStrictEqual(rulesOf([autoscaled(), hpa(2, 4), netpol(["Ingress", "Egress"])]), ["Deployment/x pdb"]);
  });

  it("every workload needs its ingress and egress restricted by a NetworkPolicy", () => {
    assert.deepStrictEqual(rulesOf([autoscaled(), hpa(3, 10), pdb({ minAvailable: 2 }), netpol(["Ingress"])]), ["Deployment/x network-default-deny"]);
    assert.deepStrictEqual(rulesOf([autoscaled(), hpa(3, 10), pdb({ minAvailable: 2 })]).length, 2);
  });

  it("matches label selectors like Kubernetes", () => {
    const l = { a: "1", b: "2" };
    assert.strictEqual(selectorMatches({}, l), true);
    assert.strictEqual(selectorMatches({ matchLabels: { a: "1" } }, l), true);
    assert.strictEqual(selectorMatches({ matchLabels: { a: "2" } }, l), false);
    assert.strictEqual(selectorMatches({ matchExpressions: [{ key: "b", operator: "In", values: ["2", "3"] }] }, l), true);
    assert.strictEqual(selectorMatches({ matchExpressions: [{ key: "c", operator: "Exists" }] }, l), false);
    assert.strictEqual(selectorMatches({ matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, l), false);
  });
});
