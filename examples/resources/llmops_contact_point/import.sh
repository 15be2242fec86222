# Grafana-managed contact points: the uid. The secret cannot be read back.
terraform import llmops_contact_point.oncall <uid>
