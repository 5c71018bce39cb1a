// Which posture rule (policy/posture.ts, policy/postureStack.ts) becomes which CrossGuard policy,
// and how hard it is enforced. The rules themselves live only in those two files; this table
// says how much each one matters to a deploy.
//
// Mandatory: the security posture of DESIGN.md. A preview or update with a violation fails.
// Advisory: rules where teams reasonably differ (probe style, spreading, disruption budgets,
// who owns the replica count); reported on every preview, never blocking. A team may raise or
// lower any level with `--policy-pack-config` without editing this file (docs/ci.md).
import type { EnforcementLevel } from "@pulumi/policy";

export type PolicyScope = "resource" | "stack";

export interface PolicyEntry {
  /** CrossGuard policy name (unique in the pack). */
  name: string;
  /** Posture rule ids (Finding.rule) this policy reports. */
  rules: readonly string[];
  /** Per object (`validateResource`) or across the stack's objects (`validateStack`). */
  scope: PolicyScope;
  enforcementLevel: EnforcementLevel;
  description: string;
  /** What to change in the stack config or component to comply. */
  remediationSteps: string;
}

const mandatory = "mandatory" as const;
const advisory = "advisory" as const;

export const POLICY_CATALOGUE: readonly PolicyEntry[] = [
  { name: "pod-run-as-non-root", rules: ["run-as-non-root", "non-zero-uid"], scope: "resource", enforcementLevel: mandatory,
    description: "Containers run as a non-root, non-zero UID.", remediationSteps: "Set securityContext.runAsNonRoot: true and a non-zero runAsUser on the pod or container." },
  { name: "pod-no-privilege-escalation", rules: ["privilege-escalation", "privileged"], scope: "resource", enforcementLevel: mandatory,
    description: "Containers are not privileged and cannot escalate privileges.", remediationSteps: "Set allowPrivilegeEscalation: false; never set privileged: true." },
  { name: "pod-drop-capabilities", rules: ["drop-capabilities"], scope: "resource", enforcementLevel: mandatory,
    description: "Containers drop ALL Linux capabilities and add none.", remediationSteps: "Set securityContext.capabilities.drop: [ALL] and no capabilities.add." },
  { name: "pod-seccomp", rules: ["seccomp"], scope: "resource", enforcementLevel: mandatory,
    description: "Containers run under the RuntimeDefault seccomp profile.", remediationSteps: "Set securityContext.seccompProfile.type: RuntimeDefault on the pod." },
  { name: "pod-read-only-root", rules: ["read-only-root"], scope: "resource", enforcementLevel: mandatory,
    description: "Containers have a read-only root filesystem.", remediationSteps: "Set readOnlyRootFilesystem: true and mount writable paths from emptyDir volumes." },
  { name: "pod-host-isolation", rules: ["host-namespaces", "host-path"], scope: "resource", enforcementLevel: mandatory,
    description: "Pods share no host namespace (network, PID, IPC) and mount no hostPath.", remediationSteps: "Remove hostNetwork/hostPID/hostIPC and hostPath volumes." },
  { name: "pod-no-service-account-token", rules: ["automount-token"], scope: "resource", enforcementLevel: mandatory,
    description: "Pods do not mount a service account token unless they declare the waiver.", remediationSteps: "Set automountServiceAccountToken: false, or annotate posture.acv2.io/waive: automount-token on a pod that must call the API." },
  { name: "pod-resources", rules: ["resources"], scope: "resource", enforcementLevel: mandatory,
    description: "Every container sets CPU and memory requests and limits.", remediationSteps: "Set resources.requests and resources.limits for cpu and memory (app.resources in the stack config)." },
  { name: "pod-has-containers", rules: ["containers"], scope: "resource", enforcementLevel: mandatory,
    description: "A workload's pod template declares at least one container.", remediationSteps: "Declare the pod's containers." },
  { name: "image-pinned-in-production", rules: ["image-pinned"], scope: "resource", enforcementLevel: mandatory,
    description: "Production images carry a version tag or digest, never `latest` or no tag.", remediationSteps: "Set app.image.tag to a version (and app.image.digest to pin it)." },
  { name: "service-cluster-ip", rules: ["service-type"], scope: "resource", enforcementLevel: mandatory,
    description: "Services are ClusterIP; traffic enters through the Istio gateway only.", remediationSteps: "Remove type: LoadBalancer/NodePort; route through the gateway." },
  { name: "gateway-https-only", rules: ["gateway-https", "gateway-redirect"], scope: "resource", enforcementLevel: mandatory,
    description: "The Istio Gateway serves HTTPS with a credential and redirects HTTP to HTTPS.", remediationSteps: "Give the HTTPS server tls.mode SIMPLE and a credentialName; set tls.httpsRedirect on the HTTP server." },
  { name: "mesh-mtls-strict", rules: ["mtls-strict"], scope: "resource", enforcementLevel: mandatory,
    description: "PeerAuthentication enforces STRICT mTLS on every port.", remediationSteps: "Set mtls.mode: STRICT and no PERMISSIVE portLevelMtls." },
  { name: "network-default-deny", rules: ["network-default-deny"], scope: "stack", enforcementLevel: mandatory,
    description: "Every Deployment is fenced by NetworkPolicies restricting ingress and egress.", remediationSteps: "Add a default-deny NetworkPolicy for both directions plus the allows the workload needs." },
  { name: "rollout-gate-promotion", rules: ["rollout-gate-promotion"], scope: "resource", enforcementLevel: mandatory,
    description: "An Argo Rollout never promotes on its own: blueGreen without auto promotion, canary pauses without a duration; the verification gate promotes.", remediationSteps: "Set strategy.blueGreen.autoPromotionEnabled: false and no autoPromotionSeconds; give canary pause steps no duration (release.* in the stack config builds them so)." },

  { name: "pod-probes", rules: ["probes"], scope: "resource", enforcementLevel: advisory,
    description: "Main containers declare liveness, readiness and startup probes.", remediationSteps: "Add the three probes (the app serves GET /health)." },
  { name: "pod-tmp-emptydir", rules: ["tmp-emptydir"], scope: "resource", enforcementLevel: advisory,
    description: "Main containers mount /tmp from an emptyDir (a read-only root has no writable /tmp).", remediationSteps: "Mount an emptyDir volume at /tmp." },
  { name: "replicas-spread", rules: ["topology-spread"], scope: "resource", enforcementLevel: advisory,
    description: "Deployments with several replicas spread them across nodes.", remediationSteps: "Add a topologySpreadConstraint on kubernetes.io/hostname." },
  { name: "pdb-allows-eviction", rules: ["pdb-evictable"], scope: "resource", enforcementLevel: advisory,
    description: "A PodDisruptionBudget never forbids every voluntary eviction.", remediationSteps: "Lower minAvailable or raise maxUnavailable above 0." },
  { name: "stack-replicas-spread", rules: ["topology-spread"], scope: "stack", enforcementLevel: advisory,
    description: "Autoscaled Deployments that may run several replicas spread them across nodes.", remediationSteps: "Add a topologySpreadConstraint on kubernetes.io/hostname." },
  { name: "stack-pdb", rules: ["pdb", "pdb-evictable"], scope: "stack", enforcementLevel: advisory,
    description: "Deployments with several replicas or an HPA have a PodDisruptionBudget that still allows eviction at the HPA minimum.", remediationSteps: "Add a PDB whose minAvailable leaves at least one pod evictable at minReplicas." },
  { name: "hpa-owns-replicas", rules: ["hpa-replicas"], scope: "stack", enforcementLevel: advisory,
    description: "A Deployment scaled by an HPA carries no fixed replica count.", remediationSteps: "Omit spec.replicas when autoscaling is enabled." },
];

/** Policy for posture rules not listed above (a rule added to posture.ts later): enforced, not dropped. */
export const UNLISTED_RESOURCE_POLICY = "posture-unlisted-rule";
export const UNLISTED_STACK_POLICY = "stack-posture-unlisted-rule";

/** Rule ids a policy of the given scope already covers. */
export function listedRules(scope: PolicyScope, catalogue: readonly PolicyEntry[] = POLICY_CATALOGUE): Set<string> {
  return new Set(catalogue.filter((p) => p.scope === scope).flatMap((p) => p.rules));
}
