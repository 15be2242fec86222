# Secrets arrive through ephemeral variables (Terraform 1.10+) and go into
# write-only attributes (Terraform 1.11+): they never reach the plan or state.
variable "langfuse_secret_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "langsmith_api_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "verify_credentials" {
  description = "Check the keys against the platform on apply."
  type        = bool
  default     = true
}

# Langfuse Cloud (EU). verify checks the keys when applied; bump
# secret_key_wo_version after rotating the secret key.
resource "llmops_tracing_provider" "langfuse" {
  name                  = "langfuse-prod"
  type                  = "langfuse"
  public_key            = "pk-lf-1234567890"
  secret_key_wo         = var.langfuse_secret_key
  secret_key_wo_version = 1
  verify                = var.verify_credentials
}

# LangSmith, one project per environment.
resource "llmops_tracing_provider" "langsmith" {
  name       = "langsmith"
  type       = "langsmith"
  project    = "dify-prod"
  api_key_wo = var.langsmith_api_key
}

# A self-hosted Arize Phoenix without auth.
resource "llmops_tracing_provider" "phoenix" {
  name     = "phoenix"
  type     = "phoenix"
  endpoint = "http://phoenix.internal:6006"
  project  = "dify"
}

# Any OTLP back end (Tempo, Jaeger, SigNoz...) over gRPC with a tenant header.
resource "llmops_tracing_provider" "tempo" {
  name     = "tempo"
  type     = "otlp"
  endpoint = "http://tempo.internal:4317"
  protocol = "grpc"
  headers  = { "X-Scope-OrgID" = "llm-apps" }
}

output "langfuse_otlp_endpoint" {
  value = llmops_tracing_provider.langfuse.otlp_endpoint
}
