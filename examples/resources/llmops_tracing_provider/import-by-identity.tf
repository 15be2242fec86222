# Terraform 1.12+ / OpenTofu: import by identity. Settings come from the
# configuration (the next plan shows any that differ).
import {
  to = llmops_tracing_provider.langfuse
  identity = {
    type = "langfuse"
    name = "langfuse-prod"
  }
}
