variable "slack_webhook_url" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Grafana-managed: the Slack webhook URL is write-only (never in state).
resource "llmops_contact_point" "oncall" {
  name              = "llm-oncall"
  type              = "slack"
  channel           = "#llm-alerts"
  grafana_managed   = true
  secret_wo         = var.slack_webhook_url
  secret_wo_version = 1
}

# Alertmanager only: the fragment references files Alertmanager reads.
resource "llmops_contact_point" "pager" {
  name        = "llm-pager"
  type        = "pagerduty"
  secret_file = "/etc/alertmanager/secrets/pagerduty-routing-key"
}

resource "llmops_contact_point" "team_mail" {
  name      = "llm-team"
  type      = "email"
  addresses = ["llm-team@example.com"]
  settings = {
    from      = "alertmanager@example.com"
    smarthost = "smtp.example.com:587"
  }
}
