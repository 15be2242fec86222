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

  secret_key_wo      = local.secret_argument[each.value.type] == "secret_key" ? lookup(var.destination_secrets, each.key, null) : null
  api_key_wo         = local.secret_argument[each.value.type] == "api_key" ? lookup(var.destination_secrets, each.key, null) : null
  license_key_wo     = local.secret_argument[each.value.type] == "license_key" ? lookup(var.destination_secrets, each.key, null) : null
  token_wo           = local.secret_argument[each.value.type] == "token" ? lookup(var.destination_secrets, each.key, null) : null
  secrets_wo_version = var.secrets_version
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
  secret_files         = merge({ otlp_token = var.otlp_token }, var.destination_secrets)
  secret_files_version = var.secrets_version
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
