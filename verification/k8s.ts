// Kubernetes API access for the rollout, rollback and security checks: one place that decides
// where credentials come from, makes every call cancellable, and turns client errors into
// messages that name the cause without echoing tokens or full request URLs.
// @kubernetes/client-node 1.x is ESM; Node 20.19+ can require() it, and it is loaded lazily
// because it takes seconds to load and most suite runs never touch the API.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AppsV1Api, CoreV1Api, KubeConfig, V1Deployment, V1LabelSelector, V1ReplicaSet } from "@kubernetes/client-node";
import { AbortReason, reasonOf } from "./abort";
import { classifyError, targetOf } from "./http";

type ClientNode = typeof import("@kubernetes/client-node");
let clientNode: ClientNode | undefined;
/** The client library, loaded on first use. */
export function k8sClient(): ClientNode {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  clientNode ??= require("@kubernetes/client-node") as ClientNode;
  return clientNode;
}

export type KubeconfigSource = "file" | "default" | "in-cluster";

export interface KubeAccessArgs {
  /** Path from the check config. Default: KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default os.homedir(). */
  home?: string;
}

/** Pure (given the file system): which credentials a check would use. Throws a safe message when none. */
export function kubeconfigSource(args: KubeAccessArgs = {}): { source: KubeconfigSource; file?: string } {
  const env = args.env ?? process.env;
  if (args.kubeconfig) return { source: "file", file: args.kubeconfig };
  if (env.KUBECONFIG) return { source: "default" };
  const home = path.join(args.home ?? os.homedir(), ".kube", "config");
  if (fs.existsSync(home)) return { source: "default" };
  if (env.KUBERNETES_SERVICE_HOST) return { source: "in-cluster" };
  throw new Error("no Kubernetes credentials: set kubeconfig, KUBECONFIG or run in-cluster");
}

export interface KubeAccess {
  kc: KubeConfig;
  apps: AppsV1Api;
  /** The core API client, made on first use (most checks never read pods). */
  core: () => CoreV1Api;
  source: KubeconfigSource;
  /** API server URL (no credentials), for messages. */
  server: string;
}

export function kubeAccess(args: KubeAccessArgs = {}): KubeAccess {
  const k = k8sClient();
  const { source, file } = kubeconfigSource(args);
  const kc = new k.KubeConfig();
  try {
    if (source === "file") kc.loadFromFile(file as string);
    else if (source === "default") kc.loadFromDefault();
    else kc.loadFromCluster();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`kubeconfig could not be loaded (${code ?? (err as Error).name})`);
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("kubeconfig has no current cluster");
  let core: CoreV1Api | undefined;
  return { kc, apps: kc.makeApiClient(k.AppsV1Api), core: () => (core ??= kc.makeApiClient(k.CoreV1Api)), source, server: safeServer(server) };
}

function safeServer(server: string): string {
  try {
    const u = new URL(server);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "the API server";
  }
}

/**
 * Per-call options that hand the AbortSignal to the client's fetch, so a timeout or SIGINT
 * cancels the request instead of leaving it running after the check has given up.
 */
export function callOptions(signal?: AbortSignal): object | undefined {
  if (!signal) return undefined;
  const wrap = <T>(v: T) => ({ toPromise: () => Promise.resolve(v) });
  return {
    middleware: [
      {
        pre: (ctx: { setSignal(s: AbortSignal): void }) => {
          ctx.setSignal(signal);
          return wrap(ctx);
        },
        post: <T>(rsp: T) => wrap(rsp),
      },
    ],
    middlewareMergeStrategy: "append",
  };
}

export interface KubeFailure {
  /** "error": could not measure (unreachable, auth, timeout). "failed": the object is not there. */
  status: "error" | "failed";
  message: string;
  httpStatus?: number;
}

/** Pure: an API client error as a status and a message without tokens or request URLs. */
export function classifyKubeError(err: unknown, what: string, server: string, signal?: AbortSignal): KubeFailure {
  if (signal?.aborted) return { status: "error", message: `${what}: ${reasonOf(signal).message}` };
  if (err instanceof AbortReason) return { status: "error", message: `${what}: ${err.message}` };
  const e = err as { code?: unknown; body?: unknown; name?: string; errno?: string; type?: string };
  if (typeof e?.code === "number") {
    const code = e.code;
    if (code === 404) return { status: "failed", message: `${what}: not found (404)`, httpStatus: code };
    if (code === 401 || code === 403) return { status: "error", message: `${what}: API access denied (${code})`, httpStatus: code };
    return { status: "error", message: `${what}: API answered ${code}`, httpStatus: code };
  }
  // node-fetch wraps socket errors as FetchError with the errno in `code`.
  let target: { host?: string; port?: string } = {};
  try {
    target = targetOf(new URL(server));
  } catch {
    // keep the generic "host" wording
  }
  const h = classifyError(err, target);
  const reason = h.kind === "other" ? `request failed (${typeof e?.code === "string" ? e.code : e?.name ?? "unknown"})` : h.message;
  return { status: "error", message: `${what}: Kubernetes API unreachable: ${reason}` };
}

/** Pure: a LabelSelector as the `labelSelector` query string the API expects. */
export function selectorString(sel: V1LabelSelector | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${vals})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}

export function readDeployment(a: KubeAccess, namespace: string, name: string, signal?: AbortSignal): Promise<V1Deployment> {
  return a.apps.readNamespacedDeployment({ namespace, name }, callOptions(signal) as never);
}

export async function listReplicaSets(a: KubeAccess, namespace: string, labelSelector: string, signal?: AbortSignal): Promise<V1ReplicaSet[]> {
  const list = await a.apps.listNamespacedReplicaSet({ namespace, labelSelector }, callOptions(signal) as never);
  return list.items ?? [];
}

/**
 * One check attempt against the API: credentials that cannot be loaded are ERROR, and any API
 * failure is classified by classifyKubeError, naming what `work` was reading at the time
 * (it updates that through `reading`).
 */
export async function kubeAttempt(
  kubeconfig: string | undefined,
  signal: AbortSignal,
  initially: string,
  work: (access: KubeAccess, reading: (what: string) => void) => Promise<import("./types").AttemptOutcome>,
): Promise<import("./types").AttemptOutcome> {
  let access: KubeAccess;
  try {
    access = kubeAccess({ kubeconfig });
  } catch (err) {
    return { status: "error", message: (err as Error).message };
  }
  let what = initially;
  try {
    return await work(access, (w) => (what = w));
  } catch (err) {
    const f = classifyKubeError(err, what, access.server, signal);
    return { status: f.status, message: f.message, measurements: { credentials: access.source, apiServer: access.server } };
  }
}
