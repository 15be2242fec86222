# Terraform 1.12+ / OpenTofu: import by identity.
import {
  to = llmops_exporter_image.exporter
  identity = {
    tag = "llmops-exporter:0.1.0"
  }
}
