# Grafana-managed routes: the id, i.e. the sorted matchers.
terraform import llmops_notification_policy.critical 'service=~"dify.*",severity="critical"'
