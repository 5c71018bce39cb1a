// The loopback control plane of scripts/start-k8s for end-to-end tests: real etcd, apiserver,
// controller-manager and scheduler, with kwok playing the kubelet. One per mocha process: the
// first suite that asks starts it (or finds one already running and leaves it running), and a
// root hook stops what this process started. When the binaries are not built, suites skip with
// the reason printed, so `make test` stays green on a machine that never ran scripts/install-k8s.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { AppsV1Api, CoreV1Api, KubeConfig, V1Deployment } from "@kubernetes/client-node";
import YAML from "yaml";
import { k8sClient } from "../../verification/k8s";

export const ROOT = path.resolve(__dirname, "../..");
const RUNTIME = path.join(process.env.ACV2_RUNTIME_DIR ?? "/tmp/acv2-runtime", "k8s");
const BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kwok-stages.yaml"];

export interface Cluster {
  kubeconfig: string;
  kc: KubeConfig;
  apps: AppsV1Api;
  core: CoreV1Api;
}

/** Why the e2e suites cannot run here, or undefined when the control plane binaries exist. */
export function missingReason(): string | undefined {
  const bin = execFileSync(path.join(ROOT, "scripts/install-k8s"), ["--print-bin"], { encoding: "utf8" }).trim();
  const missing = BINARIES.filter((b) => !fs.existsSync(path.join(bin, b)));
  if (missing.length === 0) return undefined;
  return `control plane binaries not built (${missing.join(", ")} missing from ${bin}); run scripts/install-k8s`;
}

let started = false;
let cluster: Promise<Cluster> | undefined;

function connect(kubeconfig: string): Cluster {
  const k = k8sClient();
  const kc = new k.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { kubeconfig, kc, apps: kc.makeApiClient(k.AppsV1Api), core: kc.makeApiClient(k.CoreV1Api) };
}

/** The running control plane, started on first use (start-k8s is idempotent). */
export function ensureCluster(): Promise<Cluster> {
  cluster ??= (async () => {
    const kubeconfig = path.join(RUNTIME, "kubeconfig");
    const wasRunning = fs.existsSync(path.join(RUNTIME, "pids", "kube-apiserver.pid"));
    const t0 = Date.now();
    const r = spawnSync(path.join(ROOT, "scripts/start-k8s"), { encoding: "utf8", timeout: 240_000 });
    if (r.status !== 0) throw new Error(`scripts/start-k8s exited ${r.status ?? r.signal}:\n${r.stderr}`);
    started = !wasRunning;
    if (started) console.log(`      control plane started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return connect(kubeconfig);
  })();
  return cluster;
}

/** Mocha `before` body: skip the suite with the reason printed, or return the cluster. */
export async function clusterOrSkip(ctx: Mocha.Context): Promise<Cluster> {
  const reason = missingReason();
  if (reason) {
    console.log(`      SKIPPED (e2e): ${reason}`);
    ctx.skip();
  }
  return ensureCluster();
}

/** Stops the control plane when this process started it, so a developer's running plane survives. */
export function stopClusterIfStarted(): void {
  if (!started) return;
  const r = spawnSync(path.join(ROOT, "scripts/stop-k8s"), { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) console.error(`scripts/stop-k8s exited ${r.status}: ${r.stderr}`);
  started = false;
  cluster = undefined;
}

// Root hook under mocha (a benchmark imports this module outside mocha and stops it itself).
if (typeof after === "function") {
  after(function () {
    this.timeout(60_000);
    stopClusterIfStarted();
  });
}

/** A namespace per suite, so suites never see each other's objects; deleted by the caller. */
export async function freshNamespace(c: Cluster, prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}`;
  await c.core.createNamespace({ body: { metadata: { name } } });
  // Pods need the namespace's default ServiceAccount, which the controller-manager creates.
  await waitFor(`serviceaccount ${name}/default`, 30_000, async () => {
    try {
      await c.core.readNamespacedServiceAccount({ namespace: name, name: "default" });
      return true;
    } catch {
      return false;
    }
  });
  return name;
}

export interface AppArgs {
  namespace: string;
  name: string;
  image: string;
  /** Default 2. */
  replicas?: number;
  /** Default 5. */
  revisionHistoryLimit?: number;
  /** Extra pod spec fields (e.g. a nodeSelector nothing matches). Default none. */
  podSpec?: Record<string, unknown>;
  /** Default 600 (the apiserver's). */
  progressDeadlineSeconds?: number;
  paused?: boolean;
}

/** Pure: a minimal Deployment; kwok makes its pods Ready whatever the image. */
export function appDeployment(a: AppArgs): V1Deployment {
  const labels = { app: a.name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: a.name, namespace: a.namespace },
    spec: {
      replicas: a.replicas ?? 2,
      revisionHistoryLimit: a.revisionHistoryLimit ?? 5,
      progressDeadlineSeconds: a.progressDeadlineSeconds,
      paused: a.paused,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "app", image: a.image }], ...a.podSpec } },
    },
  };
}

