package alerting

import (
	"sort"
	"strings"
	"time"
)

// Preset names (the `preset` values users write).
const (
	P95Latency       = "p95_latency"
	Availability     = "availability"
	Memory           = "memory"
	TokenRateAnomaly = "token_rate_anomaly"
	QueueBacklog     = "queue_backlog"
	ErrorRate        = "error_rate"
	CostBudget       = "cost_budget"
	DeliveryFailures = "delivery_failures"
	ExporterDown     = "exporter_down"
	AuditFailures    = "audit_failures"
)

// auditFailed matches the audit.status values that mean a refused or
// failed sensitive operation (sampling.AuditFailed's vocabulary).
const auditFailed = `status=~"(?i)failure|failed|fail|denied|error|forbidden|rejected"`

// Memory variants.
const (
	VariantCadvisor     = "cadvisor"
	VariantNodeExporter = "node_exporter"
)

// preset is one of the seed's KPIs as a rule with defaults.
type preset struct {
	alert     string
	op        string
	threshold float64
	forDur    time.Duration
	severity  string
	summary   string
	desc      string
	// value builds the compared expression; group is the sanitised group name
	// (recording rule prefix), variant the memory variant.
	value func(group, variant string) string
	// grafana builds the Grafana query when it differs (recording rules).
	grafana func(variant string) string
	// records are the recording rules the value reads.
	records func(group string) []Record
	// defaultSelector applies when the user gives none.
	defaultSelector string
}

// tokenRate is the per-series token rate the anomaly preset watches.
const tokenRate = `sum by (service, model) (rate(llm_tokens_total[5m]))`

