# Grafana API target only: the dashboard uid.
terraform import llmops_dashboard.apps llm-apps
