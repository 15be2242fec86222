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
