output "endpoints" {
  description = "Each replica's endpoints on this host: metrics, OTLP/HTTP, OTLP/gRPC."
  value = { for c in llmops_replica_set.this.containers : c.name => {
    metrics   = "http://${lookup(c.ports, "9464/tcp", "")}/metrics"
    otlp_http = "http://${lookup(c.ports, "4318/tcp", "")}"
    otlp_grpc = lookup(c.ports, "4317/tcp", "")
  } }
}

output "dify_env" {
  description = "Environment for Dify's api and worker containers (add OTLP_API_KEY = the otlp_token)."
  value       = llmops_collector.this.dify_env
}

output "healthy_replicas" {
  value = llmops_replica_set.this.healthy_replicas
}

output "replica_set" {
  description = "Name of the replica set: its containers, network and volumes are named after it."
  value       = llmops_replica_set.this.name
}

output "dashboard_file" {
  description = "The dashboard: its JSON file (file mode) or its URL in Grafana."
  value       = llmops_dashboard.this.url
}

output "rules_yaml" {
  description = "The Prometheus rules file (also written to rules_file in file mode)."
  value       = llmops_alert_rule_group.this.rules_yaml
}

output "rules_file" {
  description = "Path of the rules file for Prometheus's rule_files (null in Grafana mode)."
  value       = llmops_alert_rule_group.this.rules_file
}

output "alertmanager_yaml" {
  description = "Alertmanager receivers and routes to merge under your root route (file mode)."
  value = join("\n", concat(
    [for c in concat(llmops_contact_point.pager, llmops_contact_point.mail) : c.alertmanager_yaml],
    [for p in concat(llmops_notification_policy.critical, llmops_notification_policy.warning) : p.alertmanager_yaml],
  ))
}

output "prometheus_scrape_yaml" {
  description = "A Prometheus scrape configuration for the replicas (one target per replica, by container name on the replica set's network; job name matching the exporter_down alert)."
  value = yamlencode({
    scrape_configs = [{
      job_name       = local.scrape_job
      static_configs = [{ targets = [for c in llmops_replica_set.this.containers : "${c.name}:9464"], labels = { environment = var.environment } }]
    }]
  })
}
