# The provider logs in to Dify's console (or uses an admin API key):
#   provider "llmops" {
#     dify {
#       console_url = "https://dify.example.com"
#       email       = "admin@example.com"
#       password    = var.dify_password
#     }
#   }

variable "otlp_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "llmops_collector" "main" {
  name          = "llmops-exporter"
  auth_token_wo = var.otlp_token
}

# Dify's Arize Phoenix provider pointed at the collector: the app's workflow
# traces (nodes, tokens, prompts) reach the exporter, which fans them out
# to every destination of the collector.
resource "llmops_dify_app_tracing" "support_bot" {
  app_id            = "a1f0c2d4-0000-4000-8000-000000000001"
  tracing_provider  = "phoenix"
  collector         = llmops_collector.main.dify_env
  settings          = { project = "support-bot" }
  secret_wo         = var.otlp_token # sent by Dify as its Phoenix API key
  secret_wo_version = 1
}

# Dify's Aliyun provider pointed at the collector: Dify posts to
# {endpoint}/adapt_{license_key}/api/otlp/traces, the exporter's alias.
resource "llmops_dify_app_tracing" "sales_agent" {
  app_id            = "c3d4e5f6-0000-4000-8000-000000000002"
  tracing_provider  = "aliyun"
  collector         = llmops_collector.main.dify_env
  settings          = { app_name = "sales-agent" }
  secret_wo         = var.otlp_token # the license key is the exporter's token
  secret_wo_version = 1
}
