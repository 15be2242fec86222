# One apply of a one-replica environment on the local Docker engine, then
# terraform test destroys it. environment, exporter_binary and output_dir
# come from TF_VAR_ variables (provider/module_test.go sets unique ones).

variables {
  otlp_token = "tftest-token-0123456789"
  # Ephemeral: set even when empty, or the apply phase finds it unset.
  destination_secrets = {}
  replicas            = 1
  alerting            = { email = ["dev@example.com"] }
}

run "apply_one_replica" {
  command = apply

  assert {
    condition     = llmops_replica_set.this.healthy_replicas == 1
    error_message = "the replica runs healthy after apply"
  }
  assert {
    condition     = length(output.endpoints) == 1 && alltrue([for e in values(output.endpoints) : startswith(e.metrics, "http://127.0.0.1:")])
    error_message = "the replica's metrics are published on loopback"
  }
  assert {
    condition     = fileexists(output.rules_file) && fileexists(output.dashboard_file)
    error_message = "the rules and dashboard files are written"
  }
}
