// Kubernetes objects out of a mock run: the registered inputs of every Kubernetes resource, with
// secret wrappers unwrapped, shaped as the manifest the provider would apply.
import type { Manifest } from "../../../policy/posture";
import type { ProgramRun, RegisteredResource } from "./runProgram";
import { unwrapSecrets } from "./secrets";

export interface RegisteredManifest {
  resource: RegisteredResource;
  manifest: Manifest & { apiVersion: string; kind: string };
}

export function isKubernetesObject(r: RegisteredResource): boolean {
  return r.custom && r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string";
}

/** Every Kubernetes object the run registered, as a plain manifest. */
export function kubernetesManifests(run: Pick<ProgramRun, "resources">): RegisteredManifest[] {
  return run.resources.filter(isKubernetesObject).map((resource) => ({
    resource,
    manifest: unwrapSecrets(resource.inputs) as RegisteredManifest["manifest"],
  }));
}

/** Manifests of one kind (e.g. "Deployment"). */
export function manifestsOfKind(run: Pick<ProgramRun, "resources">, kind: string): RegisteredManifest["manifest"][] {
  return kubernetesManifests(run).map((m) => m.manifest).filter((m) => m.kind === kind);
}
