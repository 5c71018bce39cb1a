// Set-up for `pulumi up` of the program on the real node (tests/e2e/node.ts): the app image built
// by scripts/build-app-image into the loopback registry (scripts/start-registry) that the node's
// containerd pulls from, a committed stack file mapped onto the node (only where it points), a
// loopback relay to the app's Service for the gate's HTTP checks, and a client that polls the
// Service through the whole rollout and rollback and counts what it could not get.
//
// Not real here, and why: there is no Istio data plane (no sidecars, no ingress gateway), so HTTP
// reaches the app through its ClusterIP Service and kube-proxy, not through the Gateway's host;
// there is no cluster DNS, so the gate's baseUrl is the relay's loopback address.
import * as net from "node:net";
import type { V1Deployment } from "@kubernetes/client-node";
import type { Cluster } from "./cluster";
import { get, NODE_NAME, NODE_TAINT } from "./node";
import { buildAppImage, ensureRegistry, imageToolsMissing, REGISTRY_ADDR, stopRegistry } from "../fixtures/imageTools";

export const APP_REPOSITORY = "acv2/agent-cellphone-v2";

export interface NodeImages {
  /** `<registry>/<repository>`: what app.image.repository is mapped to. */
  repository: string;
  /** tag -> `<registry>/<repository>@sha256:...` as pushed. */
  refs: Record<string, string>;
  /** Whether this process started the registry (and so stops it). */
  startedRegistry: boolean;
  buildMs: number;
}

/** Why the app image cannot be built and served here, or undefined. */
export function imagesMissingReason(): string | undefined {
  return imageToolsMissing();
}

/** Starts the registry when needed and pushes every release variant of each version. */
export function pushReleases(versions: string[]): NodeImages {
  const startedRegistry = ensureRegistry();
  const refs: Record<string, string> = {};
  let buildMs = 0;
  for (const v of versions) {
    const built = buildAppImage(APP_REPOSITORY, ["--version", v]);
    Object.assign(refs, built.refs);
    buildMs += built.ms;
  }
  return { repository: `${REGISTRY_ADDR}/${APP_REPOSITORY}`, refs, startedRegistry, buildMs };
}

export function stopRegistryIfStarted(images: NodeImages | undefined): void {
  if (images?.startedRegistry) stopRegistry();
}

/**
 * The stack's app mapped onto the real node: the image from the local registry (the tag kept)
 * and the node's selector and taint toleration. Nothing else of the committed config changes.
 */
export function onNode(cfg: Record<string, any>, repository: string): void {
  cfg.app.image.repository = repository;
  delete cfg.app.image.digest; // a committed digest names an image that is not in this registry
  cfg.app.scheduling = {
    nodeSelector: { "kubernetes.io/hostname": NODE_NAME },
    tolerations: [{ key: NODE_TAINT, operator: "Exists", effect: "NoSchedule" }],
  };
}

export interface ServiceAddress {
  host: string;
  port: number;
}

export async function serviceAddress(c: Cluster, namespace: string, name: string): Promise<ServiceAddress> {
  const s = await c.core.readNamespacedService({ namespace, name });
  const host = s.spec?.clusterIP;
  const port = s.spec?.ports?.[0]?.port;
  if (!host || host === "None" || !port) throw new Error(`service ${namespace}/${name} has no ClusterIP and port`);
  return { host, port };
}

export interface Relay {
  /** `http://127.0.0.1:<port>`: the gate's baseUrl. */
  url: string;
  connections: number;
  close(): Promise<void>;
}

/**
 * A loopback TCP relay to the Service's ClusterIP (looked up at the first connection, again after
 * a failed one: the Service may not exist yet, or be re-created). Every byte goes through
 * kube-proxy's rules to a real pod, as a port-forward to a Service would, without pinning one pod.
 */
