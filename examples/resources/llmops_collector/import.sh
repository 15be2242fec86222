# Import by name. Every other setting starts at its default, so the next
# plan shows what your configuration sets; write-only tokens are never imported.
terraform import llmops_collector.main main
