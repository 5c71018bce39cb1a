// The real node of scripts/start-node for end-to-end tests: containerd, kubelet and kube-proxy
// beside the loopback control plane of cluster.ts. Started on first use (start-node is
// idempotent) and stopped by a root hook when this process started it, before the control plane
// goes. Suites skip, saying why, when the node parts are not built or the machine cannot run them.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import type { V1Pod } from "@kubernetes/client-node";
import { ensureCluster, missingReason, ROOT, type Cluster } from "./cluster";

const NODE_DIR = path.join(process.env.ACV2_RUNTIME_DIR ?? "/tmp/acv2-runtime", "node");
export const NODE_NAME = process.env.ACV2_NODE_NAME ?? "acv2-node-0";
export const NODE_TAINT = "acv2.dev/real-node";
export const PROBE_IMAGE = "acv2.local/probe-server:1";

export interface Node {
  cluster: Cluster;
  /** The node's InternalIP: the bridge's address, where NodePorts listen. */
  ip: string;
  /** Wall time of scripts/start-node in this process, or undefined when it was already running. */
  startSeconds?: number;
}

/** Why the node suites cannot run here, or undefined. */
export function nodeMissingReason(): string | undefined {
  const plane = missingReason();
  if (plane) return plane;
  if (process.getuid?.() !== 0) return "the node needs root (namespaces, mounts, cgroups, iptables)";
  const k8sBin = execFileSync(path.join(ROOT, "scripts/install-k8s"), ["--print-bin"], { encoding: "utf8" }).trim();
  const nodeBin = execFileSync(path.join(ROOT, "scripts/install-node"), ["--print-bin"], { encoding: "utf8" }).trim();
  const need = [
    ...["kubelet", "kube-proxy"].map((b) => path.join(k8sBin, b)),
    ...["containerd", "ctr", "containerd-shim-runc-v2"].map((b) => path.join(nodeBin, b)),
    ...["pause.tar", "probe-server.tar"].map((b) => path.join(path.dirname(nodeBin), "images", b)),
  ].filter((f) => !fs.existsSync(f));
  if (need.length > 0) return `node parts not built (${need.join(", ")} missing); run scripts/install-k8s with ACV2_K8S_COMPONENTS="kubelet kube-proxy" and scripts/install-node`;
  return undefined;
}

let started = false;
let node: Promise<Node> | undefined;

/** The running node, started on first use (start-node is idempotent). */
export function ensureNode(): Promise<Node> {
  node ??= (async () => {
    const cluster = await ensureCluster();
    const wasRunning = fs.existsSync(path.join(NODE_DIR, "pids", "kubelet.pid"));
    const t0 = Date.now();
    const r = spawnSync(path.join(ROOT, "scripts/start-node"), { encoding: "utf8", timeout: 300_000 });
    if (r.status !== 0) throw new Error(`scripts/start-node exited ${r.status ?? r.signal}:\n${r.stderr}`);
    started = !wasRunning;
    const n = await cluster.core.readNode({ name: NODE_NAME });
    const ip = n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    if (!ip) throw new Error(`node ${NODE_NAME} has no InternalIP`);
    return { cluster, ip, startSeconds: started ? (Date.now() - t0) / 1000 : undefined };
  })();
  return node;
}

/** Mocha `before` body: skip the suite with the reason printed, or return the running node. */
export async function nodeOrSkip(ctx: Mocha.Context): Promise<Node> {
  const reason = nodeMissingReason();
  if (reason) {
    console.log(`      SKIPPED (e2e node): ${reason}`);
    ctx.skip();
  }
  return ensureNode();
}

/** Stops the node when this process started it. Called from the suite's `after`, not a root hook:
 * the node must stop before cluster.ts's root hook stops the control plane it is registered with. */
