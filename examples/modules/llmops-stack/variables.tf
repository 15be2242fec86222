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