/** Sets the Deployment's image (a new revision), as an update through the API would. */
export async function setImage(c: Cluster, namespace: string, name: string, image: string): Promise<V1Deployment> {
  const d = await c.apps.readNamespacedDeployment({ namespace, name });
  d.spec!.template.spec!.containers[0].image = image;
  return c.apps.replaceNamespacedDeployment({ namespace, name, body: d });
}

/** Resolves when the Deployment's latest generation is fully rolled out (kubectl rollout status). */
export async function waitRolledOut(c: Cluster, namespace: string, name: string, timeoutMs = 60_000): Promise<V1Deployment> {
  let last: V1Deployment | undefined;
  await waitFor(`rollout of ${namespace}/${name}`, timeoutMs, async () => {
    last = await c.apps.readNamespacedDeployment({ namespace, name });
    const want = last.spec?.replicas ?? 1;
    const s = last.status ?? {};
    return (s.observedGeneration ?? 0) >= (last.metadata?.generation ?? 0) && s.updatedReplicas === want && s.availableReplicas === want && (s.replicas ?? 0) === want;
  });
  return last!;
}

export async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, pollMs = 200): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function deleteNamespace(c: Cluster | undefined, name: string | undefined): Promise<void> {
  if (!c || !name) return;
  await c.core.deleteNamespace({ name }).catch(() => undefined);
}

/**
 * Copies the committed stack file into a test workspace and removes what an earlier, killed run
 * left in the namespace the stack names. The stacks use fixed namespaces; objects another Pulumi
 * stack applied there keep their field managers, and the next stack's server-side apply then
 * conflicts with them (a killed CI run once failed the next one this way). Returns the namespace.
 */
export async function placeStack(c: Cluster, wsDir: string, stack: string): Promise<string> {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  fs.copyFileSync(file, path.join(wsDir, `Pulumi.${stack}.yaml`));
  const ns = (YAML.parse(fs.readFileSync(file, "utf8"))?.config?.["agent-cellphone-v2:app"] ?? {}).namespace;
  if (typeof ns !== "string" || ns === "") throw new Error(`Pulumi.${stack}.yaml: agent-cellphone-v2:app.namespace is not set`);
  const exists = async (): Promise<boolean> =>
    c.core.readNamespace({ name: ns }).then(
      () => true,
      (err: { code?: number }) => {
        if (err.code === 404) return false;
        throw err;
      },
    );
  if (!(await exists())) return ns;
  const t0 = Date.now();
  await c.core.deleteNamespace({ name: ns }).catch(() => undefined);
  await waitFor(`leftover namespace ${ns} deleted`, 180_000, async () => !(await exists()), 1000);
  console.log(`      removed namespace ${ns} left by an earlier run (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return ns;
}
