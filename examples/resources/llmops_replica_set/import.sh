# A set this provider created, by name:
terraform import llmops_replica_set.exporter llmops-exporter

# A service Docker Compose started (project "docker", service "api": the
# containers docker-api-1, ...); the next apply replaces them with the
# declared spec, update.order at a time:
terraform import llmops_replica_set.api docker/api
