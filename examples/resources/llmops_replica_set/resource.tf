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

resource "llmops_tracing_provider" "langfuse" {
  name          = "langfuse"
  type          = "langfuse"
  public_key    = "pk-lf-1234567890"
  secret_key_wo = var.langfuse_secret_key
}

resource "llmops_collector" "main" {
  name          = "main"
  auth_token_wo = var.otlp_token
  destinations  = [{ tracing_provider = llmops_tracing_provider.langfuse.exporter_destination }]
}

resource "llmops_exporter_image" "exporter" {}

# The seed's HA layout: 3 replicas, restart on failure, a healthcheck.
resource "llmops_replica_set" "exporter" {
  name     = "llmops-exporter" # also the network alias Dify uses
  image    = llmops_exporter_image.exporter.image_id
  replicas = 3
  command  = ["run", "-c", "/etc/llmops-exporter/config.yaml"]

  config_files = {
    "/etc/llmops-exporter/config.yaml" = llmops_collector.main.config_yaml
  }
  # One entry per name in llmops_collector.main.required_secret_files.
  secret_files_wo = {
    otlp_token = var.otlp_token
    langfuse   = var.langfuse_secret_key
  }
  secret_files_wo_version = 1

  ports = [
    { container_port = 9464, host_port = 19464, host_ip = "127.0.0.1" }, # replicas get 19464, 19465, 19466
  ]
  restart_policy = { condition = "on-failure", max_attempts = 5 }
  healthcheck = {
    test     = ["CMD", "/llmops-exporter", "healthcheck", "-c", "/etc/llmops-exporter/config.yaml"]
    interval = "30s"
    timeout  = "10s"
    retries  = 3
  }
  resources = { cpus = 1, memory_mb = 256 }
  network   = "dify_default"                           # join Dify's network so its api can reach llmops-exporter:4318
  volumes   = { "/var/lib/llmops-exporter" = "queue" } # the durable queue survives replacement
  update    = { parallelism = 1, order = "stop-first" }
}

output "metrics" {
  value = llmops_replica_set.exporter.ports_published
}