var presets = map[string]preset{
	P95Latency: {
		alert: "LLMP95LatencyHigh", op: OpAbove, threshold: 5, forDur: 5 * time.Minute, severity: "warning",
		summary: `P95 model latency of {{ $labels.service }} / {{ $labels.model }} is {{ $value | humanizeDuration }}`,
		desc:    `The 95th percentile of llm_request_duration_seconds over 5 minutes is above the threshold (the seed's KPI: P95 > 5 s).`,
		value: func(string, string) string {
			return `histogram_quantile(0.95, sum by (le, service, model) (rate(llm_request_duration_seconds_bucket[5m])))`
		},
	},
	Availability: {
		alert: "LLMAvailabilityLow", op: OpBelow, threshold: 0.999, forDur: 5 * time.Minute, severity: "critical",
		summary: `Availability of {{ $labels.service }} is {{ $value | humanizePercentage }}`,
		desc: `Share of non-5xx responses of Dify's API (http_server_response_count_total, re-exposed by llmops-exporter) ` +
			`over 5 minutes; services without that metric fall back to the share of successful model calls (llm_requests_total).`,
		value: func(string, string) string {
			return `(sum by (service) (rate(http_server_response_count_total{status_code!~"5.."}[5m])) / sum by (service) (rate(http_server_response_count_total[5m])))` +
				` or (sum by (service) (rate(llm_requests_total{status="ok"}[5m])) / sum by (service) (rate(llm_requests_total[5m])))`
		},
	},
	Memory: {
		alert: "ContainerMemoryHigh", op: OpAbove, threshold: 0.8, forDur: 5 * time.Minute, severity: "warning",
		summary: `Memory of {{ $labels.name }}{{ $labels.instance }} is at {{ $value | humanizePercentage }} of its limit`,
		desc:    `Working set over the container's memory limit (cAdvisor), or used over total memory (node exporter).`,
		value: func(_ string, variant string) string {
			if variant == VariantNodeExporter {
				return `1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)`
			}
			return `max by (name) (container_memory_working_set_bytes{name!=""} / (container_spec_memory_limit_bytes{name!=""} > 0))`
		},
	},
	TokenRateAnomaly: {
		alert: "LLMTokenRateAnomaly", op: OpAbove, threshold: 3, forDur: 5 * time.Minute, severity: "warning",
		summary: `Token rate of {{ $labels.service }} / {{ $labels.model }} is {{ $value | printf "%.1f" }} standard deviations from its 1 h baseline`,
		desc: `z = |rate - mean| / stddev, with rate = tokens per second over 5 minutes and mean and stddev ` +
			`taken over the hour that ended 15 minutes ago (so a sustained change is not absorbed into its own baseline ` +
			`before for has elapsed); series with a flat baseline (stddev 0) are left out.`,
		records: func(g string) []Record {
			r := "llmops:" + g + ":llm_tokens:rate5m"
			return []Record{
				{Name: r, Expr: tokenRate},
				{Name: r + ":avg1h", Expr: "avg_over_time(" + r + "[1h] offset 15m)"},
				{Name: r + ":stddev1h", Expr: "stddev_over_time(" + r + "[1h] offset 15m)"},
			}
		},
		value: func(g, _ string) string {
			r := "llmops:" + g + ":llm_tokens:rate5m"
			return "abs(" + r + " - " + r + ":avg1h) / (" + r + ":stddev1h > 0)"
		},
		grafana: func(string) string {
			return "abs(" + tokenRate + " - avg_over_time((" + tokenRate + ")[1h:1m] offset 15m)) / (stddev_over_time((" + tokenRate + ")[1h:1m] offset 15m) > 0)"
		},
	},
	QueueBacklog: {
		alert: "DifyQueueBacklog", op: OpAbove, threshold: 1000, forDur: 5 * time.Minute, severity: "warning",
		summary: `Dify's Celery queue {{ $labels.queue }} holds {{ $value }} tasks`,
		desc:    `Length of Dify's Celery queue in Redis (dify_celery_queue_length); the seed alerts above 1000.`,
		value:   func(string, string) string { return `max by (queue) (dify_celery_queue_length)` },
	},
	ErrorRate: {
		alert: "LLMErrorRateHigh", op: OpAbove, threshold: 0.05, forDur: 5 * time.Minute, severity: "warning",
		summary: `{{ $value | humanizePercentage }} of model calls of {{ $labels.service }} / {{ $labels.model }} fail`,
		desc:    `Failed over all model calls (llm_requests_total) over 5 minutes.`,
		value: func(string, string) string {
			return `sum by (service, model) (rate(llm_requests_total{status="error"}[5m])) / sum by (service, model) (rate(llm_requests_total[5m]))`
		},
	},
	CostBudget: {
		alert: "LLMCostBudgetExceeded", op: OpAbove, threshold: 100, forDur: 0, severity: "warning",
		summary: `{{ $labels.service }} spent {{ $value | printf "%.2f" }} USD on models in the last 24 h`,
		desc:    `Model cost over a sliding 24 hours (llm_cost_usd_total, list prices); the threshold is USD per day.`,
		value:   func(string, string) string { return `sum by (service) (increase(llm_cost_usd_total[1d]))` },
	},
	DeliveryFailures: {
		alert: "LLMOpsDeliveryFailures", op: OpAbove, threshold: 0, forDur: 5 * time.Minute, severity: "warning",
		summary: `llmops-exporter {{ $labels.instance }} is losing spans ({{ $labels.reason }}: {{ $value }})`,
		desc: `Spans refused at ingest or dead-lettered in the last 10 minutes, spans queued for a destination ` +
			`for more than 15 minutes, requests refused for auth or size (a wrong OTLP_API_KEY in Dify: their spans cannot be counted), ` +
			`or the queue's volume full (requests refused) or nearly full (under 5 % free) ` +
			`(reason: refused, dead_letter, stale_queue, refused_requests, queue_disk_full, queue_disk_low).`,
		value: func(string, string) string {
			return `label_replace(sum by (instance) (increase(llmops_exporter_spans_refused_total[10m])), "reason", "refused", "", "")` +
				` or label_replace(sum by (instance, destination) (delta(llmops_exporter_destination_dead_letter_spans[10m])), "reason", "dead_letter", "", "")` +
				` or label_replace(max by (instance, destination) (llmops_exporter_destination_queue_spans) and on (instance, destination) (max by (instance, destination) (llmops_exporter_destination_queue_oldest_age_seconds) > 900), "reason", "stale_queue", "", "")` +
				` or label_replace(sum by (instance) (increase(llmops_exporter_requests_refused_total{reason=~"auth|too_large"}[10m])), "reason", "refused_requests", "", "")` +
				` or label_replace(max by (instance) (llmops_exporter_queue_disk_full) > 0, "reason", "queue_disk_full", "", "")` +
				` or label_replace(count by (instance) (llmops_exporter_queue_disk_free_bytes < 0.05 * llmops_exporter_queue_disk_size_bytes and llmops_exporter_queue_disk_size_bytes > 0), "reason", "queue_disk_low", "", "")`
		},
	},
	AuditFailures: {
		alert: "AuditFailures", op: OpAbove, threshold: 5, forDur: 0, severity: "warning",
		summary: `{{ $value | printf "%.0f" }} failed {{ $labels.action }} operations on {{ $labels.service }} in 5 minutes`,
		desc: `Sensitive operations marked audit.status failure, failed, denied, error, forbidden or rejected (the seed's audit_log), ` +
			`counted by llm_audit_events_total over 5 minutes; the threshold is failures per 5 minutes.`,
		value: func(string, string) string {
			return `sum by (service, action) (increase(llm_audit_events_total{` + auditFailed + `}[5m]))`
		},
	},
	ExporterDown: {
		alert: "LLMOpsExporterDown", op: OpBelow, threshold: 1, forDur: 2 * time.Minute, severity: "critical",
		summary:         `llmops-exporter {{ $labels.instance }} is down`,
		desc:            `Prometheus cannot scrape the exporter (up < 1). The default selector is job=~".*llmops.*".`,
		value:           func(string, string) string { return `min by (instance, job) (up)` },
		defaultSelector: `job=~".*llmops.*"`,
	},
}

// DefaultThreshold is a threshold preset's default threshold (false for an
// unknown or SLO preset), for dashboards that draw it.
func DefaultThreshold(name string) (float64, bool) {
	p, ok := presets[name]
	return p.threshold, ok
}

// AllPresets lists every preset name, SLO presets included, sorted.
func AllPresets() []string {
	out := append(Presets(), AvailabilitySLO, LatencySLO)
	sort.Strings(out)
	return out
}

// Presets lists the threshold preset names, sorted.
func Presets() []string {
	out := make([]string, 0, len(presets))
	for k := range presets {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Defaults describes a preset's defaults for documentation.
func Defaults(name string) (alert, op string, threshold float64, forDur time.Duration, severity string, ok bool) {
	p, ok := presets[name]
	return p.alert, p.op, p.threshold, p.forDur, p.severity, ok
}

// sanitize makes a group name usable inside a recording rule name.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
