// The cluster the gate's checks talk to must be the one the Kubernetes provider deployed to: the
// provider reads KUBECONFIG (or ~/.kube/config) and the stack's `kubernetes.context`. Checks take
// a kubeconfig path, so a context other than the current one becomes a private copy of the
// kubeconfig whose current-context is that context. Loaded lazily (client-node is slow to load).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { k8sClient } from "./k8s";

export interface KubeTarget {
  /** kubeconfig path; default KUBECONFIG, then ~/.kube/config (what the provider reads). */
  kubeconfig?: string;
  /** kubeconfig context; default the current one (what the provider uses without `kubernetes.context`). */
  context?: string;
}

export interface ResolvedKubeconfig {
  /** Path the checks should use; undefined: their default (same as the provider's). */
  path?: string;
  /** The context it selects, for messages. */
  context?: string;
  /** Removes the private copy, if one was written. */
  cleanup(): void;
}

/** A kubeconfig path that selects `target.context`; throws a message naming the known contexts. */
export function resolveKubeconfig(target: KubeTarget): ResolvedKubeconfig {
  if (!target.context) return { path: target.kubeconfig, cleanup: () => undefined };
  const kc = new (k8sClient().KubeConfig)();
  try {
    if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new Error(`kubeconfig could not be loaded for context "${target.context}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).name})`);
  }
  const names = kc.getContexts().map((c) => c.name);
  if (!names.includes(target.context)) {
    throw new Error(`kubernetes.context "${target.context}" is not in the kubeconfig (contexts: ${names.join(", ") || "none"})`);
  }
  kc.setCurrentContext(target.context);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-kubectx-"));
  const file = path.join(dir, "kubeconfig");
  fs.writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return { path: file, context: target.context, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Check types that read the Kubernetes API (security only when it names a Deployment). */
export const KUBE_CHECK_TYPES = new Set(["rollout", "rollback", "security"]);

/** Pure: the checks with the resolved kubeconfig filled in where they name none of their own. */
export function withKubeconfig<C extends { type: string; kubeconfig?: string }>(checks: C[], kubeconfig: string | undefined): C[] {
  if (!kubeconfig) return checks;
  return checks.map((c) => (KUBE_CHECK_TYPES.has(c.type) && !c.kubeconfig ? { ...c, kubeconfig } : c));
}
