# One LLMOps observability stack: tracing destinations, the exporter
# configuration, its image, and a highly available fleet of exporters on the
# Docker engine. Instantiate it once per environment (examples/environments).

locals {
  name = "llmops-${var.environment}"
  # Which write-only argument of llmops_tracing_provider carries each type's secret.
  secret_argument = {
    langfuse = "secret_key", langsmith = "api_key", phoenix = "api_key", weave = "api_key",
    opik     = "api_key", aliyun = "license_key", tencent = "token", otlp = ""
  }
}

resource "llmops_tracing_provider" "this" {
  for_each   = var.destinations
  name       = each.key
  type       = each.value.type
  endpoint   = each.value.endpoint
  public_key = each.value.public_key
  project    = each.value.project
  workspace  = each.value.workspace
  entity     = each.value.entity
  protocol   = each.value.protocol

  secret_key_wo  = local.secret_argument[each.value.type] == "secret_key" ? lookup(var.destination_secrets, each.key, null) : null
  api_key_wo     = local.secret_argument[each.value.type] == "api_key" ? lookup(var.destination_secrets, each.key, null) : null
  license_key_wo = local.secret_argument[each.value.type] == "license_key" ? lookup(var.destination_secrets, each.key, null) : null
  token_wo       = local.secret_argument[each.value.type] == "token" ? lookup(var.destination_secrets, each.key, null) : null
  # Each write-only secret has its own counter: bump var.secrets_version on rotation.
  secret_key_wo_version  = local.secret_argument[each.value.type] == "secret_key" ? var.secrets_version : null
  api_key_wo_version     = local.secret_argument[each.value.type] == "api_key" ? var.secrets_version : null
  license_key_wo_version = local.secret_argument[each.value.type] == "license_key" ? var.secrets_version : null
  token_wo_version       = local.secret_argument[each.value.type] == "token" ? var.secrets_version : null
}

resource "llmops_collector" "this" {
  name                  = var.environment
  service_host          = local.name
  auth_token_wo         = var.otlp_token
  auth_token_wo_version = var.secrets_version
  sampling_rate         = var.sampling_rate
  keep_slower_than      = var.slow_trace_threshold
  destinations          = [for name in sort(keys(llmops_tracing_provider.this)) : { tracing_provider = llmops_tracing_provider.this[name].exporter_destination }]
  redaction_presets     = ["email", "api_key"]
}

resource "llmops_exporter_image" "this" {
  binary_path = var.exporter_binary
  # The tag is content-addressed: environments built from one binary share
  # the image, and destroying one keeps it while another runs it.
  keep_image = false
}

resource "llmops_replica_set" "this" {
  name     = local.name
  image    = llmops_exporter_image.this.image_id
  replicas = var.replicas
  network  = var.network
  command  = ["run", "-c", "/etc/llmops-exporter/config.yaml"]
  config_files = {
    "/etc/llmops-exporter/config.yaml" = llmops_collector.this.config_yaml
  }
  # Every name in llmops_collector.this.required_secret_files: the token,
  # and one file per destination that has a secret.
  secret_files_wo         = merge({ otlp_token = var.otlp_token }, var.destination_secrets)
  secret_files_wo_version = var.secrets_version
  ports = [
    { container_port = 9464, host_ip = "127.0.0.1" },
    { container_port = 4318, host_ip = "127.0.0.1" },
    { container_port = 4317, host_ip = "127.0.0.1" },
  ]
  restart_policy = { condition = "on-failure", max_attempts = 5 }
  healthcheck = {
    test     = ["CMD", "/llmops-exporter", "healthcheck", "-c", "/etc/llmops-exporter/config.yaml"]
    interval = "5s"
    timeout  = "3s"
    retries  = 3
  }
  volumes = { "/var/lib/llmops-exporter" = "queue" }
  update  = { parallelism = 1, order = "stop-first" }
}

