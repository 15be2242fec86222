# Builds llmops-exporter:<provider version> FROM scratch on the Docker engine
# from the static Linux binary `make install` put beside the provider.
resource "llmops_exporter_image" "exporter" {}

# Or from a binary of your own (static, GOOS=linux CGO_ENABLED=0):
resource "llmops_exporter_image" "custom" {
  tag         = "llmops-exporter:custom"
  binary_path = "/opt/llmops/llmops-exporter"
  keep_image  = true
}
