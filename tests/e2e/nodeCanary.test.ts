// A canary release through `pulumi up` on the real node, promoted step by step by the gate (issue
// 13 point 3): Pulumi.e2e.yaml with `release.strategy: canary` (two steps, 25 % then 50 %), the
// Argo Rollouts controller built from its Go module (scripts/start-rollouts), real pods of the
// app image from the loopback registry. No Istio data plane runs here: the route weights are
// what the controller writes into the VirtualService (read back at each step), not traffic
// measured; the gate's per-step checks reach the new version through the canary Service
// (`release.canary.verifyBaseUrl`: a loopback relay to its ClusterIP), as the issue allows.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { CustomObjectsApi, V1Pod } from "@kubernetes/client-node";
import { pulumiBinDir, Workspace } from "../integration/engine";
import { k8sClient } from "../../verification/k8s";
import { ROOT } from "./cluster";
import { nodeOrSkip, stopNodeIfStarted, type Node } from "./node";
import { imagesMissingReason, onNode, pushReleases, serviceRelay, stopRegistryIfStarted, type NodeImages, type Relay } from "./nodeRelease";
import { controllerMissing, startController, stopController } from "./rolloutsController";

const STACK = "e2e";
const NS = "acv2-e2e";
const APP = "agent-cellphone-v2";
const STEPS = [{ setWeight: 25, pauseSeconds: 10 }, { setWeight: 50, pauseSeconds: 10 }];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe("e2e on the real node: a canary release promoted step by step by the gate (Argo Rollouts)", function () {
  this.timeout(900_000);
  let n: Node | undefined;
  let images: NodeImages | undefined;
  let relay: Relay | undefined;
  let canaryRelay: Relay | undefined;
  let ws: Workspace | undefined;
  let startedController = false;
  let custom: CustomObjectsApi;
  const get = (group: string, plural: string, name: string): Promise<Json> =>
    custom.getNamespacedCustomObject({ group, version: group === "argoproj.io" ? "v1alpha1" : "v1beta1", namespace: NS, plural, name });
  const rollout = async () => (await get("argoproj.io", "rollouts", APP)).status ?? {};
  const weights = async (): Promise<string> =>
    ((await get("networking.istio.io", "virtualservices", `${APP}-route`)).spec.http as Json[])
      .find((h) => h.name === "app").route.map((d: Json) => `${d.destination.subset}=${d.weight}`).join(" ");
  const tag = (t: string) => (cfg: Record<string, Json>) => (cfg.app.image.tag = t);
  const pods = async (): Promise<V1Pod[]> => (await n!.cluster.core.listNamespacedPod({ namespace: NS, labelSelector: `app.kubernetes.io/name=${APP}` })).items.filter((p) => !p.metadata?.deletionTimestamp);

  /** Records each distinct route split while `pulumi up` runs (every 200 ms). */
  function watchWeights(): { stop(): Promise<string[]> } {
    const seen: string[] = [];
    let on = true;
    const loop = (async () => {
      while (on) {
        const w = await weights().catch(() => undefined);
        if (w && seen[seen.length - 1] !== w) seen.push(w);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    return { stop: async () => ((on = false), await loop, seen) };
  }

  before(async function () {
    this.timeout(900_000);
    const reason = (() => {
      try {
        pulumiBinDir();
      } catch (err) {
        return (err as Error).message;
      }
      return imagesMissingReason() ?? controllerMissing();
    })();
    if (reason) {
      console.log(`      SKIPPED (e2e node canary): ${reason}`);
      this.skip();
    }
    n = await nodeOrSkip(this);
    const ctl = startController();
    startedController = ctl.started;
    console.log(`      Argo Rollouts controller healthy in ${(ctl.ms / 1000).toFixed(1)} s`);
    custom = n.cluster.kc.makeApiClient(k8sClient().CustomObjectsApi);
    images = pushReleases(["2.0.0", "2.1.0"]);
    relay = await serviceRelay(n.cluster, NS, APP);
    canaryRelay = await serviceRelay(n.cluster, NS, `${APP}-canary`);
    ws = new Workspace("node-canary");
    fs.copyFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), path.join(ws.dir, `Pulumi.${STACK}.yaml`));
    ws.env.KUBECONFIG = n.cluster.kubeconfig;
    ws.editStack(STACK, (cfg) => {
      onNode(cfg, images!.repository);
      cfg.verification.baseUrl = relay!.url;
      cfg.release = { strategy: "canary", analysisIntervalSeconds: 10, canary: { steps: STEPS, verifyBaseUrl: canaryRelay!.url } };
    });
    await ws.initStack(STACK);
  });
  after(async function () {
    this.timeout(300_000);
    if (ws) await ws.pulumi(["destroy", "--yes", "--stack", STACK]).catch(() => undefined);
    ws?.remove();
    await relay?.close();
    await canaryRelay?.close();
    stopController(startedController);
    stopRegistryIfStarted(images);
    stopNodeIfStarted();
  });

  it("the first release has no stable to compare with: it goes straight to stable, is verified where it serves, and the Deployment keeps no pods", async () => {
    const r = await ws!.must(["up", "--yes", "--stack", STACK]);
    console.log(`      first release (2.0.0) from scratch: pulumi up ${r.ms} ms`);
    assert.match(r.stdout + r.stderr, /no step to promote/);
    const st = await rollout();
    assert.equal(st.phase, "Healthy");
    assert.equal(st.stableRS, st.currentPodHash);
    const out = await ws!.outputs(STACK);
    assert.equal(out.verification.verdict, "passed");
    assert.equal(await weights(), "stable=100 canary=0");
    const d = await n!.cluster.apps.readNamespacedDeployment({ namespace: NS, name: APP });
    assert.equal(d.spec?.replicas, 0, "the Rollout runs the pods; the Deployment is only their template");
    const running = await pods();
    assert.equal(running.length, 2);
    assert.ok(running.every((p) => p.metadata?.labels?.["rollouts-pod-template-hash"] === st.stableRS && p.spec?.nodeName === "acv2-node-0"));
  });

  it("a healthy new release walks every step (route 75/25, then 50/50), is verified at each through the canary Service, promoted, and becomes stable", async () => {
    const before = (await rollout()).stableRS;
    const watch = watchWeights();
    ws!.editStack(STACK, tag("2.1.0"));
    const r = await ws!.must(["up", "--yes", "--stack", STACK]);
    const seen = await watch.stop();
    const text = r.stdout + r.stderr;
    console.log(`      2.1.0 canary: pulumi up ${r.ms} ms (pauses configured: ${STEPS.reduce((a, s) => a + s.pauseSeconds, 0)} s); route splits seen: ${seen.join(" -> ")}`);
    assert.deepEqual(seen.filter((w) => w !== "stable=100 canary=0"), ["stable=75 canary=25", "stable=50 canary=50"], "each step's weight, in order, and nothing else");
    assert.equal(seen[seen.length - 1], "stable=100 canary=0", "after promotion all traffic is on the new stable");
    assert.match(text, /canary: step 1 of 2 \(25%\) verified in [\d.]+ s; promoting/);
    assert.match(text, /canary: step 2 of 2 \(50%\) verified in [\d.]+ s; promoting/);
    const st = await rollout();
    assert.equal(st.phase, "Healthy");
    assert.notEqual(st.stableRS, before, "the new template is stable now");
    const out = await ws!.outputs(STACK);
    assert.equal(out.verification.verifiedImage, `${images!.repository}:2.1.0`);
    // The old stable's pods stay for the controller's scale-down delay (30 s with traffic routing): judge the new stable's.
    const stablePods = (await pods()).filter((p) => p.metadata?.labels?.["rollouts-pod-template-hash"] === st.stableRS);
    assert.equal(stablePods.length, 2);
    assert.ok(stablePods.every((p) => p.spec?.containers[0].image === `${images!.repository}:2.1.0` && p.status?.containerStatuses?.[0].ready), "the new stable's pods run 2.1.0 and are ready");
  });

  for (const f of [
    { tag: "2.1.0-crash", why: /the new version (cannot become ready|failed while watched at step 1 of 2 \(25%\)): .*CrashLoopBackOff/, at: /canary aborted at step 1 of 2 \(25%\)/ },
    { tag: "2.1.0-503", why: /verification failed at step [12] of 2 \((25|50)%\): health FAILED/, at: /canary aborted at step [12] of 2/ },
  ]) {
    it(`${f.tag}: aborted at the step that caught it, pulumi up fails with the step table, stable and its pods untouched`, async () => {
      const before = await rollout();
      const stableOf = async () => (await pods())
        .filter((p) => p.metadata?.labels?.["rollouts-pod-template-hash"] === before.stableRS)
        .map((p) => `${p.metadata?.uid}/${p.status?.containerStatuses?.[0].restartCount}`).sort();
      const stablePods = await stableOf();
      assert.equal(stablePods.length, 2);
      ws!.editStack(STACK, tag(f.tag));
      const r = await ws!.must(["up", "--yes", "--stack", STACK], 1);
      const text = r.stdout + r.stderr;
      console.log(`      ${f.tag}: pulumi up ${r.ms} ms; ${(text.match(/canary aborted at [^;]*/) ?? ["(no abort line)"])[0]}`);
      assert.match(text, f.at);
      assert.match(text, f.why);
      assert.match(text, /all traffic back on stable \S+ \(canary weight 0\); stable was not modified/);
      assert.match(text, /STEP\s+WEIGHT\s+OBSERVED\s+VERDICT\s+FAILED/);
      const st = await rollout();
      assert.equal(st.abort, true);
      assert.equal(st.stableRS, before.stableRS, "stable is the same ReplicaSet");
      assert.equal(await weights(), "stable=100 canary=0");
      assert.deepEqual(await stableOf(), stablePods, "the stable pods were never restarted or replaced");
    });
  }

  it("the aborted image is not promoted by a later pulumi up without the opt-in, and returning to the verified image needs no steps", async () => {
    const r = await ws!.must(["up", "--yes", "--stack", STACK], 1);
    assert.match(r.stdout + r.stderr, /image \S+:2\.1\.0-503 failed verification on this stack before/);
    assert.equal((await rollout()).abort, true, "still aborted: nothing promoted it");
    ws!.editStack(STACK, tag("2.1.0"));
    const back = await ws!.must(["up", "--yes", "--stack", STACK]);
    console.log(`      back to 2.1.0: pulumi up ${back.ms} ms`);
    assert.match(back.stdout + back.stderr, /no step to promote/);
    const st = await rollout();
    assert.equal(st.phase, "Healthy");
    assert.notEqual(st.abort, true);
    assert.equal((await ws!.outputs(STACK)).verification.verdict, "passed");
  });
});
