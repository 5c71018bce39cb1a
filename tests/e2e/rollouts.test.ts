// The Argo Rollouts controller (scripts/install-argo-rollouts, v1.10.2 built from its Go module)
// against the loopback control plane (scripts/start-k8s; kwok plays the kubelet), with its CRDs
// applied server-side (scripts/start-rollouts). The objects are the product's own builders: the
// Rollout of components/specs/releaseSpecs.ts and the VirtualService/DestinationRule of
// components/specs/gatewaySpecs.ts with the canary subsets. One real behaviour: a new Deployment
// template takes the Rollout to its first pause with the route at 80/20 between the subsets
// (read back from the VirtualService), and an abort puts it back to 100/0. No Istio proxy runs
// here: the weights are what the controller writes, not traffic measured.
import { strict as assert } from "node:assert";
import type { CustomObjectsApi, KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import { releaseSchema } from "../../config/sections/release";
import { resolveGatewayOptions } from "../../components/specs/gatewayOptions";
import { buildDestinationRule, buildVirtualService } from "../../components/specs/gatewaySpecs";
import { CANARY_SUBSET, STABLE_SUBSET, buildCanaryService, buildRollout } from "../../components/specs/releaseSpecs";
import { k8sClient } from "../../verification/k8s";
import { appDeployment, clusterOrSkip, deleteNamespace, freshNamespace, setImage, waitFor, type Cluster } from "./cluster";
import { controllerMissing, startController, stopController } from "./rolloutsController";

const NAME = "acv2-ro";

describe("Argo Rollouts controller against the loopback control plane (e2e)", function () {
  this.timeout(300_000);
  let c: Cluster | undefined;
  let ns: string | undefined;
  let startedController = false;
  let custom: CustomObjectsApi;
  let objectsApi: KubernetesObjectApi;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const get = async (group: string, version: string, plural: string, name: string): Promise<any> =>
    custom.getNamespacedCustomObject({ group, version, namespace: ns!, plural, name });
  const rolloutStatus = async () => (await get("argoproj.io", "v1alpha1", "rollouts", NAME)).status ?? {};
  const weights = async () =>
    ((await get("networking.istio.io", "v1beta1", "virtualservices", `${NAME}-route`)).spec.http as Array<{ name: string; route: Array<{ destination: { subset: string }; weight: number }> }>)
      .find((h) => h.name === "app")!
      .route.map((d) => `${d.destination.subset}=${d.weight}`);

  before(async function () {
    const reason = controllerMissing();
    if (reason) {
      console.log(`      SKIPPED (e2e): ${reason}`);
      this.skip();
    }
    c = await clusterOrSkip(this);
    const ctl = startController();
    startedController = ctl.started;
    console.log(`      CRDs applied server-side and controller healthy in ${(ctl.ms / 1000).toFixed(1)} s`);
    ns = await freshNamespace(c, "ro");
    const k = k8sClient();
    custom = c.kc.makeApiClient(k.CustomObjectsApi);
    objectsApi = k.KubernetesObjectApi.makeApiClient(c.kc);
  });

  after(async function () {
    await deleteNamespace(c, ns);
    stopController(startedController);
  });

  it("canary: the first pause sets the route to 80/20 between the subsets, and an abort puts it back to 100/0", async () => {
    const labels = { app: NAME };
    const release = releaseSchema.parse({ strategy: "canary", canary: { steps: [{ setWeight: 20 }] } });
    const gw = resolveGatewayOptions({ appName: NAME, host: "ro.acv2.test", servicePort: 80, tls: { issuer: "self-signed" } });
    const target = { namespace: ns!, serviceName: NAME, subsets: { stable: STABLE_SUBSET, canary: CANARY_SUBSET } };
    const releaseTarget = {
      appName: NAME, namespace: ns!, deploymentName: NAME, serviceName: NAME, selectorLabels: labels, labels,
      replicas: 2, revisionHistoryLimit: 5, virtualServiceName: gw.names.virtualService, destinationRuleName: gw.names.destinationRule,
      metricsJob: NAME, errorRateRatio: 0.05, p95LatencySeconds: 0.5,
    };
    const rollout = buildRollout(release, releaseTarget);
    // The Rollout names a canary Service (the gate's per-step address): the controller refuses it while it is missing.
    const canaryService = buildCanaryService(releaseTarget);
    const service = { apiVersion: "v1", kind: "Service", metadata: { name: NAME, namespace: ns }, spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: 8080 }] } };
    const objects = [appDeployment({ namespace: ns!, name: NAME, image: "registry.example/acv2:1.0.0" }), service, buildVirtualService(gw, target), buildDestinationRule(gw, target), canaryService, rollout];
    for (const o of objects) await objectsApi.create(o as KubernetesObject);

    const t0 = Date.now();
    await waitFor("the first revision becomes Healthy", 120_000, async () => (await rolloutStatus()).phase === "Healthy", 500);
    console.log(`      first revision Healthy after ${((Date.now() - t0) / 1000).toFixed(1)} s; route ${(await weights()).join(" ")}`);
    assert.deepEqual(await weights(), ["stable=100", "canary=0"]);
    // workloadRef with scaleDown progressively: the Rollout's pods replace the Deployment's.
    await waitFor("the Deployment scaled to 0", 120_000, async () => (await c!.apps.readNamespacedDeployment({ namespace: ns!, name: NAME })).spec?.replicas === 0, 500);

    await setImage(c!, ns!, NAME, "registry.example/acv2:1.1.0");
    const t1 = Date.now();
    await waitFor("the first pause", 120_000, async () => {
      const s = await rolloutStatus();
      return s.phase === "Paused" && s.currentStepIndex === 1;
    }, 500);
    console.log(`      new template to the first pause in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    await waitFor("route at 80/20", 30_000, async () => (await weights()).join(" ") === "stable=80 canary=20", 500);
    assert.deepEqual(await weights(), ["stable=80", "canary=20"]);
    const dr = await get("networking.istio.io", "v1beta1", "destinationrules", `${NAME}-traffic`);
    const hash = (subset: string) => dr.spec.subsets.find((s: { name: string }) => s.name === subset).labels["rollouts-pod-template-hash"];
    const s = await rolloutStatus();
    assert.equal(hash(STABLE_SUBSET), s.stableRS, "the stable subset selects the stable ReplicaSet");
    assert.equal(hash(CANARY_SUBSET), s.currentPodHash, "the canary subset selects the new ReplicaSet");
    assert.notEqual(hash(STABLE_SUBSET), hash(CANARY_SUBSET));
    // Indefinite pause: nothing promotes on its own (a few resyncs later it is still paused at 20).
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal((await rolloutStatus()).currentStepIndex, 1);
    assert.deepEqual(await weights(), ["stable=80", "canary=20"]);

    // What `kubectl argo rollouts abort` does: set status.abort through the status subresource.
    await custom.patchNamespacedCustomObjectStatus({
      group: "argoproj.io", version: "v1alpha1", namespace: ns!, plural: "rollouts", name: NAME,
      body: [{ op: "add", path: "/status/abort", value: true }],
    });
    const t2 = Date.now();
    await waitFor("route back at 100/0", 60_000, async () => (await weights()).join(" ") === "stable=100 canary=0", 500);
    console.log(`      abort to 100/0 in ${((Date.now() - t2) / 1000).toFixed(1)} s`);
    assert.deepEqual(await weights(), ["stable=100", "canary=0"]);
    await waitFor("the Rollout reports the abort", 60_000, async () => {
      const st = await rolloutStatus();
      return st.phase === "Degraded" && st.abort === true;
    }, 500);
  });
});
