#!/usr/bin/env bash
# Generates docs/ from templates/, examples/ and the provider schema, fully
# offline: the schema comes from `terraform providers schema -json` run with a
# dev_overrides CLI config (no `terraform init`, which would use the network).
# Usage: scripts/generate-docs.sh [output-dir]   (default: docs)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-docs}"
# Terraform 1.12+ reports resource identity schemas (the identity import
# examples need them): the tests' version, built once and cached.
tf="$(TERRAFORM_VERSION="${TEST_TERRAFORM_VERSION:-1.13.3}" "${root}/scripts/terraform.sh")"
docs="$("${root}/scripts/tool.sh" tfplugindocs)"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# CGO off and -trimpath, as make release builds: the compiled packages are shared.
CGO_ENABLED=0 go build -trimpath -o "${work}/bin/terraform-provider-llmops" "${root}"
cat > "${work}/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "llmops/llmops" = "${work}/bin"
  }
  direct {}
}
TFRC
mkdir -p "${work}/cfg"
cat > "${work}/cfg/main.tf" <<'TF'
terraform {
  required_providers {
    llmops = { source = "llmops/llmops" }
  }
}
TF
export TF_CLI_CONFIG_FILE="${work}/dev.tfrc" CHECKPOINT_DISABLE=1
(cd "${work}/cfg" && "${tf}" providers schema -json 2>/dev/null) > "${work}/schema.raw.json"
# tfplugindocs finds a schema only under the provider's short name (or a
# hashicorp/ address), so rename the key.
sed 's|"registry.terraform.io/llmops/llmops"|"llmops"|' "${work}/schema.raw.json" > "${work}/schema.json"
"${tf}" fmt -recursive "${root}/examples" >/dev/null
cd "${root}"
"${docs}" generate --provider-name llmops --providers-schema "${work}/schema.json" --rendered-website-dir "${out}" >/dev/null
