# Critical LLM alerts page; warnings go to the team's mailbox. Each resource
# owns one route of Grafana's policy tree; other routes are left alone.
resource "llmops_notification_policy" "critical" {
  matchers        = ["severity=\"critical\"", "service=~\"dify.*\""]
  receiver        = llmops_contact_point.oncall.name
  group_by        = ["alertname", "service"]
  repeat_interval = "4h"
  grafana_managed = true
}

# Alertmanager only: merge alertmanager_yaml's routes under your root route.
resource "llmops_notification_policy" "warnings" {
  matchers = ["severity=\"warning\""]
  receiver = llmops_contact_point.team_mail.name
}

output "alertmanager_fragments" {
  value = join("\n", [
    llmops_contact_point.team_mail.alertmanager_yaml,
    llmops_contact_point.pager.alertmanager_yaml,
    llmops_notification_policy.warnings.alertmanager_yaml,
  ])
}