# Dashboards and alerts: Grafana provisioning and Prometheus rules files
# by default (nothing needs a Grafana API), Grafana-managed with var.grafana.
locals {
  files   = coalesce(var.output_dir, "${path.root}/llmops-${var.environment}")
  grafana = var.grafana != null
  # Prometheus scrapes the replicas under this job name, which the
  # exporter_down preset's default selector (job=~".*llmops.*") matches.
  scrape_job = local.name
  alerts     = var.alerting
  # The error-budget burn-rate alerts (alerting.slo).
  slo_rules = [
    { preset = "availability_slo", objective = local.alerts.availability, labels = { environment = var.environment } },
    { preset = "latency_slo", threshold = local.alerts.p95_latency_seconds, labels = { environment = var.environment } },
  ]
}

resource "llmops_dashboard" "this" {
  uid              = "llmops-${var.environment}"
  title            = "LLM apps (${var.environment})"
  tags             = ["llmops", var.environment]
  folder_uid       = local.grafana ? var.grafana.folder_uid : null
  provisioning_dir = local.grafana ? null : "${local.files}/grafana/dashboards"
  presets          = concat(["request_rate", "error_ratio", "availability", "latency", "time_to_first_token", "tokens", "cost", "unpriced_tokens", "exporter_health", "memory", "queue_backlog", "audit"], local.alerts.slo ? ["slo"] : [])

  # The panels draw the rule group's thresholds: the dashboard's red is the alerts' red.
  alert_rules_yaml = llmops_alert_rule_group.this.rules_yaml
}

resource "llmops_alert_rule_group" "this" {
  name            = local.name
  rules_file      = local.grafana ? null : "${local.files}/prometheus/rules/${local.name}.yml"
  grafana_managed = local.grafana
  folder_uid      = local.grafana ? var.grafana.folder_uid : null
  datasource_uid  = local.grafana ? var.grafana.datasource_uid : null
  rule = concat([
    { preset = "p95_latency", threshold = local.alerts.p95_latency_seconds, labels = { environment = var.environment } },
    { preset = "availability", threshold = local.alerts.availability, labels = { environment = var.environment } },
    { preset = "error_rate", threshold = local.alerts.error_rate, labels = { environment = var.environment } },
    { preset = "queue_backlog", threshold = local.alerts.queue_backlog, labels = { environment = var.environment } },
    { preset = "cost_budget", threshold = local.alerts.cost_per_day_usd, labels = { environment = var.environment } },
    { preset = "delivery_failures", labels = { environment = var.environment } },
    { preset = "exporter_down", selector = "job=\"${local.scrape_job}\"", labels = { environment = var.environment } },
  ], [for r in local.slo_rules : r if local.alerts.slo])
}

# Where alerts go: e-mail always (when addresses are given); a pager for
# critical alerts when a PagerDuty routing key file is given (prod pages,
# dev mails).
resource "llmops_contact_point" "mail" {
  count           = length(local.alerts.email) > 0 ? 1 : 0
  name            = "${local.name}-mail"
  type            = "email"
  addresses       = local.alerts.email
  settings        = { from = local.alerts.email_from, smarthost = local.alerts.smarthost }
  grafana_managed = local.grafana
}

resource "llmops_contact_point" "pager" {
  count           = local.alerts.pagerduty_key_file != null ? 1 : 0
  name            = "${local.name}-pager"
  type            = "pagerduty"
  secret_file     = local.alerts.pagerduty_key_file
  grafana_managed = local.grafana
}

resource "llmops_notification_policy" "critical" {
  count           = length(llmops_contact_point.pager) + length(llmops_contact_point.mail) > 0 ? 1 : 0
  matchers        = ["environment=\"${var.environment}\"", "severity=\"critical\""]
  receiver        = length(llmops_contact_point.pager) > 0 ? llmops_contact_point.pager[0].name : llmops_contact_point.mail[0].name
  group_by        = ["alertname", "service"]
  repeat_interval = "4h"
  grafana_managed = local.grafana
}

resource "llmops_notification_policy" "warning" {
  count           = length(llmops_contact_point.mail)
  matchers        = ["environment=\"${var.environment}\"", "severity=\"warning\""]
  receiver        = llmops_contact_point.mail[0].name
  group_by        = ["alertname", "service"]
  repeat_interval = "12h"
  grafana_managed = local.grafana
}
