# Terraform 1.12+ / OpenTofu: import by identity (Grafana-managed groups).
import {
  to = llmops_alert_rule_group.slo
  identity = {
    folder_uid = "llm"
    name       = "llm-slo"
  }
}
