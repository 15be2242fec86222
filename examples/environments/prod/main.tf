# Production: the seed's three replicas, 20 % of traces plus every failing or
# slow one, delivered to Langfuse and to a Tempo over OTLP/gRPC.

variable "environment" {
  type    = string
  default = "prod"
}

variable "otlp_token" {
  description = "Bearer token the apps send. Set TF_VAR_otlp_token; never stored."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "langfuse_public_key" {
  type = string
}

variable "langfuse_secret_key" {
  description = "Langfuse secret key. Set TF_VAR_langfuse_secret_key; never stored."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "secrets_version" {
  description = "Increase when a secret changes."
  type        = number
  default     = 1
}

variable "exporter_binary" {
  type    = string
  default = null
}

module "llmops" {
  source = "../../modules/llmops-stack"

  environment          = var.environment
  replicas             = 3
  sampling_rate        = 0.2
  slow_trace_threshold = "10s"
  otlp_token           = var.otlp_token
  secrets_version      = var.secrets_version
  exporter_binary      = var.exporter_binary
  destinations = {
    langfuse = { type = "langfuse", public_key = var.langfuse_public_key }
    tempo    = { type = "otlp", endpoint = "http://tempo:4317", protocol = "grpc" }
  }
  destination_secrets = { langfuse = var.langfuse_secret_key }
  alerting = {
    p95_latency_seconds = 5
    availability        = 0.999
    slo                 = true                                      # error-budget burn rates: pages only on real burns
    email               = ["llm-oncall@example.com"]                # warnings (tickets)
    pagerduty_key_file  = "/etc/alertmanager/secrets/pagerduty-key" # critical alerts page
  }
}

output "endpoints" {
  value = module.llmops.endpoints
}

output "dify_env" {
  value = module.llmops.dify_env
}

output "dashboard_file" {
  value = module.llmops.dashboard_file
}

output "rules_file" {
  value = module.llmops.rules_file
}

output "alertmanager_yaml" {
  value = module.llmops.alertmanager_yaml
}

output "prometheus_scrape_yaml" {
  value = module.llmops.prometheus_scrape_yaml
}
