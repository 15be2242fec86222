# Terraform 1.12+ / OpenTofu: import by identity (Grafana API target).
import {
  to = llmops_dashboard.apps
  identity = {
    uid = "llm-apps"
  }
}
