# Quickstart: the tracing destinations of an LLMOps stack, as code.
# `make quickstart` builds and installs the provider, then applies this
# directory with no network access (verify is off; turn it on with real keys).
terraform {
  required_version = ">= 1.11"
  required_providers {
    llmops = {
      source = "llmops/llmops"
    }
  }
}

provider "llmops" {}

variable "langfuse_public_key" {
  type    = string
  default = "pk-lf-quickstart"
}

variable "langfuse_secret_key" {
  description = "Langfuse secret key. Ephemeral: never stored in plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = "sk-lf-quickstart"
}

variable "verify" {
  description = "Check every platform's credentials on apply (needs network access to the platforms)."
  type        = bool
  default     = false
}

resource "llmops_tracing_provider" "langfuse" {
  name          = "langfuse"
  type          = "langfuse"
  public_key    = var.langfuse_public_key
  secret_key_wo = var.langfuse_secret_key
  verify        = var.verify
}

resource "llmops_tracing_provider" "phoenix" {
  name     = "phoenix"
  type     = "phoenix"
  endpoint = "http://localhost:6006"
  verify   = var.verify
}

resource "llmops_tracing_provider" "jaeger" {
  name     = "jaeger"
  type     = "otlp"
  endpoint = "http://localhost:4318"
  verify   = var.verify
}

output "destinations" {
  description = "Where each destination receives traces, and the headers it needs."
  value = {
    for p in [llmops_tracing_provider.langfuse, llmops_tracing_provider.phoenix, llmops_tracing_provider.jaeger] :
    p.name => {
      otlp_endpoint = p.otlp_endpoint
      protocol      = p.otlp_protocol
      headers       = p.otlp_header_names
    }
  }
}
