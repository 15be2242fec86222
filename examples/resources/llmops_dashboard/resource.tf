# Through the Grafana API (provider grafana block configured):
resource "llmops_dashboard" "apps" {
  uid        = "llm-apps"
  title      = "LLM apps"
  folder_uid = llmops_folder.llm.uid
  tags       = ["llmops", "dify"]
  # presets defaults to every preset; pick some to trim the dashboard:
  # presets = ["request_rate", "error_ratio", "latency", "tokens", "cost"]
  extra_panels = [jsonencode({
    type    = "text"
    title   = "On call"
    options = { mode = "markdown", content = "Runbook: https://wiki.example/llm" }
  })]
}

# Without a Grafana API: Grafana file provisioning. Mount the directory as
# /etc/grafana/provisioning/dashboards in Grafana's container.
resource "llmops_dashboard" "files" {
  uid              = "llm-apps-files"
  title            = "LLM apps (provisioned)"
  provisioning_dir = "${path.root}/grafana/provisioning/dashboards"
}
