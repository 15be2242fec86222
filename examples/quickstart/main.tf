# Quickstart: an LLMOps tracing stack as code, on the local Docker engine.
# `make quickstart` builds and installs the provider and the exporter, then
# applies this directory with no network access: three tracing destinations,
# a collector configuration, the exporter image (built FROM scratch on the
# engine, no registry) and a fleet of three healthy exporter replicas.
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

variable "otlp_token" {
  description = "Token Dify sends as OTLP_API_KEY (Authorization: Bearer). `make quickstart` generates one into bin/quickstart.token and passes it as TF_VAR_otlp_token."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "verify" {
  description = "Check every platform's credentials on apply (needs network access to the platforms)."
  type        = bool
  default     = false
}

variable "exporter_binary" {
  description = "Static Linux llmops-exporter; default: the one make install put beside the provider."
  type        = string
  default     = null
}

variable "replicas" {
  type    = number
  default = 3
}

variable "name" {
  description = "Name of the replica set: its containers, network and volumes are named after it."
  type        = string
  default     = "llmops-exporter"
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
  endpoint = "http://jaeger:4318"
  verify   = var.verify
}

# What the exporter replicas run: a Jaeger destination (queued durably until
# a "jaeger" host appears on the network), sampling, redaction, auth.
resource "llmops_collector" "main" {
  name              = "quickstart"
  service_host      = var.name
  auth_token_wo     = var.otlp_token
  sampling_rate     = 0.5
  destinations      = [{ tracing_provider = llmops_tracing_provider.jaeger.exporter_destination }]
  redaction_presets = ["email", "api_key"]
}

resource "llmops_exporter_image" "exporter" {
  binary_path = var.exporter_binary
}

resource "llmops_replica_set" "exporter" {
  name     = var.name
  image    = llmops_exporter_image.exporter.image_id
  replicas = var.replicas
  command  = ["run", "-c", "/etc/llmops-exporter/config.yaml"]
  config_files = {
    "/etc/llmops-exporter/config.yaml" = llmops_collector.main.config_yaml
  }
  secret_files_wo = { otlp_token = var.otlp_token }
  ports = [
    { container_port = 9464, host_ip = "127.0.0.1" }, # metrics, one host port per replica
    { container_port = 4318, host_ip = "127.0.0.1" }, # OTLP/HTTP
    { container_port = 4317, host_ip = "127.0.0.1" }, # OTLP/gRPC
  ]
  restart_policy = { condition = "on-failure", max_attempts = 5 }
  healthcheck = {
    test     = ["CMD", "/llmops-exporter", "healthcheck", "-c", "/etc/llmops-exporter/config.yaml"]
    interval = "5s"
    timeout  = "3s"
    retries  = 3
  }
  # Each replica keeps its durable queue across replacements and restarts.
  volumes = { "/var/lib/llmops-exporter" = "queue" }
  update  = { parallelism = 1, order = "stop-first" }
}

# Dashboards and alerts without a Grafana server: Grafana provisioning files
# and a Prometheus rules file, written under this directory (see README).
resource "llmops_dashboard" "llm" {
  uid              = "${var.name}-llm"
  title            = "LLM apps (${var.name})"
  provisioning_dir = "${path.module}/grafana/provisioning/dashboards"
}

resource "llmops_alert_rule_group" "slo" {
  name       = "${var.name}-slo"
  rules_file = "${path.module}/prometheus/rules/${var.name}-slo.yml"
  rule = [
    { preset = "p95_latency" },
    { preset = "availability" },
    { preset = "memory" },
    { preset = "token_rate_anomaly" },
    { preset = "queue_backlog" },
    { preset = "error_rate" },
    { preset = "delivery_failures" },
    { preset = "exporter_down" },
  ]
}

output "dashboard_file" {
  description = "The dashboard JSON for Grafana's file provisioning."
  value       = llmops_dashboard.llm.url
}

output "rules_file" {
  description = "The Prometheus rules file (add it to rule_files)."
  value       = llmops_alert_rule_group.slo.rules_file
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

output "replicas" {
  description = "Each replica's endpoints on this host: Prometheus metrics, OTLP/HTTP and OTLP/gRPC."
  value = { for c in llmops_replica_set.exporter.containers : c.name => {
    metrics   = "http://${lookup(c.ports, "9464/tcp", "")}/metrics"
    otlp_http = "http://${lookup(c.ports, "4318/tcp", "")}"
    otlp_grpc = lookup(c.ports, "4317/tcp", "")
  } }
}

output "healthy_replicas" {
  value = llmops_replica_set.exporter.healthy_replicas
}

output "send_traffic" {
  description = "Sends 10 s of Dify-shaped traces through the first replica, with the token from TF_VAR_otlp_token (nothing secret is printed)."
  value = length(llmops_replica_set.exporter.containers) == 0 ? "" : join(" ", [
    "docker exec -e OTLP_API_KEY=\"$TF_VAR_otlp_token\"", sort(keys(llmops_replica_set.exporter.containers))[0],
    "/llmops-exporter loadgen -endpoint http://127.0.0.1:4318 -rate 500 -duration 10s",
  ])
}

output "dify_env" {
  description = "Environment for Dify's api and worker containers (add OTLP_API_KEY = the otlp_token)."
  value       = llmops_collector.main.dify_env
}
