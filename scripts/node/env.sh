# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings are used by the scripts that source this file
# Settings shared by scripts/start-node and scripts/stop-node (sourced; ROOT must be set).
#   ACV2_RUNTIME_DIR      the instance (the node lives in $ACV2_RUNTIME_DIR/node, beside start-k8s's k8s/)
#   ACV2_NODE_NAME        default acv2-node-0
#   ACV2_NODE_BRIDGE      default acv2br0 (the pod network's Linux bridge; 15 characters at most)
#   ACV2_NODE_POD_CIDR    default 10.89.0.0/24 (the bridge holds .1, which is also the node's IP)
#   ACV2_NODE_SERVICE_CIDR default 10.96.0.0/16 (start-k8s's service range; routed onto the bridge)
#   ACV2_REGISTRY_ADDR    default 127.0.0.1:15000 (scripts/start-registry's loopback registry; pulled over plain HTTP)
#   ACV2_KUBELET_PORT     default 10350 (kubelet API on 127.0.0.1; healthz +3, kube-proxy healthz +1, metrics +2)
K8S_BIN="$("$ROOT/scripts/install-k8s" --print-bin)"
NODE_BIN="$("$ROOT/scripts/install-node" --print-bin)"
NODE_IMAGES="$(dirname "$NODE_BIN")/images"
RT="${ACV2_RUNTIME_DIR:-/tmp/acv2-runtime}"
K8S_DIR="$RT/k8s"
DIR="$RT/node"
NODE_NAME="${ACV2_NODE_NAME:-acv2-node-0}"
BRIDGE="${ACV2_NODE_BRIDGE:-acv2br0}"
POD_CIDR="${ACV2_NODE_POD_CIDR:-10.89.0.0/24}"
NODE_IP="${POD_CIDR%.*/*}.1"
SERVICE_CIDR="${ACV2_NODE_SERVICE_CIDR:-10.96.0.0/16}"
KUBELET_PORT="${ACV2_KUBELET_PORT:-10350}"
REGISTRY_ADDR="${ACV2_REGISTRY_ADDR:-127.0.0.1:15000}"
CGROUP_ROOT="/$NODE_NAME"
SOCK="$DIR/containerd/containerd.sock"
# Host-wide kernel settings the node changes: kubelet sets the first six (it refuses to start
# with protectKernelDefaults when they differ), the bridge plugin turns on ip_forward. Their
# values before the start are recorded and put back by stop-node.
SYSCTLS="vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes net/ipv4/ip_forward"
# is_ours NAME BINARY: the recorded pid of NAME is still BINARY (a recycled pid is someone else's).
is_ours() { local p; p="$(cat "$DIR/pids/$1.pid" 2>/dev/null)" && [ -n "$p" ] && [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$2" ]; }
ctr_() { "$NODE_BIN/ctr" --address "$SOCK" --namespace k8s.io "$@" 2>>"$DIR/logs/ctr.log"; }
