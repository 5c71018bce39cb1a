// Pulumi.e2e.yaml as committed, through `pulumi up`, on the real node: the app image (tests/fixtures/app)
// pulled from the loopback registry by containerd, its probes run by the kubelet, traffic through
// kube-proxy. Each release fault is a real broken release (scripts/build-app-image tags), caught by
// the gate's check named in the error and rolled back (`onFailure: rollback`) to the last verified
// release, while a client polls the Service through the whole rollout and rollback. Only where the
// stack points changes (nodeRelease.ts onNode: image repository, the node's selector and taint
// toleration; verification.baseUrl: a loopback relay to the Service). No Istio data plane and no
// cluster DNS here: HTTP goes through the ClusterIP Service, not the Gateway's host.
import { strict as assert } from "node:assert";
import type { V1Deployment } from "@kubernetes/client-node";
import { pulumiBinDir, Workspace } from "../integration/engine";
import { placeStack } from "./cluster";
import { nodeOrSkip, stopNodeIfStarted, type Node } from "./node";
import { imagesMissingReason, onNode, pollLine, pushReleases, serviceAddress, serviceRelay, startPoller, stopRegistryIfStarted, watchRelease, type NodeImages, type Relay } from "./nodeRelease";

const STACK = "e2e";
const NS = "acv2-e2e";
const APP = "agent-cellphone-v2";

/** Release faults through `pulumi up`: the tag, the check line the error must carry, and why it is what catches it. */
/**
 * `oldPodsServe`: the new pods never become ready, so the old ones serve throughout and a polling
 * client must lose nothing. A release that breaks after it has fully rolled out (503 after ready)
 * has already replaced the old pods when it breaks: until the rollback's pods are ready, requests
 * can fail, and only a progressive strategy (issue 13) avoids that; its count is reported.
 */
