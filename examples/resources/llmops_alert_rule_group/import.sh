# Grafana-managed groups only: "<folder_uid>/<group name>". The rules are
# not turned back into presets: the next plan shows the declared rules.
terraform import llmops_alert_rule_group.slo llm/llm-slo
