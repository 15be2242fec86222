# Plan-only runs of the module per environment, with the real provider: the
# exporter configuration, thresholds, routes and replica layout are rendered
# at plan time, so they are asserted here without Docker or Grafana. Only the
# image (which reads the exporter binary) is overridden, with a tag: an image
# ID would be looked up on the engine for kubernetes_yaml (OpenTofu gives
# overridden values to the plan, Terraform leaves them unknown until apply).
#
#   terraform test          (make test runs it: provider/module_test.go)

variables {
  otlp_token      = "tftest-token-0123456789"
  exporter_binary = "/nonexistent/llmops-exporter"
}

override_resource {
  target = llmops_exporter_image.this
  values = {
    image_id = "llmops-exporter:tftest"
  }
}

run "prod_layout" {
  command = plan

  variables {
    environment          = "prod"
    replicas             = 3
    sampling_rate        = 0.2
    slow_trace_threshold = "10s"
    destinations = {
      langfuse = { type = "langfuse", public_key = "pk-lf-test" }
      tempo    = { type = "otlp", endpoint = "http://tempo:4317", protocol = "grpc" }
    }
    destination_secrets = { langfuse = "sk-lf-test" }
    alerting = {
      p95_latency_seconds = 3
      availability        = 0.995
      slo                 = true
      email               = ["oncall@example.com"]
      pagerduty_key_file  = "/etc/alertmanager/secrets/pagerduty-key"
    }
  }

  assert {
    condition     = llmops_replica_set.this.replicas == 3 && llmops_replica_set.this.name == "llmops-prod"
    error_message = "prod runs three replicas named after the environment"
  }
  assert {
    condition     = strcontains(llmops_collector.this.config_yaml, "rate: 0.2") && strcontains(llmops_collector.this.config_yaml, "keep_slower_than: 10s")
    error_message = "the rendered exporter configuration samples 20 % and keeps slow traces"
  }
  assert {
    condition     = strcontains(llmops_collector.this.config_yaml, "secret_file: /run/secrets/langfuse") && !strcontains(llmops_collector.this.config_yaml, "sk-lf-test")
    error_message = "the destination secret is a file reference, never in the configuration"
  }
  assert {
    condition     = toset(llmops_collector.this.required_secret_files) == toset(["langfuse", "otlp_token"])
    error_message = "the replicas must provide the token and Langfuse's key"
  }
  assert {
    condition     = strcontains(llmops_alert_rule_group.this.rules_yaml, "> 3") && strcontains(llmops_alert_rule_group.this.rules_yaml, "< 0.995")
    error_message = "the environment's thresholds reach the rules"
  }
  assert {
    condition     = strcontains(llmops_alert_rule_group.this.rules_yaml, "SLOErrorBudgetBurn")
    error_message = "prod has the burn-rate alerts"
  }
  assert {
    condition     = llmops_notification_policy.critical[0].receiver == "llmops-prod-pager" && llmops_notification_policy.warning[0].receiver == "llmops-prod-mail"
    error_message = "critical alerts page, warnings mail"
  }
  assert {
    condition     = contains(llmops_dashboard.this.presets, "slo")
    error_message = "the dashboard shows the error budget when the SLO alerts are on"
  }
}

run "dev_layout" {
  command = plan

  variables {
    environment = "dev"
    replicas    = 1
    alerting    = { email = ["dev@example.com"] }
  }

  assert {
    condition     = llmops_replica_set.this.replicas == 1 && length(llmops_tracing_provider.this) == 0
    error_message = "dev runs one replica and no destination"
  }
  assert {
    condition     = strcontains(llmops_collector.this.config_yaml, "rate: 1") && !strcontains(llmops_alert_rule_group.this.rules_yaml, "SLOErrorBudgetBurn")
    error_message = "dev keeps every trace and has no burn-rate alerts"
  }
  assert {
    condition     = length(llmops_contact_point.pager) == 0 && llmops_notification_policy.critical[0].receiver == "llmops-dev-mail"
    error_message = "without a pager, critical alerts go to the mailbox"
  }
  assert {
    condition     = strcontains(llmops_alert_rule_group.this.rules_yaml, "> 5")
    error_message = "the seed's P95 threshold is the default"
  }
}

run "environment_name_checked" {
  command = plan

  variables {
    environment = "Prod Env"
  }

  expect_failures = [var.environment]
}

run "threshold_as_a_percentage_refused" {
  command = plan

  variables {
    environment = "staging"
    alerting    = { availability = 99.9 }
  }

  # 99.9 % is 0.999: the module says so before the provider does.
  expect_failures = [var.alerting]
}
