# shellcheck shell=bash
# Source this (bash or zsh) to use the Pulumi CLI and plugins set up by scripts/install-pulumi:
#   source scripts/pulumi-env.sh
# Puts the bin dir first on PATH and sets what Pulumi needs on a machine that cannot download
# plugins. It does not build anything; run scripts/install-pulumi first.
_acv2_scripts="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
_acv2_bin="$("$_acv2_scripts/install-pulumi" --print-bin)" || return 1 2>/dev/null || exit 1
if [ ! -x "$_acv2_bin/pulumi" ]; then
  echo "pulumi-env.sh: $_acv2_bin/pulumi is missing; run $_acv2_scripts/install-pulumi" >&2
fi
case ":$PATH:" in
  *":$_acv2_bin:"*) ;;
  *) export PATH="$_acv2_bin:$PATH" ;;
esac
# No update checks and no plugin downloads: both would go to hosts that are unreachable here.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# Plugin cache, credentials and workspace settings live beside the cached binaries, not in ~/.pulumi.
export PULUMI_HOME="${PULUMI_HOME:-${ACV2_PULUMI_CACHE:-$HOME/.cache/acv2-pulumi}/home}"
# No default passphrase: it encrypts the stack's secrets, so each caller chooses it
# (scripts/stack sets one for the secret-less dev stack only).
unset _acv2_scripts _acv2_bin
