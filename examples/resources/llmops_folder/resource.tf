# Needs the provider's grafana block (or GRAFANA_URL and GRAFANA_AUTH).
resource "llmops_folder" "llm" {
  uid   = "llm"
  title = "LLM apps"
}
