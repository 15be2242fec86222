#!/usr/bin/env bash
# Prints the path of a Terraform CLI, installing one when there is none.
# Order: $TERRAFORM, `terraform` on PATH, then a cached build of v1.8.5 made
# with `go install` (the newest release `go install` can build from the Go
# module proxy; about 5 minutes the first time, cached outside the repo).
set -euo pipefail
if [ -n "${TERRAFORM:-}" ] && [ -x "${TERRAFORM}" ]; then echo "${TERRAFORM}"; exit 0; fi
if command -v terraform >/dev/null 2>&1; then command -v terraform; exit 0; fi
version=1.8.5
cache="${LLMOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llmops}/terraform-${version}"
if [ ! -x "${cache}/terraform" ]; then
  echo "terraform not found on PATH: building v${version} with go install into ${cache} (takes a few minutes once)" >&2
  mkdir -p "${cache}"
  GOBIN="${cache}" CGO_ENABLED=0 go install "github.com/hashicorp/terraform@v${version}" >&2
fi
echo "${cache}/terraform"
