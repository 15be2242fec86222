#!/usr/bin/env bash
# The collector side of the durable fan-out comparison (see
# compare-otelcol.sh, DURABLE=1): OTLP/HTTP receiver -> two otlphttp exporters
# with persistent sending queues (file_storage extension, fsync on), each to a
# sink on core 1 that gunzips, validates and counts every request: the same
# sinks as scripts/loadtest's (`loadtest sink ADDR`).
# Collector on core 0 with GOMAXPROCS=1, loadgen on core 1, as in the loadtest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dur="${1:-20s}"
dir="${OTELCOL_DIR:-/tmp/otelcol}"
bin="${dir}/durable/otelcol-durable"
mkdir -p "${dir}"
if [ ! -x "${bin}" ]; then
  GOBIN="${dir}" go install go.opentelemetry.io/collector/cmd/builder@v0.165.0
  cat > "${dir}/builder-durable.yaml" <<YAML
dist: {name: otelcol-durable, output_path: ${dir}/durable}
receivers: [{gomod: go.opentelemetry.io/collector/receiver/otlpreceiver v0.165.0}]
exporters: [{gomod: go.opentelemetry.io/collector/exporter/otlphttpexporter v0.165.0}]
extensions: [{gomod: github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage v0.165.0}]
YAML
  (cd "${dir}" && CGO_ENABLED=0 ./builder --config builder-durable.yaml >/dev/null 2>"${dir}/builder-durable.log")
fi
(cd "${root}" && CGO_ENABLED=0 go build -o "${dir}/llmops-exporter" ./cmd/llmops-exporter && go build -o "${dir}/loadtest" ./scripts/loadtest)
port=$((20000 + RANDOM % 20000))
s0=$((port + 1)); s1=$((port + 2)); tel=$((port + 3))
storage="$(mktemp -d)"
taskset -c 1 "${dir}/loadtest" sink "127.0.0.1:${s0}" >"${dir}/sink0.log" & sink0=$!
taskset -c 1 "${dir}/loadtest" sink "127.0.0.1:${s1}" >"${dir}/sink1.log" & sink1=$!
cat > "${dir}/durable.yaml" <<YAML
extensions:
  file_storage: {directory: "${storage}", fsync: true}
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:${port}"}
exporters:
  otlphttp/0:
    endpoint: "http://127.0.0.1:${s0}"
    sending_queue: {enabled: true, storage: file_storage}
  otlphttp/1:
    endpoint: "http://127.0.0.1:${s1}"
    sending_queue: {enabled: true, storage: file_storage}
service:
  extensions: [file_storage]
  telemetry:
    logs: {level: warn}
    metrics: {level: none}
  pipelines:
    traces: {receivers: [otlp], exporters: [otlphttp/0, otlphttp/1]}
YAML
GOMAXPROCS=1 taskset -c 0 "${bin}" --config "${dir}/durable.yaml" 2>"${dir}/durable.log" &
pid=$!
trap 'kill ${pid} ${sink0} ${sink1} 2>/dev/null || true; rm -rf "${storage}"' EXIT
sleep 2
read -r ut0 st0 < <(awk '{print $14, $15}' "/proc/${pid}/stat")
start=$(date +%s.%N)
taskset -c 1 "${dir}/llmops-exporter" loadgen -endpoint "http://127.0.0.1:${port}" -rate "${RATE:-0}" -duration "${dur}" -concurrency 4 -batch 50 -seed 42 -prompt-bytes "${PROMPT_BYTES:-0}"
end=$(date +%s.%N)
read -r ut1 st1 < <(awk '{print $14, $15}' "/proc/${pid}/stat")
awk -v c=$(( (ut1+st1) - (ut0+st0) )) -v s="${start}" -v e="${end}" 'BEGIN {printf "collector CPU: %.2f s over %.2f s = %.0f%% of one core\n", c/100, e-s, 100*c/100/(e-s)}'
grep -E "VmHWM|VmRSS|RssFile" "/proc/${pid}/status" | sed 's/^/collector /'
du -sh "${storage}" | sed 's/^/file_storage on disk after the run: /'
sleep 3 # let the queues drain a little
echo "sinks received (so far): $(tail -n1 "${dir}/sink0.log"), $(tail -n1 "${dir}/sink1.log")"
