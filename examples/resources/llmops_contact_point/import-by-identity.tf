# Terraform 1.12+ / OpenTofu: import by identity (Grafana-managed contact
# points: the uid; the name is optional).
import {
  to = llmops_contact_point.oncall
  identity = {
    uid = "cp-oncall"
  }
}
