#!/usr/bin/env bash
# Prints the path of an OpenTofu CLI >= 1.11 (write-only attributes), building
# one when none is installed. Order: $TOFU, `tofu` on PATH when it is 1.11 or
# newer, then a cached build of v1.12.6.
#
# `go install` refuses OpenTofu (replace directives in its go.mod), and only
# the Go module proxy is reachable, so the build downloads the module source
# and builds ./cmd/tofu inside it: 3 to 7 minutes once, cached outside the
# repository. If no OpenTofu >= 1.11 can be had this fails loudly.
set -euo pipefail
version=1.12.6
atleast() { # atleast BINARY: its version is >= 1.11
  local v
  v=$(TF_CLI_CONFIG_FILE=/dev/null "$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\).*/\1/p' | head -1)
  [ -n "$v" ] && [ "$(printf '%s\n1.11.0\n' "$v" | sort -V | head -1)" = "1.11.0" ]
}
if [ -n "${TOFU:-}" ] && [ -x "${TOFU}" ]; then echo "${TOFU}"; exit 0; fi
if command -v tofu >/dev/null 2>&1 && atleast "$(command -v tofu)"; then command -v tofu; exit 0; fi
cache="${LLMOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llmops}/opentofu-${version}"
if [ ! -x "${cache}/tofu" ]; then
  echo "no OpenTofu >= 1.11 on PATH: building v${version} from the Go module proxy into ${cache} (a few minutes, once)" >&2
  src=$(mktemp -d)
  trap 'chmod -R u+w "$src" 2>/dev/null; rm -rf "$src"' EXIT
  dir=$(go mod download -json "github.com/opentofu/opentofu@v${version}" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { echo "opentofu.sh: could not download github.com/opentofu/opentofu@v${version}" >&2; exit 1; }
  cp -r "$dir/." "$src/" && chmod -R u+w "$src"
  mkdir -p "${cache}"
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "${cache}/tofu.tmp.$$" ./cmd/tofu) >&2 \
    || { echo "opentofu.sh: building OpenTofu ${version} failed; install OpenTofu >= 1.11 on PATH or set TOFU" >&2; exit 1; }
  mv "${cache}/tofu.tmp.$$" "${cache}/tofu"
fi
atleast "${cache}/tofu" || { echo "opentofu.sh: ${cache}/tofu is not >= 1.11" >&2; exit 1; }
echo "${cache}/tofu"
