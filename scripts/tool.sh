#!/usr/bin/env bash
# Builds (once) and prints the path of a tool pinned in tools/go.mod.
# Usage: scripts/tool.sh gotestsum|tfplugindocs
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
case "$1" in
  gotestsum) pkg=gotest.tools/gotestsum ;;
  tfplugindocs) pkg=github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs ;;
  *) echo "unknown tool $1" >&2; exit 2 ;;
esac
bin="${root}/bin/tools/$1"
if [ ! -x "${bin}" ] || [ "${root}/tools/go.mod" -nt "${bin}" ]; then
  (cd "${root}/tools" && go build -o "${bin}" "${pkg}") >&2
fi
echo "${bin}"
