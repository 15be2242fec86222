# Dify's API as the seed's highly available replica set: three replicas of
# the api service Compose started, taken over by Terraform, with the seed's
# healthcheck, on-failure restarts and zero-downtime rolling updates.
# See the guide "High availability for Dify's API".
terraform {
  required_providers {
    llmops = { source = "llmops/llmops" }
  }
}

variable "dify_docker_dir" {
  type        = string
  description = "Dify's docker/ directory (where its docker-compose.yaml and .env are)."
}
variable "dify_version" {
  type    = string
  default = "1.10.1"
}
# Dify reads these from its environment only; they go in as secret files
# (write-only: never in state or plans) and the entrypoint below exports
# them. Remove them from .env once they are here.
variable "secret_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "redis_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "secrets_version" {
  type        = number
  default     = 1
  description = "Increase to roll the replicas with new secret values."
}

# `terraform apply` imports Compose's api containers (docker-api-1, ...)
# once; the apply then replaces them, one at a time, with the declared spec.
import {
  to = llmops_replica_set.api
  id = "docker/api"
}

resource "llmops_replica_set" "api" {
  project  = "docker" # Compose's project: the name of Dify's docker/ directory
  name     = "api"    # the service, and the alias Dify's nginx proxies to
  image    = "langgenius/dify-api:${var.dify_version}"
  replicas = 3
  network  = "docker_default"

  # Dify's settings, read with Compose's own parser; the secrets below are
  # left out of it. env wins over the file.
  env_file = "${var.dify_docker_dir}/.env"
  env      = { MODE = "api" }

  secret_files_wo = {
    SECRET_KEY        = var.secret_key
    DB_PASSWORD       = var.db_password
    REDIS_PASSWORD    = var.redis_password
    CELERY_BROKER_URL = "redis://:${var.redis_password}@redis:6379/1"
  }
  secret_files_wo_version = var.secrets_version
  # Export /run/secrets/* into the environment of Dify's own entrypoint:
  # the values never appear in `docker inspect`.
  entrypoint = ["/bin/bash", "-c", "for f in /run/secrets/*; do export \"$(basename \"$f\")=$(cat \"$f\")\"; done; exec /bin/bash /entrypoint.sh \"$@\"", "entrypoint"]

  restart_policy = { condition = "on-failure" }
  healthcheck = {
    test         = ["CMD", "curl", "-f", "http://localhost:5001/health"]
    interval     = "30s"
    timeout      = "10s"
    retries      = 3
    start_period = "60s" # migrations and plugin start-up
  }
  update            = { parallelism = 1, order = "start-first" }
  stop_grace_period = "30s" # gunicorn's graceful timeout
  wait_timeout      = "5m"
}

output "api_containers" {
  value = [for c in llmops_replica_set.api.containers : "${c.name} ${c.health}"]
}
