// Release semantics of the serialized gate in Pulumi's dynamic provider host, with the
// recorded-API stand-in as the cluster: a first release is not blocked by having nothing to roll
// back to (point 3); an image that failed verification here is not verified again without the
// opt-in, and a Deployment changed behind the update's back fails the rollout check saying how
// to proceed (point 4); the checks use the provider's kubeconfig context (point 6).
import { strict as assert } from "assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { DynamicHost, initFailure } from "../fixtures/dynamicHost";
import { gateUrn, useGateHarness, withoutConfig } from "../fixtures/gateHarness";
import { recorded } from "../fixtures/kubeApi";
import { IMG, KEY, releaseInputs, TARGET, useReleaseApi, VERIFIED } from "../fixtures/releaseStandIn";

const URN = gateUrn();

describe("verification gate: release semantics (serialized provider, recorded-API stand-in)", function () {
  this.timeout(120_000);
  const h = useGateHarness();
  const rel = useReleaseApi();

  const k8sChecks = [
    { name: "rollout", type: "rollout", ...TARGET, timeoutSeconds: 30 },
    { name: "rollback", type: "rollback", ...TARGET, timeoutSeconds: 30 },
  ];
  const gateInputs = (over: Record<string, unknown> = {}, configOver: Record<string, unknown> = {}) =>
    releaseInputs(h, rel.api, [{ name: "health", type: "health", timeoutSeconds: 15 }, ...k8sChecks], over, configOver);
  /** What a failing, rolled-back run of 1.3.0 left: the live Deployment runs 1.1.0 again. */
  const afterRollback = (over: Record<string, unknown> = {}) => ({
    ...withoutConfig(gateInputs()), verdict: "failed", verifiedRelease: VERIFIED, failedImages: [IMG("1.3.0")], rolledBack: true, ...over,
  });
  const setLiveImage = (image: string) => (rel.api.state.deployments[KEY].spec.template.spec.containers[0].image = image);
  const reportOf = (msg: string) => JSON.parse(readFileSync(/full report: (\S+)/.exec(msg)![1], "utf8"));

  describe("first release (point 3)", () => {
    beforeEach(() => {
      rel.api.state.deployments[KEY] = recorded("deployment-first-revision.json");
      rel.api.state.replicaSets = recorded<{ items: any[] }>("replicasets-one-revision.json").items;
    });

    it("the first `pulumi up` of a stack passes with a blocking rollback check; the report says why", async () => {
      const first = recorded("deployment-first-revision.json");
      const res = await h.host.create(URN, gateInputs({ imageRef: first.spec.template.spec.containers[0].image }));
      assert.ifError(res.error);
      const rb = JSON.parse(readFileSync(res.result!.outs.reportPath, "utf8")).checks.find((c: any) => c.name === "rollback");
      assert.equal(rb.status, "passed");
      assert.equal(rb.blocking, true);
      assert.match(rb.message, /^first release of acv2-staging\/agent-cellphone-v2: nothing to roll back to yet/);
      assert.equal(res.result!.outs.verifiedRelease.podTemplateHash, recorded<{ items: any[] }>("replicasets-one-revision.json").items[0].metadata.labels["pod-template-hash"]);
    });

    it("a later release (a verified one on record) with no usable previous revision still fails", async () => {
      const first = recorded("deployment-first-revision.json");
      const image = first.spec.template.spec.containers[0].image;
      const olds = { ...withoutConfig(gateInputs({ imageRef: image })), verdict: "passed", verifiedRelease: { ...VERIFIED, podTemplateHash: "gone000000" } };
      const res = await h.host.update(URN, "verification-test", olds, gateInputs({ imageRef: image, configHash: "c2" }));
      assert.ok(res.error, "must fail");
      const rb = reportOf(res.error!.details).checks.find((c: any) => c.name === "rollback");
      assert.equal(rb.status, "failed");
      assert.match(rb.message, /no usable previous revision/);
    });
  });

  describe("an image that failed verification here (point 4)", () => {
    it("an unchanged re-run after the rollback is refused without running the suite or touching the workload", async () => {
      setLiveImage(IMG("1.1.0"));
      const res = await h.host.update(URN, "verification-test", afterRollback(), gateInputs());
      const msg = res.error!.details;
      assert.match(msg, /image ghcr\.io\/example\/agent-cellphone-v2:1\.3\.0 failed verification on this stack before and was rolled back; it is not verified again without an explicit opt-in \(the last verified release is ghcr\.io\/example\/agent-cellphone-v2:1\.1\.0\)/);
      assert.match(msg, /ACV2_REDEPLOY_FAILED_IMAGE=1 pulumi up \(or set verification\.redeployFailedImage: true\)/);
      assert.match(msg, /rollback: .* does not run ghcr\.io\/example\/agent-cellphone-v2:1\.3\.0 .*; left as is/);
      assert.match(msg, /acv2-staging\/agent-cellphone-v2 runs ghcr\.io\/example\/agent-cellphone-v2:1\.1\.0 but this update expected ghcr\.io\/example\/agent-cellphone-v2:1\.3\.0: .*revert the image in the stack config to ghcr\.io\/example\/agent-cellphone-v2:1\.1\.0/);
      assert.equal(h.fixture.requestCount(), 0, "no check ran");
      assert.equal(rel.api.requests.filter((r) => r.method !== "GET").length, 0);
      assert.equal(initFailure(res.error)!.properties.verdict, "failed", "and it is not recorded as verified");
    });

    it("`pulumi up --refresh` re-applied it: refused, and the last verified release is restored", async () => {
      // state refreshed from the cluster, the provider re-applied 1.3.0: the live template runs it
      const res = await h.host.update(URN, "verification-test", afterRollback(), gateInputs());
      assert.match(res.error!.details, /rollback: rolled acv2-staging\/agent-cellphone-v2 back .* to the last verified release ghcr\.io\/example\/agent-cellphone-v2:1\.1\.0/);
      assert.equal(rel.api.state.deployments[KEY].spec.template.spec.containers[0].image, IMG("1.1.0"));
    });

    it("with the opt-in but without --refresh, the rollout check says what runs, what was expected and how to proceed", async () => {
      setLiveImage(IMG("1.1.0"));
      const res = await h.host.update(URN, "verification-test", afterRollback(), gateInputs({}, { redeployFailedImage: true }));
      const rollout = reportOf(res.error!.details).checks.find((c: any) => c.name === "rollout");
      assert.equal(rollout.status, "failed");
      assert.match(rollout.message, /runs ghcr\.io\/example\/agent-cellphone-v2:1\.1\.0 but this update expected ghcr\.io\/example\/agent-cellphone-v2:1\.3\.0: the Deployment was changed outside this update .* revert the image in the stack config to ghcr\.io\/example\/agent-cellphone-v2:1\.1\.0 and run pulumi up, or run pulumi up --refresh/);
      assert.doesNotMatch(res.error!.details, /rollback: rolled/, "a re-check never rolls back");
      assert.equal(initFailure(res.error)!.properties.rolledBack, true, "still rolled back: the next run without the opt-in is refused");
    });

    it("opted in with the config key, a fixed release verifies and leaves the failed list", async () => {
      const res = await h.host.update(URN, "verification-test", afterRollback(), gateInputs({}, { redeployFailedImage: true }));
      assert.ifError(res.error);
      assert.equal(res.result!.outs.verifiedRelease.imageRef, IMG("1.3.0"));
      assert.deepEqual(res.result!.outs.failedImages, []);
    });

    it("opted in with ACV2_REDEPLOY_FAILED_IMAGE in the engine's environment", async () => {
      const optedIn = await DynamicHost.start({ ...process.env, ACV2_REDEPLOY_FAILED_IMAGE: IMG("1.3.0") });
      try {
        const res = await optedIn.update(URN, "verification-test", afterRollback(), gateInputs());
        assert.ifError(res.error);
        assert.equal(res.result!.outs.verdict, "passed");
      } finally {
        await optedIn.stop();
      }
    });
  });

  describe("same cluster as the Kubernetes provider (point 6)", () => {
    /** A kubeconfig whose CURRENT context is a dead server and whose `stand-in` context is the API. */
    const made: string[] = [];
    after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
    function twoContexts(): string {
      const text = readFileSync(rel.api.kubeconfigPath, "utf8");
      made.push(mkdtempSync(path.join(tmpdir(), "acv2-ctx-")));
      const file = path.join(made[made.length - 1], "kubeconfig");
      const dead = text.replace(/https:\/\/127\.0\.0\.1:\d+/, "https://127.0.0.1:1").replace(/(name|cluster|current-context): recorded-api/g, "$1: dead");
      const cluster = (t: string) => t.slice(t.indexOf("- name:"), t.indexOf("users:"));
      const merged = dead
        .replace("users:", `${cluster(text).replace("name: recorded-api", "name: stand-in")}users:`)
        .replace("current-context: dead", "- name: stand-in\n  context:\n    cluster: stand-in\n    user: verifier\ncurrent-context: dead");
      writeFileSync(file, merged, { mode: 0o600 });
      return file;
    }

    it("rollout and rollback checks read the cluster of `kubernetes.context`, not the kubeconfig's current one", async () => {
      const kubeconfig = twoContexts();
      const res = await h.host.create(URN, gateInputs({ target: { namespace: "acv2-staging", deployment: "agent-cellphone-v2", kubeconfig, context: "stand-in" } }));
      assert.ifError(res.error);
      assert.ok(rel.api.requests.some((r) => r.path.endsWith("/deployments/agent-cellphone-v2")), "the stand-in was read");
      const without = await h.host.create(URN, gateInputs({ target: { namespace: "acv2-staging", deployment: "agent-cellphone-v2", kubeconfig } }));
      assert.match(without.error!.details, /rollout\s+rollout\s+ERROR .*Kubernetes API unreachable/, "the current context is the dead one");
    });

    it("an unknown context fails naming it and the contexts there are", async () => {
      const res = await h.host.create(URN, gateInputs({ target: { namespace: "acv2-staging", deployment: "agent-cellphone-v2", kubeconfig: twoContexts(), context: "prod-eu" } }));
      assert.match(res.error!.details, /kubernetes\.context "prod-eu" is not in the kubeconfig \(contexts: dead, stand-in\)/);
      assert.equal(h.fixture.requestCount(), 0);
    });
  });
});
