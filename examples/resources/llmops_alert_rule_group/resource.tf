# The seed's KPIs as one group: a Prometheus rules file always, and
# Grafana-managed rules with grafana_managed = true.
resource "llmops_alert_rule_group" "slo" {
  name       = "llm-slo"
  rules_file = "${path.root}/prometheus/rules/llm-slo.yml"

  # Grafana-managed copy (needs the provider's grafana block):
  # grafana_managed = true
  # folder_uid     = llmops_folder.llm.uid
  # datasource_uid = "prometheus"

  rule = [
    { preset = "p95_latency" },                                     # P95 > 5 s for 5m
    { preset = "availability", selector = "service=\"dify-api\"" }, # < 99.9 %
    { preset = "memory" },                                          # > 80 % of the container limit
    { preset = "token_rate_anomaly", threshold = 4 },               # 4 standard deviations
    { preset = "queue_backlog" },                                   # Dify's Celery queues > 1000
    { preset = "error_rate" },
    { preset = "cost_budget", threshold = 250 }, # USD per day
    { preset = "delivery_failures" },
    { preset = "exporter_down", runbook_url = "https://wiki.example/llmops-exporter" },
    # Error-budget burn rates (page: critical, ticket: warning), see "SLOs":
    { preset = "availability_slo", objective = 0.999, slo_window = "30d" },
    { preset = "latency_slo", threshold = 5, objective = 0.95 },
    {
      name      = "DifyWorkflowErrors"
      expr      = "sum(rate(llm_spans_total{kind=\"workflow\",status=\"error\"}[5m]))"
      threshold = 0.1
      for       = "10m"
      severity  = "page"
    },
  ]
}
