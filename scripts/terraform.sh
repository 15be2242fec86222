#!/usr/bin/env bash
# Prints the path of a Terraform CLI >= 1.11 (write-only attributes), building
# one when none is installed. Order: $TERRAFORM, `terraform` on PATH when it is
# 1.11 or newer, then a cached build of v1.11.4 (TERRAFORM_VERSION=1.13.3
# builds that one instead, skipping PATH: the newest the proxy serves).
#
# Terraform 1.9+ cannot be `go install`ed (its go.mod has replace directives),
# and only the Go module proxy is reachable. So the build downloads the module
# source, drops the remote-state backends that live in nested modules the
# module zip does not carry (azurerm, consul, cos, gcs, kubernetes, oss, pg,
# s3: unused by local state and by these tests) and a godebug setting newer Go
# refuses, and builds it: about 3 minutes once, cached outside the repository.
# If no Terraform >= 1.11 can be had this fails loudly.
set -euo pipefail
version=${TERRAFORM_VERSION:-1.11.4}
atleast() { # atleast BINARY: its version is >= 1.11
  local v
  v=$("$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\).*/\1/p' | head -1)
  [ -n "$v" ] && [ "$(printf '%s\n1.11.0\n' "$v" | sort -V | head -1)" = "1.11.0" ]
}
if [ -n "${TERRAFORM:-}" ] && [ -x "${TERRAFORM}" ]; then echo "${TERRAFORM}"; exit 0; fi
if [ -z "${TERRAFORM_VERSION:-}" ] && command -v terraform >/dev/null 2>&1 && atleast "$(command -v terraform)"; then command -v terraform; exit 0; fi
cache="${LLMOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llmops}/terraform-${version}"
if [ ! -x "${cache}/terraform" ]; then
  echo "no Terraform >= 1.11 on PATH: building v${version} from the Go module proxy into ${cache} (a few minutes, once)" >&2
  src=$(mktemp -d)
  trap 'chmod -R u+w "$src" 2>/dev/null; rm -rf "$src"' EXIT
  dir=$(go mod download -json "github.com/hashicorp/terraform@v${version}" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { echo "terraform.sh: could not download github.com/hashicorp/terraform@v${version}" >&2; exit 1; }
  cp -r "$dir/." "$src/" && chmod -R u+w "$src"
  sed -i -E '/^godebug tlskyber=/d; /internal\/(backend\/remote-state\/(azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3)|legacy)( |$)/d' "$src/go.mod"
  sed -i -E '/remote-state\/(azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3)"$/d; /"(azurerm|consul|cos|gcs|kubernetes|oci|oss|pg|s3)": +func\(\) backend\.Backend/d' \
    "$src/internal/backend/init/init.go"
  mkdir -p "${cache}"
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "${cache}/terraform.tmp.$$" .) >&2 \
    || { echo "terraform.sh: building Terraform ${version} failed; install Terraform >= 1.11 on PATH or set TERRAFORM" >&2; exit 1; }
  mv "${cache}/terraform.tmp.$$" "${cache}/terraform"
fi
atleast "${cache}/terraform" || { echo "terraform.sh: ${cache}/terraform is not >= 1.11" >&2; exit 1; }
echo "${cache}/terraform"
