#!/usr/bin/env bash
# Runs the same load against a stock OpenTelemetry Collector doing the
# closest equivalent job (OTLP/HTTP receiver + spanmetrics connector), pinned
# like the loadtest: collector on core 0 with GOMAXPROCS=1, loadgen on core 1.
# Builds the collector with ocb v0.165.0 into ${OTELCOL_DIR:-/tmp/otelcol}
# (outside the repo): OTLP receiver -> spanmetrics connector -> Prometheus
# exporter, the collector's equivalent of the exporter's /metrics.
# With DURABLE=1 the collector instead delivers to two OTLP/HTTP sinks
# (the loadtest's own sinks, on core 1) through otlphttp
# exporters with persistent queues (file_storage, fsync on): the job of
# `go run ./scripts/loadtest -destinations 2`.
# Usage: [PROMPT_BYTES=8192] [RATE=N] [DURABLE=1] scripts/compare-otelcol.sh [duration]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dur="${1:-20s}"
dir="${OTELCOL_DIR:-/tmp/otelcol}"
mkdir -p "${dir}"
if [ "${DURABLE:-0}" = 1 ]; then
  exec "${root}/scripts/compare-otelcol-durable.sh" "${dur}"
fi
if [ ! -x "${dir}/dist/otelcol-spanmetrics-prom" ]; then
  GOBIN="${dir}" go install go.opentelemetry.io/collector/cmd/builder@v0.165.0
  cat > "${dir}/builder.yaml" <<YAML
dist: {name: otelcol-spanmetrics-prom, output_path: ${dir}/dist}
receivers: [{gomod: go.opentelemetry.io/collector/receiver/otlpreceiver v0.165.0}]
connectors: [{gomod: github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector v0.165.0}]
exporters: [{gomod: github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusexporter v0.165.0}]
YAML
  (cd "${dir}" && CGO_ENABLED=0 ./builder --config builder.yaml >/dev/null)
fi
port=$((20000 + RANDOM % 20000))
prom=$((port + 1))
cat > "${dir}/config.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:${port}"}
connectors:
  spanmetrics:
    dimensions: [{name: gen_ai.request.model}, {name: gen_ai.provider.name}, {name: dify.app_id}]
    metrics_flush_interval: 5s
exporters:
  prometheus: {endpoint: "127.0.0.1:${prom}"}
service:
  telemetry: {logs: {level: warn}}
  pipelines:
    traces: {receivers: [otlp], exporters: [spanmetrics]}
    metrics: {receivers: [spanmetrics], exporters: [prometheus]}
YAML
GOMAXPROCS=1 taskset -c 0 "${dir}/dist/otelcol-spanmetrics-prom" --config "${dir}/config.yaml" 2>/dev/null &
pid=$!
trap 'kill ${pid} 2>/dev/null || true' EXIT
sleep 2
(cd "${root}" && CGO_ENABLED=0 go build -o "${dir}/llmops-exporter" ./cmd/llmops-exporter)
read -r ut0 st0 < <(awk '{print $14, $15}' "/proc/${pid}/stat")
start=$(date +%s.%N)
taskset -c 1 "${dir}/llmops-exporter" loadgen -endpoint "http://127.0.0.1:${port}" -rate "${RATE:-0}" -duration "${dur}" -concurrency 4 -batch 50 -seed 42 -prompt-bytes "${PROMPT_BYTES:-0}"
end=$(date +%s.%N)
read -r ut1 st1 < <(awk '{print $14, $15}' "/proc/${pid}/stat")
echo "collector binary: $(du -m "${dir}/dist/otelcol-spanmetrics-prom" | cut -f1) MB"
curl -s "http://127.0.0.1:${prom}/metrics" | grep -c '^traces_span_metrics' | sed 's/^/collector Prometheus series: /' || true
awk -v c=$(( (ut1+st1) - (ut0+st0) )) -v s="${start}" -v e="${end}" 'BEGIN {printf "collector CPU: %.2f s over %.2f s = %.0f%% of one core\n", c/100, e-s, 100*c/100/(e-s)}'
grep VmHWM "/proc/${pid}/status" | sed 's/^/collector peak RSS /'
