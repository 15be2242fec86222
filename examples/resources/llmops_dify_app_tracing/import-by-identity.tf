# Terraform 1.12+ / OpenTofu: import by identity.
import {
  to = llmops_dify_app_tracing.support_bot
  identity = {
    app_id           = "a1f0c2d4-0000-4000-8000-000000000001"
    tracing_provider = "phoenix"
  }
}