export async function serviceRelay(c: Cluster, namespace: string, name: string): Promise<Relay> {
  let target: ServiceAddress | undefined;
  const sockets = new Set<net.Socket>();
  const relay: Relay = { url: "", connections: 0, close: async () => undefined };
  const server = net.createServer((client) => {
    relay.connections += 1;
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.pause();
    client.on("error", () => undefined);
    (async () => {
      target ??= await serviceAddress(c, namespace, name);
      const upstream = net.connect(target.port, target.host);
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      upstream.on("error", () => {
        target = undefined;
        client.destroy();
      });
      client.on("close", () => upstream.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    })().catch(() => {
      target = undefined;
      client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  relay.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  relay.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return relay;
}

export interface PollSummary {
  requests: number;
  ok: number;
  /** Responses other than 2xx, by status. */
  statuses: Record<string, number>;
  /** Requests that got no response (refused, reset, timed out), by message. */
  errors: Record<string, number>;
  /** Requests that did not succeed: non-2xx plus no response. */
  failed: number;
  ms: number;
}

/**
 * Polls `url` on a new connection each time (so kube-proxy picks an endpoint per request, as for
 * a real client) every `intervalMs` until stopped, or at most `maxMs` and `maxRequests` (bounded).
 */
export function startPoller(url: string, intervalMs = 50, maxMs = 900_000, maxRequests = 20_000): { stop(): Promise<PollSummary> } {
  const s: PollSummary = { requests: 0, ok: 0, statuses: {}, errors: {}, failed: 0, ms: 0 };
  const t0 = Date.now();
  let running = true;
  const loop = (async () => {
    while (running && Date.now() - t0 < maxMs && s.requests < maxRequests) {
      const tick = Date.now();
      s.requests += 1;
      try {
        const r = await get(url, 5_000);
        if (r.status >= 200 && r.status < 300) s.ok += 1;
        else s.statuses[r.status] = (s.statuses[r.status] ?? 0) + 1;
      } catch (err) {
        const m = (err as Error).message.replace(/\d+\.\d+\.\d+\.\d+:\d+/g, "<addr>");
        s.errors[m] = (s.errors[m] ?? 0) + 1;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - tick))));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      s.ms = Date.now() - t0;
      s.failed = s.requests - s.ok;
      return s;
    },
  };
}

export function pollLine(p: PollSummary): string {
  return `${p.requests} requests in ${(p.ms / 1000).toFixed(0)} s, ${p.ok} ok, ${p.failed} failed${p.failed ? ` (statuses ${JSON.stringify(p.statuses)}, errors ${JSON.stringify(p.errors)})` : ""}`;
}

/** Milliseconds from the watch's start to each moment of a failed release's life, as seen from the API. */
export interface ReleaseTimes {
  /** The Deployment's template runs the new release. */
  applied?: number;
  /** Its template is back on the verified release: the gate failed it and the rollback was accepted. */
  restored?: number;
  /** After that, every replica updated and available at the observed generation. */
  complete?: number;
}

/**
 * Reads the Deployment every `pollMs` until stopped and records when the release `tag` was
 * applied, when the template went back to `verifiedTag`, and when that rollout completed.
 */
export function watchRelease(read: () => Promise<V1Deployment>, tag: string, verifiedTag: string, pollMs = 200): { stop(): Promise<ReleaseTimes> } {
  const t0 = Date.now();
  const seen: ReleaseTimes = {};
  const image = (d: V1Deployment) => d.spec?.template.spec?.containers[0].image ?? "";
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const d = await read().catch(() => undefined);
      if (d) {
        const now = Date.now() - t0;
        if (seen.applied === undefined && image(d).endsWith(`:${tag}`)) seen.applied = now;
        if (seen.applied !== undefined && seen.restored === undefined && image(d).endsWith(`:${verifiedTag}`)) seen.restored = now;
        const st = d.status;
        const want = d.spec?.replicas;
        if (seen.restored !== undefined && seen.complete === undefined && st?.updatedReplicas === want && st?.availableReplicas === want && st?.replicas === want && (st?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)) seen.complete = now;
      }
      await new Promise((res) => setTimeout(res, pollMs));
    }
  })();
  return {
    async stop() {
      watching = false;
      await loop;
      return seen;
    },
  };
}
