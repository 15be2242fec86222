variable "otlp_token" {
  description = "Bearer token Dify sends as OTLP_API_KEY."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "langfuse_secret_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "llmops_tracing_provider" "langfuse" {
  name          = "langfuse"
  type          = "langfuse"
  public_key    = "pk-lf-1234567890"
  secret_key_wo = var.langfuse_secret_key
}

resource "llmops_tracing_provider" "phoenix" {
  name     = "phoenix"
  type     = "phoenix"
  endpoint = "http://phoenix:6006"
}

resource "llmops_collector" "main" {
  name             = "main"
  auth_token_wo    = var.otlp_token
  sampling_rate    = 0.2
  keep_errors      = true
  keep_slower_than = "30s"

  destinations = [
    { tracing_provider = llmops_tracing_provider.langfuse.exporter_destination },
    # Only model calls (and their ancestors) to Phoenix, without prompt text.
    { tracing_provider = llmops_tracing_provider.phoenix.exporter_destination, include = ["llm"], content = "none" },
  ]

  redaction_presets = ["email", "phone", "api_key", "credit_card"]
  prices = [
    { name = "self-hosted qwen", match = "^qwen:14b$", provider = "ollama", input = 0, output = 0 },
  ]
}

# Point Dify's api and worker containers at the collector.
output "dify_env" {
  value = llmops_collector.main.dify_env
}
