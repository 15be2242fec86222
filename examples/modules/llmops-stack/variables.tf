variable "environment" {
  description = "Environment name (dev, staging, prod...). Names the replica set, its containers, network and volumes, so environments share one Docker engine without colliding."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,40}$", var.environment))
    error_message = "environment must be lower-case letters, digits and dashes (at most 41 characters): it becomes part of container names."
  }
}

variable "destinations" {
  description = "Tracing platforms that receive every kept trace, by name: the arguments of llmops_tracing_provider (type, endpoint, public_key, project, workspace, entity)."
  type = map(object({
    type       = string
    endpoint   = optional(string)
    public_key = optional(string)
    project    = optional(string)
    workspace  = optional(string)
    entity     = optional(string)
    protocol   = optional(string)
  }))
  default = {}
}

variable "destination_secrets" {
  description = "Each destination's secret by destination name: Langfuse secret key, LangSmith/Phoenix/Weave/Opik API key, ARMS license key, Tencent token. Ephemeral: never in plan or state."
  type        = map(string)
  default     = {}
  sensitive   = true
  ephemeral   = true
}

variable "otlp_token" {
  description = "Bearer token the apps send (Dify's OTLP_API_KEY). Ephemeral: never in plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "secrets_version" {
  description = "Increase when otlp_token or a destination secret changes: the replicas roll with the new values."
  type        = number
  default     = 1
}

variable "sampling_rate" {
  description = "Fraction of whole traces kept (Dify's OTEL_SAMPLING_RATE). Metrics always see every span."
  type        = number
  default     = 1
}

variable "slow_trace_threshold" {
  description = "Keep every trace with a span at least this long, whatever the sampling rate (e.g. \"10s\"; null: off)."
  type        = string
  default     = null
}

variable "replicas" {
  description = "Exporter replicas (the seed's HA layout uses 3)."
  type        = number
  default     = 3
}

variable "network" {
  description = "Docker network to join (e.g. Dify's \"docker_default\", so Dify reaches the exporter by its service name); null: a network of its own."
  type        = string
  default     = null
}

variable "exporter_binary" {
  description = "Static Linux llmops-exporter to build the image from; null: the one `make install` put beside the provider."
  type        = string
  default     = null
}

variable "alerting" {
  description = "Alert thresholds and where alerts go. Thresholds default to the seed's KPIs; critical alerts page through PagerDuty when pagerduty_key_file is set (a file Alertmanager reads, or Grafana's contact point), else they go to email like warnings. slo adds the error-budget burn-rate alerts and dashboard panels."
  type = object({
    p95_latency_seconds = optional(number, 5)
    availability        = optional(number, 0.999)
    error_rate          = optional(number, 0.05)
    queue_backlog       = optional(number, 1000)
    cost_per_day_usd    = optional(number, 100)
    slo                 = optional(bool, false)
    email               = optional(list(string), [])
    email_from          = optional(string, "alertmanager@localhost")
    smarthost           = optional(string, "localhost:25")
    pagerduty_key_file  = optional(string)
  })
  default = {}
  validation {
    condition     = var.alerting.availability > 0 && var.alerting.availability <= 1 && var.alerting.error_rate > 0 && var.alerting.error_rate <= 1
    error_message = "alerting.availability and alerting.error_rate are shares from 0 to 1: 99.9 % is 0.999, 5 % is 0.05."
  }
  validation {
    condition     = var.alerting.p95_latency_seconds > 0 && var.alerting.queue_backlog > 0 && var.alerting.cost_per_day_usd > 0
    error_message = "alerting.p95_latency_seconds, queue_backlog and cost_per_day_usd must be positive."
  }
}

variable "grafana" {
  description = "Grafana API mode (the provider's grafana block configured): the folder the dashboard and rules go to and the uid of the Prometheus data source. null (default): provisioning files and a Prometheus rules file under output_dir, no Grafana API needed."
  type = object({
    folder_uid     = string
    datasource_uid = string
  })
  default = null
}

variable "output_dir" {
  description = "Where the rendered dashboard (grafana/dashboards) and rules file (prometheus/rules) are written in file mode; null: llmops-<environment> under the root module."
  type        = string
  default     = null
}
