# Every block is optional: configure only what your resources use. Each value
# can also come from the environment (GRAFANA_URL, GRAFANA_AUTH,
# GRAFANA_ORG_ID, DOCKER_HOST, DOCKER_CERT_PATH, DIFY_CONSOLE_URL, DIFY_EMAIL,
# DIFY_PASSWORD), which keeps credentials out of the configuration.
provider "llmops" {
  grafana {
    url = "https://grafana.example.com"
    # auth from GRAFANA_AUTH: a service-account token or "user:password"
  }

  docker {
    host = "unix:///var/run/docker.sock"
  }
}