const FAULTS: Array<{ tag: string; caught: RegExp; what: string; oldPodsServe?: boolean }> = [
  { tag: "2.0.0-crash", oldPodsServe: true, caught: /rollout\s+rollout\s+FAILED\s+.*rollout cannot complete: CrashLoopBackOff \(crash loop\)/, what: "crash at start: the kubelet's restarts end in CrashLoopBackOff" },
  { tag: "2.0.0-no-such-tag", oldPodsServe: true, caught: /rollout\s+rollout\s+FAILED\s+.*rollout cannot complete: ImagePullBackOff \(image cannot/, what: "bad image reference: the registry has no such tag" },
  { tag: "2.0.0-never-ready", oldPodsServe: true, caught: /rollout\s+rollout\s+FAILED\s+.*rollout incomplete/, what: "/health 503 from the start: readiness never passes" },
  { tag: "2.0.0-wrong-port", oldPodsServe: true, caught: /rollout\s+rollout\s+FAILED\s+.*rollout incomplete/, what: "listens on 8001: the probes on 8000 are refused" },
  // /health turns 503 20 s after start: during the rollout (readiness drops the pod, so the
  // rollout check fails) or just after it (the health check fails); both are this release's fault.
  { tag: "2.0.0-503", caught: /(rollout\s+rollout|health\s+health)\s+FAILED/, what: "/health 503 after 20 s of uptime" },
];

describe("e2e on the real node: Pulumi.e2e.yaml through pulumi up with real releases", function () {
  this.timeout(900_000);
  let n: Node | undefined;
  let images: NodeImages | undefined;
  let relay: Relay | undefined;
  let ws: Workspace | undefined;
  const deployment = (): Promise<V1Deployment> => n!.cluster.apps.readNamespacedDeployment({ namespace: NS, name: APP });
  const tag = (t: string) => (cfg: Record<string, any>) => (cfg.app.image.tag = t);
  const image = (d: V1Deployment) => d.spec?.template.spec?.containers[0].image ?? "";
  const apiUrl = async () => {
    const a = await serviceAddress(n!.cluster, NS, APP);
    return `http://${a.host}:${a.port}/api/v1/status`;
  };
  /** The Deployment's template runs `t` and every pod of it is available. */
  async function assertServing(t: string): Promise<void> {
    const d = await deployment();
    assert.equal(image(d), `${images!.repository}:${t}`);
    assert.equal(d.status?.availableReplicas, d.spec?.replicas);
    assert.equal(d.status?.updatedReplicas, d.spec?.replicas);
  }

  before(async function () {
    this.timeout(900_000);
    try {
      pulumiBinDir();
    } catch (err) {
      console.log(`      SKIPPED (e2e node stack): ${(err as Error).message}`);
      this.skip();
    }
    const missing = imagesMissingReason();
    if (missing) {
      console.log(`      SKIPPED (e2e node stack): ${missing}`);
      this.skip();
    }
    n = await nodeOrSkip(this);
    images = pushReleases(["2.0.0", "2.1.0"]);
    console.log(`      app image, 2 versions x 7 variants built and pushed: ${images.buildMs} ms`);
    ws = new Workspace("node-e2e");
    await placeStack(n.cluster, ws.dir, STACK);
    relay = await serviceRelay(n.cluster, NS, APP);
    ws.env.KUBECONFIG = n.cluster.kubeconfig;
    ws.editStack(STACK, (cfg) => {
      onNode(cfg, images!.repository);
      cfg.verification.baseUrl = relay!.url;
    });
    await ws.initStack(STACK);
  });
  after(async function () {
    this.timeout(300_000);
    if (ws) await ws.pulumi(["destroy", "--yes", "--stack", STACK]).catch(() => undefined);
    ws?.remove();
    await relay?.close();
    stopRegistryIfStarted(images);
    stopNodeIfStarted();
  });

  it("a healthy release: pulled from the registry, run by the kubelet on the node, verified and recorded", async () => {
    const r = await ws!.must(["up", "--yes", "--stack", STACK]);
    console.log(`      pulumi up (healthy, from scratch): ${r.ms} ms`);
    const out = await ws!.outputs(STACK);
    assert.equal(out.verification.verdict, "passed");
    assert.equal(out.verification.verifiedImage, `${images!.repository}:2.0.0`);
    await assertServing("2.0.0");
    const pods = (await n!.cluster.core.listNamespacedPod({ namespace: NS })).items;
    assert.equal(pods.length, 2);
    const digest = images!.refs["2.0.0"].split("@")[1];
    for (const p of pods) {
      assert.equal(p.spec?.nodeName, "acv2-node-0", "on the real node, not kwok");
      assert.ok(p.status?.containerStatuses?.[0].imageID?.endsWith(digest), `${p.metadata?.name} runs the pushed digest ${digest}: ${p.status?.containerStatuses?.[0].imageID}`);
      assert.equal(p.status?.containerStatuses?.[0].ready, true);
    }
    const served = await fetch(`${relay!.url}/api/v1/status`);
    assert.equal(served.status, 200);
  });

  for (const f of FAULTS) {
    it(`${f.tag} (${f.what}): the update fails naming the check and is rolled back to the verified release${f.oldPodsServe ? ", and a polling client loses nothing" : ""}`, async () => {
      const poll = startPoller(await apiUrl());
      const watch = watchRelease(deployment, f.tag, "2.0.0");
      ws!.editStack(STACK, tag(f.tag));
      const r = await ws!.must(["up", "--yes", "--stack", STACK], 1);
      await new Promise((res) => setTimeout(res, 3_000)); // the old pods keep serving after the update ends
      const seen = await watch.stop();
      const p = await poll.stop();
      const text = r.stdout + r.stderr;
      console.log(`      ${f.tag}: pulumi up ${r.ms} ms; from up start: applied ${seen.applied} ms, rolled back (gate failed) ${seen.restored} ms, rollback complete ${seen.complete} ms; poller ${pollLine(p)}`);
      assert.match(text, f.caught);
      assert.match(text, new RegExp(`rollback: rolled ${NS}/${APP} back from revision \\d+ to the last verified release \\S+:2\\.0\\.0 \\(ReplicaSet \\S+, revision \\d+\\); rollout complete`));
      await assertServing("2.0.0");
      if (f.oldPodsServe) assert.equal(p.failed, 0, `a client polling the Service through the rollout and rollback: ${pollLine(p)}`);
      assert.ok(p.requests > 20, "the poller ran");
    });
  }

  it("a recovery release rolls out over the verified one with no failed request, and an unchanged re-run touches nothing", async () => {
    const poll = startPoller(await apiUrl());
    ws!.editStack(STACK, tag("2.1.0"));
    const r = await ws!.must(["up", "--yes", "--stack", STACK]);
    await new Promise((res) => setTimeout(res, 3_000));
    const p = await poll.stop();
    console.log(`      2.1.0 (recovery): pulumi up ${r.ms} ms; poller ${pollLine(p)}`);
    const out = await ws!.outputs(STACK);
    assert.equal(out.verification.verdict, "passed");
    assert.equal(out.verification.verifiedImage, `${images!.repository}:2.1.0`);
    await assertServing("2.1.0");
    assert.equal(p.failed, 0, `old pods drained while the new ones took over: ${pollLine(p)}`);
    const revision = (await deployment()).metadata?.annotations?.["deployment.kubernetes.io/revision"];

    const again = await ws!.must(["up", "--yes", "--stack", STACK]);
    console.log(`      unchanged re-run: ${again.ms} ms`);
    assert.match(again.stdout, /unchanged/);
    const after = await ws!.outputs(STACK);
    assert.equal(after.verification.verifiedAt, out.verification.verifiedAt, "an unchanged pulumi up does not run the gate");
    assert.equal((await deployment()).metadata?.annotations?.["deployment.kubernetes.io/revision"], revision);
  });
});
