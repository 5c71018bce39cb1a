// What the node suites for canary and blueGreen share: the real node, the Argo Rollouts
// controller, the app image in the loopback registry, a copy of Pulumi.e2e.yaml mapped onto the
// node (nodeRelease.ts onNode) with a `release` section, loopback relays to the app Service and to
// the Service that reaches the new version, and readers of the Rollout, the route and the pods.
import type { CustomObjectsApi, V1Pod } from "@kubernetes/client-node";
import { pulumiBinDir, Workspace } from "../integration/engine";
import { k8sClient } from "../../verification/k8s";
import { placeStack } from "./cluster";
import { ensureNode, nodeMissingReason, stopNodeIfStarted, type Node } from "./node";
import { imagesMissingReason, onNode, pushReleases, serviceRelay, stopRegistryIfStarted, type NodeImages, type Relay } from "./nodeRelease";
import { controllerMissing, startController, stopController } from "./rolloutsController";

export const STACK = "e2e";
export const NS = "acv2-e2e";
export const APP = "agent-cellphone-v2";
export { ROLLOUT_HASH as HASH } from "../../components/gate/canaryKube";
import { ROLLOUT_HASH as HASH } from "../../components/gate/canaryKube";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export class ProgressiveNode {
  n?: Node;
  images?: NodeImages;
  ws?: Workspace;
  private relays: Relay[] = [];
  private startedController = false;
  private custom?: CustomObjectsApi;

  /**
   * Sets everything up, or returns why it cannot run here (nothing started). `newVersionService`
   * is the Service the gate's checks reach the new version through.
   */
  async setup(label: string, newVersionService: string, release: (verifyBaseUrl: string, more: Record<string, string>) => Record<string, unknown>, moreServices: string[] = []): Promise<string | undefined> {
    const reason = (() => {
      try {
        pulumiBinDir();
      } catch (err) {
        return (err as Error).message;
      }
      return nodeMissingReason() ?? imagesMissingReason() ?? controllerMissing();
    })();
    if (reason) return reason;
    this.n = await ensureNode();
    const ctl = startController();
    this.startedController = ctl.started;
    console.log(`      Argo Rollouts controller healthy in ${(ctl.ms / 1000).toFixed(1)} s`);
    this.custom = this.n.cluster.kc.makeApiClient(k8sClient().CustomObjectsApi);
    this.images = pushReleases(["2.0.0", "2.1.0"]);
    const ws = (this.ws = new Workspace(`node-${label}`));
    await placeStack(this.n.cluster, ws.dir, STACK);
    const app = await serviceRelay(this.n.cluster, NS, APP);
    const next = await serviceRelay(this.n.cluster, NS, newVersionService);
    this.relays.push(app, next);
    const more: Record<string, string> = {};
    for (const svc of moreServices) {
      const r = await serviceRelay(this.n.cluster, NS, svc);
      this.relays.push(r);
      more[svc] = r.url;
    }
    ws.env.KUBECONFIG = this.n.cluster.kubeconfig;
    ws.editStack(STACK, (cfg) => {
      onNode(cfg, this.images!.repository);
      cfg.verification.baseUrl = app.url;
      cfg.release = release(next.url, more);
    });
    await ws.initStack(STACK);
    return undefined;
  }

  async teardown(): Promise<void> {
    if (this.ws) await this.ws.pulumi(["destroy", "--yes", "--stack", STACK]).catch(() => undefined);
    this.ws?.remove();
    for (const r of this.relays) await r.close();
    stopController(this.startedController);
    stopRegistryIfStarted(this.images);
    stopNodeIfStarted();
  }

  private get(group: string, plural: string, name: string): Promise<Json> {
    return this.custom!.getNamespacedCustomObject({ group, version: group === "argoproj.io" ? "v1alpha1" : "v1beta1", namespace: NS, plural, name });
  }

  async rollout(): Promise<Json> {
    return (await this.get("argoproj.io", "rollouts", APP)).status ?? {};
  }

  /** The app route's split between the subsets, e.g. "stable=75 canary=25". */
  async weights(): Promise<string> {
    const http = (await this.get("networking.istio.io", "virtualservices", `${APP}-route`)).spec.http as Json[];
    return http.find((h) => h.name === "app").route.map((d: Json) => `${d.destination.subset ?? "-"}=${d.weight ?? 100}`).join(" ");
  }

  /** The VirtualService's routes in order, each as name(match)->subsets, e.g. "ab-cohort(x-cohort=b)->canary app". */
  async routes(): Promise<string> {
    const http = (await this.get("networking.istio.io", "virtualservices", `${APP}-route`)).spec.http as Json[];
    return http
      .map((h) => {
        const m = (h.match ?? []).flatMap((x: Json) => Object.entries(x.headers ?? {}).map(([k, v]) => `${k}=${Object.values(v as object)[0]}`)).join(",");
        return `${h.name}${m ? `(${m})` : ""}->${(h.route as Json[]).filter((d) => (d.weight ?? 100) > 0).map((d) => d.destination.subset ?? "-").join("+")}`;
      })
      .join(" ");
  }

  /** The app's pods not being deleted. */
  async pods(): Promise<V1Pod[]> {
    const list = await this.n!.cluster.core.listNamespacedPod({ namespace: NS, labelSelector: `app.kubernetes.io/name=${APP}` });
    return list.items.filter((p) => !p.metadata?.deletionTimestamp);
  }

  /** uid/restarts of the pods of one ReplicaSet hash, sorted: equal before and after means untouched. */
  async podsOf(hash: string): Promise<string[]> {
    return (await this.pods()).filter((p) => p.metadata?.labels?.[HASH] === hash).map((p) => `${p.metadata?.uid}/${p.status?.containerStatuses?.[0].restartCount}`).sort();
  }

  /** The Service's selector hash (what the controller pointed it at). */
  async serviceHash(name: string): Promise<string | undefined> {
    return (await this.n!.cluster.core.readNamespacedService({ namespace: NS, name })).spec?.selector?.[HASH];
  }

  /** Samples `read` every 200 ms while a `pulumi up` runs; each distinct value once, in order. */
  sample(read: () => Promise<string>): { stop(): Promise<string[]> } {
    const seen: string[] = [];
    let on = true;
    const loop = (async () => {
      while (on) {
        const v = await read().catch(() => undefined);
        if (v !== undefined && seen[seen.length - 1] !== v) seen.push(v);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    return { stop: async () => ((on = false), await loop, seen) };
  }

  setTag(t: string): void {
    this.ws!.editStack(STACK, (cfg) => (cfg.app.image.tag = t));
  }
}
