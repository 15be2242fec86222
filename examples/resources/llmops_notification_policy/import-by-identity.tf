# Terraform 1.12+ / OpenTofu: import by identity (Grafana-managed routes:
# the sorted matchers).
import {
  to = llmops_notification_policy.critical
  identity = {
    matchers = "service=~\"dify.*\",severity=\"critical\""
  }
}