export function stopNodeIfStarted(): void {
  if (!started) return;
  const r = spawnSync(path.join(ROOT, "scripts/stop-node"), { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) console.error(`scripts/stop-node exited ${r.status}: ${r.stderr}`);
  started = false;
  node = undefined;
}

export interface ProbePodArgs {
  namespace: string;
  name: string;
  /** Readiness probe path. Default /health (passes). */
  readinessPath?: string;
  /** Extra environment (e.g. EXIT_AT_START). Default none. */
  env?: Record<string, string>;
  labels?: Record<string, string>;
}

/** Pure: a pod of the probe-server image on the real node, with the production posture. */
export function probePod(a: ProbePodArgs): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: a.name, namespace: a.namespace, labels: { app: a.name, ...a.labels } },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": NODE_NAME },
      tolerations: [{ key: NODE_TAINT, operator: "Exists", effect: "NoSchedule" }],
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 2,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
      volumes: [{ name: "tmp", emptyDir: {} }],
      containers: [
        {
          name: "app",
          image: PROBE_IMAGE,
          imagePullPolicy: "Never",
          ports: [{ containerPort: 8000, name: "http" }],
          env: Object.entries(a.env ?? {}).map(([name, value]) => ({ name, value })),
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
          readinessProbe: { httpGet: { path: a.readinessPath ?? "/health", port: 8000 }, periodSeconds: 1, failureThreshold: 1 },
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        },
      ],
    },
  };
}

export function isReady(p: V1Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** GET over plain HTTP on a new connection each time (a kept-alive one opened before
 * kube-proxy's rules existed would never be rewritten), with a hard timeout; the body as text. */
export function get(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/** Reads a build duration the install scripts recorded (`<stamps>/<name>.seconds`), if any. */
export function recordedBuildSeconds(stampsDir: string, name: string): string {
  const f = path.join(stampsDir, `${name}.seconds`);
  return fs.existsSync(f) ? `${fs.readFileSync(f, "utf8").trim()} s` : "not recorded";
}

/** What a running node leaves on the machine: its processes (containerd, shims, kubelet,
 * kube-proxy, containers), mounts under its directory, cgroups, the bridge, KUBE-* chains. */
export function nodeFootprint(): { processes: string[]; mounts: number; cgroups: number; bridge: boolean; chains: number } {
  const bins = new Set(["containerd", "containerd-shim-runc-v2", "kubelet", "kube-proxy", "pause", "probe-server"]);
  const processes: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let exe = "";
    try {
      exe = fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
      continue;
    }
    // Ours: the cached node binaries, and container processes (their exe is inside a rootfs under the node's dir).
    const base = path.basename(exe);
    if (bins.has(base) && (exe.includes("/.cache/acv2-") || exe.startsWith(NODE_DIR))) processes.push(`${pid}:${base}`);
    else if (bins.has(base) && fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(`/${NODE_NAME}/`)) processes.push(`${pid}:${base}`);
  }
  const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.split(" ")[4]?.startsWith(NODE_DIR)).length;
  const cgroups = fs.readdirSync("/sys/fs/cgroup").filter((h) => fs.existsSync(path.join("/sys/fs/cgroup", h, NODE_NAME))).length;
  const bridge = fs.existsSync(`/sys/class/net/${process.env.ACV2_NODE_BRIDGE ?? "acv2br0"}`);
  const save = (cmd: string): string => spawnSync(cmd, [], { encoding: "utf8" }).stdout ?? "";
  const chains = (save("iptables-save") + save("ip6tables-save")).split("\n").filter((l) => l.startsWith(":KUBE-")).length;
  return { processes, mounts, cgroups, bridge, chains };
}

/** For a failure message: kube-proxy's last log lines and its nat rules for one Service IP. */
export function nodeDiagnostics(serviceIP: string): string {
  const tail = (f: string): string => {
    try {
      return fs.readFileSync(path.join(NODE_DIR, "logs", f), "utf8").split("\n").slice(-15).join("\n");
    } catch (e) {
      return String(e);
    }
  };
  const rules = (spawnSync("iptables-save", ["-t", "nat"], { encoding: "utf8" }).stdout ?? "").split("\n").filter((l) => l.includes(serviceIP) || l.includes("KUBE-SEP"));
  return `kube-proxy log:\n${tail("kube-proxy.log")}\nnat rules for ${serviceIP} and endpoints:\n${rules.join("\n")}`;
}
