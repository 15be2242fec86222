# Monitoring Dify with only Terraform: one collector (replicated, with the
# Celery queue monitor), two Dify apps tracing to it, their traces fanned
# out to two platforms at once, and the seed's dashboard and alerts.
# See the guide "Monitoring Dify".
terraform {
  required_providers {
    llmops = { source = "llmops/llmops" }
  }
}

variable "dify_console_url" { type = string }
variable "dify_email" { type = string }
variable "dify_password" {
  type      = string
  sensitive = true
}
variable "otlp_token" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "langfuse_secret_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "redis_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "exporter_binary" {
  type    = string
  default = "../../bin/llmops-exporter-linux"
}
variable "dify_network" {
  type        = string
  default     = "docker_default"
  description = "The Docker network of Dify's compose project."
}

provider "llmops" {
  dify {
    console_url = var.dify_console_url
    email       = var.dify_email
    password    = var.dify_password
  }
}

# Two platforms at once (Dify itself traces an app to one).
resource "llmops_tracing_provider" "langfuse" {
  name                  = "langfuse"
  type                  = "langfuse"
  public_key            = "pk-lf-0000"
  secret_key_wo         = var.langfuse_secret_key
  secret_key_wo_version = 1
  verify                = false
}

resource "llmops_tracing_provider" "jaeger" {
  name     = "jaeger"
  type     = "otlp"
  endpoint = "http://jaeger:4318"
}

resource "llmops_collector" "dify" {
  name          = "dify-collector"
  service_host  = "llmops-exporter"
  auth_token_wo = var.otlp_token
  destinations = [
    { tracing_provider = llmops_tracing_provider.langfuse.exporter_destination },
    { tracing_provider = llmops_tracing_provider.jaeger.exporter_destination },
  ]
  # Dify's CELERY_BROKER_URL, without the password (a secret file instead).
  dify_queue_monitor = {
    redis_url = "redis://redis:6379/1"
    password  = true
  }
}

resource "llmops_exporter_image" "exporter" {
  binary_path = var.exporter_binary
}

resource "llmops_replica_set" "exporter" {
  name     = "llmops-exporter"
  image    = llmops_exporter_image.exporter.image_id
  replicas = 2
  command  = ["run", "-c", "/etc/llmops-exporter/config.yaml"]
  config_files = {
    "/etc/llmops-exporter/config.yaml" = llmops_collector.dify.config_yaml
  }
  secret_files_wo = {
    otlp_token          = var.otlp_token
    dify_redis_password = var.redis_password
    langfuse            = var.langfuse_secret_key
  }
  # On Dify's compose network; the set's name is the replicas' network
  # alias, so Dify reaches them as llmops-exporter.
  network        = var.dify_network
  restart_policy = { condition = "on-failure", max_attempts = 5 }
  volumes        = { "/var/lib/llmops-exporter" = "queue" }
}

# Each app's workflow traces (nodes, tokens, prompts) go to the collector.
resource "llmops_dify_app_tracing" "support_bot" {
  app_id            = "a1f0c2d4-0000-4000-8000-000000000001"
  tracing_provider  = "phoenix"
  collector         = llmops_collector.dify.dify_env
  settings          = { project = "support-bot" }
  secret_wo         = var.otlp_token
  secret_wo_version = 1
}

resource "llmops_dify_app_tracing" "sales_agent" {
  app_id            = "c3d4e5f6-0000-4000-8000-000000000002"
  tracing_provider  = "aliyun"
  collector         = llmops_collector.dify.dify_env
  settings          = { app_name = "sales-agent" }
  secret_wo         = var.otlp_token
  secret_wo_version = 1
}

# The seed's dashboard and alerts, as files for Grafana and Prometheus.
resource "llmops_dashboard" "dify" {
  uid              = "dify-llm"
  title            = "Dify LLM apps"
  provisioning_dir = "${path.module}/grafana/provisioning/dashboards"
}

resource "llmops_alert_rule_group" "dify" {
  name       = "dify-slo"
  rules_file = "${path.module}/prometheus/rules/dify-slo.yml"
  rule = [
    { preset = "p95_latency" },
    { preset = "availability", selector = "service=\"dify-api\"" },
    { preset = "queue_backlog" },
    { preset = "token_rate_anomaly" },
    { preset = "delivery_failures" },
    { preset = "exporter_down" },
  ]
}
