# Development: one replica, every trace kept, delivered to a local Jaeger
# (queued durably until a "jaeger" host appears on the network).

variable "environment" {
  type    = string
  default = "dev"
}

variable "otlp_token" {
  description = "Bearer token the apps send. Set TF_VAR_otlp_token; never stored."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "exporter_binary" {
  type    = string
  default = null
}

module "llmops" {
  source = "../../modules/llmops-stack"

  environment     = var.environment
  replicas        = 1
  sampling_rate   = 1
  otlp_token      = var.otlp_token
  exporter_binary = var.exporter_binary
  destinations = {
    jaeger = { type = "otlp", endpoint = "http://jaeger:4318" }
  }
  alerting = {
    email = ["llm-dev@example.com"] # dev mails: no pager
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
