// A real node (scripts/start-node: containerd + runc, a Linux bridge pod network, kubelet,
// kube-proxy in iptables mode) beside the loopback control plane: containers really start, the
// kubelet really runs the readiness probe, a crash really loops, and a Service really reaches the
// pod from this process (ClusterIP through kube-proxy's DNAT, and a NodePort on the bridge's
// address). Traffic stays on the machine: the ClusterIP and the pod live on the bridge the script
// made. There is no Istio data plane here; nothing in this file depends on one.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { k8sClient } from "../../verification/k8s";
import { deleteNamespace, freshNamespace, ROOT, waitFor } from "./cluster";
import { get, isReady, nodeDiagnostics, nodeFootprint, nodeOrSkip, PROBE_IMAGE, probePod, recordedBuildSeconds, stopNodeIfStarted, type Node } from "./node";

describe("e2e: a real node runs containers (kubelet, containerd, kube-proxy)", function () {
  this.timeout(180_000);
  let n: Node | undefined;
  let ns: string | undefined;

  before(async function () {
    this.timeout(420_000);
    n = await nodeOrSkip(this);
    ns = await freshNamespace(n.cluster, "acv2-e2e-node");
    // Figures, not assertions: build times (warm = now, cold = what the install scripts recorded)
    // and the node's start time.
    const warm = (script: string, env: Record<string, string> = {}): string => {
      const t0 = Date.now();
      execFileSync(path.join(ROOT, "scripts", script), { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "ignore"] });
      return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    };
    const k8sStamps = path.join(path.dirname(execFileSync(path.join(ROOT, "scripts/install-k8s"), ["--print-bin"], { encoding: "utf8" }).trim()), "stamps");
    const nodeStamps = path.join(path.dirname(execFileSync(path.join(ROOT, "scripts/install-node"), ["--print-bin"], { encoding: "utf8" }).trim()), "stamps");
    console.log(`      node parts, warm build: kubelet+kube-proxy ${warm("install-k8s", { ACV2_K8S_COMPONENTS: "kubelet kube-proxy" })}, containerd+images ${warm("install-node")}`);
    console.log(
      `      node parts, cold build (recorded): kubelet ${recordedBuildSeconds(k8sStamps, "kubelet")}, kube-proxy ${recordedBuildSeconds(k8sStamps, "kube-proxy")}, containerd ${recordedBuildSeconds(nodeStamps, "containerd")}`,
    );
    console.log(`      node start: ${n.startSeconds === undefined ? "already running" : `${n.startSeconds.toFixed(1)} s`}`);
  });
  after(async function () {
    this.timeout(180_000);
    await deleteNamespace(n?.cluster, ns);
    stopNodeIfStarted();
  });

  async function pod(name: string): Promise<V1Pod> {
    return n!.cluster.core.readNamespacedPod({ namespace: ns!, name });
  }
  async function events(name: string): Promise<CoreV1Event[]> {
    return (await n!.cluster.core.listNamespacedEvent({ namespace: ns!, fieldSelector: `involvedObject.name=${name}` })).items;
  }

  it("a non-root pod with a read-only root filesystem becomes Ready by its probe, and a ClusterIP Service and a NodePort reach it", async () => {
    const t0 = Date.now();
    await n!.cluster.core.createNamespacedPod({ namespace: ns!, body: probePod({ namespace: ns!, name: "web", labels: { role: "web" } }) });
    await waitFor("pod web Ready", 120_000, async () => isReady(await pod("web")), 250);
    console.log(`      pod created -> Ready: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const p = await pod("web");
    assert.equal(p.spec?.nodeName, "acv2-node-0");
    assert.match(p.status?.podIP ?? "", /^10\.89\.0\.\d+$/, "the pod's IP comes from the bridge's host-local range");
    assert.match(p.status?.containerStatuses?.[0].imageID ?? "", /sha256:[0-9a-f]{64}/, "containerd reports the imported image's digest");
    assert.ok((await events("web")).some((e) => e.reason === "Started"), "the kubelet reported the container started");

    const svc = await n!.cluster.core.createNamespacedService({
      namespace: ns!,
      body: { metadata: { name: "web" }, spec: { type: "NodePort", selector: { role: "web" }, ports: [{ port: 80, targetPort: 8000 }] } },
    });
    const clusterIP = svc.spec!.clusterIP!;
    const nodePort = svc.spec!.ports![0].nodePort!;
    // kube-proxy syncs its rules after it sees the Service and its EndpointSlice.
    let who: { uid: number; gid: number; hostname: string; rootWritable: boolean } | undefined;
    let lastError = "";
    await waitFor(`GET http://${clusterIP}/whoami`, 60_000, async () => {
      try {
        const r = await get(`http://${clusterIP}/whoami`, 5_000);
        if (r.status === 200) who = JSON.parse(r.body);
        else lastError = `status ${r.status}`;
        return who !== undefined;
      } catch (e) {
        lastError = String(e);
        return false;
      }
    }, 250).catch((e: Error) => {
      throw new Error(`${e.message}; last error: ${lastError}\n${nodeDiagnostics(clusterIP)}`);
    });
    assert.deepEqual(who, { uid: 65532, gid: 65532, hostname: "web", rootWritable: false }, "served from inside the container, as uid 65532, root filesystem read-only");
    const viaNodePort = await get(`http://${n!.ip}:${nodePort}/health`);
    assert.deepEqual(viaNodePort, { status: 200, body: "ok" });
  });

  it("a readiness probe that fails keeps the pod running but not Ready, and out of the Service's endpoints", async () => {
    await n!.cluster.core.createNamespacedPod({ namespace: ns!, body: probePod({ namespace: ns!, name: "unready", readinessPath: "/not-ready", labels: { role: "web" } }) });
    // The first probes may find nothing listening yet ("connection refused"); then the server
    // answers the probe's path with 404, which the kubelet reports as a failed probe.
    const failed404 = (e: CoreV1Event): boolean => e.reason === "Unhealthy" && /Readiness probe failed: HTTP probe failed with statuscode: 404/.test(e.message ?? "");
    await waitFor("the kubelet reports the probe failing with 404", 60_000, async () => (await events("unready")).some(failed404), 250);
    // Several probe periods later it is still running and still not Ready.
    await new Promise((r) => setTimeout(r, 5_000));
    const p = await pod("unready");
    assert.ok(p.status?.containerStatuses?.[0].state?.running, "the container runs");
    assert.equal(isReady(p), false);
    const discovery = n!.cluster.kc.makeApiClient(k8sClient().DiscoveryV1Api);
    const slices = (await discovery.listNamespacedEndpointSlice({ namespace: ns!, labelSelector: "kubernetes.io/service-name=web" })).items;
    const endpoints = slices.flatMap((s) => s.endpoints ?? []);
    const mine = endpoints.find((e) => e.targetRef?.name === "unready");
    assert.ok(mine, "the EndpointSlice lists the pod");
    assert.equal(mine!.conditions?.ready, false, "but not as ready, so kube-proxy sends it no traffic");
    assert.equal(endpoints.find((e) => e.targetRef?.name === "web")?.conditions?.ready, true);
  });

  it("a container that exits at start ends in CrashLoopBackOff with its exit code", async () => {
    await n!.cluster.core.createNamespacedPod({ namespace: ns!, body: probePod({ namespace: ns!, name: "crash", env: { EXIT_AT_START: "3" } }) });
    let p: V1Pod | undefined;
    await waitFor("pod crash in CrashLoopBackOff", 90_000, async () => {
      p = await pod("crash");
      return p.status?.containerStatuses?.[0].state?.waiting?.reason === "CrashLoopBackOff";
    }, 500);
    const cs = p!.status!.containerStatuses![0];
    assert.equal(cs.lastState?.terminated?.exitCode, 3);
    assert.ok((cs.restartCount ?? 0) >= 1, `restartCount ${cs.restartCount}`);
    assert.equal(isReady(p!), false);
    assert.equal(cs.image, PROBE_IMAGE);
  });

  it("scripts/stop-node leaves no process, mount, cgroup, bridge or KUBE-* chain behind", async function () {
    if (n!.startSeconds === undefined) return this.skip(); // a node this process did not start is not its to stop
    const before = nodeFootprint();
    assert.ok(before.processes.length >= 3 && before.mounts > 0 && before.bridge && before.chains > 0, `the running node has a footprint: ${JSON.stringify(before)}`);
    await deleteNamespace(n!.cluster, ns);
    ns = undefined;
    stopNodeIfStarted();
    assert.deepEqual(nodeFootprint(), { processes: [], mounts: 0, cgroups: 0, bridge: false, chains: 0 });
  });
});
