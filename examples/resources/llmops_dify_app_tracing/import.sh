terraform import llmops_dify_app_tracing.support_bot a1f0c2d4-0000-4000-8000-000000000001/phoenix
