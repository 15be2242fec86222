# Terraform 1.12+ / OpenTofu: import by identity.
import {
  to = llmops_collector.main
  identity = {
    name = "main"
  }
}
