# Terraform 1.12+ / OpenTofu: import by identity. A set this provider
# created, by name; a Compose service with its project too.
import {
  to = llmops_replica_set.exporter
  identity = {
    name = "llmops-exporter"
  }
}

import {
  to = llmops_replica_set.api
  identity = {
    project = "docker"
    name    = "api"
  }
}
