# Terraform 1.12+ / OpenTofu: import by identity.
import {
  to = llmops_folder.llm
  identity = {
    uid = "llm"
  }
}
