// Package dashboard builds the LLM-app Grafana dashboard from presets over
// llmops-exporter's metrics (with grafana-foundation-sdk), projects a
// dashboard read back from Grafana onto the fields this provider owns (so
// what Grafana adds or migrates never shows as a diff), and writes Grafana
// file-provisioning directories for teams without a Grafana API.
package dashboard

import "strings"

// Preset names (the `presets` values users write).
const (
	RequestRate    = "request_rate"
	ErrorRatio     = "error_ratio"
	Availability   = "availability"
	Latency        = "latency"
	TTFT           = "time_to_first_token"
	Tokens         = "tokens"
	Cost           = "cost"
	UnpricedTokens = "unpriced_tokens"
	ExporterHealth = "exporter_health"
	QueueBacklog   = "queue_backlog"
	Audit          = "audit"
	Memory         = "memory"
	// SLO shows the SLO presets' error budgets and burn rates; not in the
	// default set: it reads recording rules only an SLO rule group writes.
	SLO = "slo"
)

// Presets lists the default presets in dashboard order.
func Presets() []string {
	var out []string
	for _, p := range catalogue {
		if !p.optional {
			out = append(out, p.name)
		}
	}
	return out
}

// AllPresets lists every preset, the opt-in ones included.
func AllPresets() []string {
	out := make([]string, len(catalogue))
	for i, p := range catalogue {
		out[i] = p.name
	}
	return out
}

type target struct{ expr, legend string }

type panelKind int

const (
	timeseriesPanel panelKind = iota
	statPanel
)

type panel struct {
	kind    panelKind
	title   string
	desc    string
	unit    string
	targets []target
	// threshold draws a red line (timeseries) or turns a stat red.
	threshold *float64
	// belowIsBad turns a stat red under the threshold (availability).
	belowIsBad bool
	width      uint32
}

type preset struct {
	name, row string
	panels    func(o Options) []panel
	optional  bool // not in the default set (Presets)
}

// Filters the template variables apply to the exporter's LLM series.
const (
	llmFilter   = `service=~"$service", app=~"$app", model=~"$model"`
	genAIFilter = `service=~"$service", app=~"$app", gen_ai_request_model=~"$model"`
	ri          = "[$__rate_interval]"
)

func sel(metric, filter string, extra ...string) string {
	return metric + "{" + strings.Join(append([]string{filter}, extra...), ", ") + "}"
}

func quantiles(metric, filter string) []target {
	var out []target
	for _, q := range [][2]string{{"0.5", "P50"}, {"0.95", "P95"}, {"0.99", "P99"}} {
		out = append(out, target{"histogram_quantile(" + q[0] + ", sum by (le) (rate(" + sel(metric, filter) + ri + ")))", q[1]})
	}
	return out
}

var catalogue = []preset{
	{RequestRate, "Traffic", func(Options) []panel {
		return []panel{{title: "Model requests per second", unit: "reqps", width: 8,
			targets: []target{{"sum by (service, model) (rate(" + sel("llm_requests_total", llmFilter) + ri + "))", "{{service}} {{model}}"}}}}
	}, false},
	{ErrorRatio, "Traffic", func(o Options) []panel {
		return []panel{{title: "Error ratio", unit: "percentunit", width: 8, threshold: o.threshold("error_rate", 0.05),
			desc:    "Failed over all model calls; the red line is the error_rate alert's default (5 %).",
			targets: []target{{"sum by (service, model) (rate(" + sel("llm_requests_total", llmFilter, `status="error"`) + ri + ")) / sum by (service, model) (rate(" + sel("llm_requests_total", llmFilter) + ri + "))", "{{service}} {{model}}"}}}}
	}, false},
	{Availability, "Traffic", func(o Options) []panel {
		return []panel{{kind: statPanel, title: "Availability (5m)", unit: "percentunit", width: 8, threshold: o.threshold("availability", o.AvailabilityTarget), belowIsBad: true,
			desc: "Non-5xx share of Dify's API responses; services without that metric: successful share of model calls.",
			targets: []target{{`(sum by (service) (rate(http_server_response_count_total{service=~"$service", status_code!~"5.."}[5m])) / sum by (service) (rate(http_server_response_count_total{service=~"$service"}[5m])))` +
				" or (sum by (service) (rate(" + sel("llm_requests_total", llmFilter, `status="ok"`) + "[5m])) / sum by (service) (rate(" + sel("llm_requests_total", llmFilter) + "[5m])))", "{{service}}"}}}}
	}, false},
	{Latency, "Latency", func(o Options) []panel {
		return []panel{{title: "Model latency P50 / P95 / P99", unit: "s", width: 12, threshold: o.threshold("p95_latency", o.LatencyThreshold),
			desc: "From llm_request_duration_seconds; the red line is the P95 alert threshold.", targets: quantiles("llm_request_duration_seconds_bucket", llmFilter)}}
	}, false},
	{TTFT, "Latency", func(Options) []panel {
		return []panel{{title: "Time to first token", unit: "s", width: 12, targets: quantiles("gen_ai_server_time_to_first_token_seconds_bucket", genAIFilter)}}
	}, false},
	{Tokens, "Tokens and cost", func(Options) []panel {
		return []panel{{title: "Tokens per second by model", unit: "short", width: 8,
			targets: []target{{"sum by (model, type) (rate(" + sel("llm_tokens_total", llmFilter) + ri + "))", "{{model}} {{type}}"}}}}
	}, false},
	{Cost, "Tokens and cost", func(o Options) []panel {
		budget := o.threshold("cost_budget", 100) // USD per day
		return []panel{{title: "Cost per hour by app and model", unit: "currencyUSD", width: 8,
			targets: []target{{"sum by (app, model) (rate(" + sel("llm_cost_usd_total", llmFilter) + ri + ")) * 3600", "{{app}} {{model}}"}}},
			{kind: statPanel, title: "Cost, last 24 h", unit: "currencyUSD", width: 8, threshold: budget,
				desc:    "Model cost over a sliding day per service; red from the cost_budget alert's default (100 USD per day).",
				targets: []target{{"sum by (service) (increase(" + sel("llm_cost_usd_total", llmFilter) + "[1d]))", "{{service}}"}}}}
	}, false},
	{UnpricedTokens, "Tokens and cost", func(Options) []panel {
		return []panel{{title: "Unpriced tokens per second", unit: "short", width: 8,
			desc:    "Tokens of models missing from the price table: their cost is not counted.",
			targets: []target{{"sum by (model) (rate(" + sel("llm_unpriced_tokens_total", llmFilter) + ri + "))", "{{model}}"}}}}
	}, false},
	{ExporterHealth, "Exporter", func(o Options) []panel {
		one := o.threshold("exporter_down", 1) // up < 1
		return []panel{
			{title: "Spans received and refused", unit: "short", width: 8, targets: []target{
				{"sum(rate(llmops_exporter_spans_received_total" + ri + "))", "received"},
				{"sum by (reason) (rate(llmops_exporter_spans_refused_total" + ri + "))", "refused {{reason}}"}}},
			{title: "Destination queue bytes", unit: "bytes", width: 8, targets: []target{
				{"sum by (destination) (llmops_exporter_destination_queue_bytes)", "{{destination}}"}}},
			{title: "Retries and dead letters", unit: "short", width: 8, targets: []target{
				{"sum by (destination) (rate(llmops_exporter_destination_retries_total" + ri + "))", "retries {{destination}}"},
				{"sum by (destination) (llmops_exporter_destination_dead_letter_spans)", "dead letters {{destination}}"}}},
			{title: "Requests refused by reason", unit: "reqps", width: 8,
				desc: "auth: a wrong or missing token (a wrong OTLP_API_KEY in Dify); too_large: above max_request_bytes; " +
					"queue_disk_full: the durable queue's volume is full; overloaded/memory: back-pressure the sender retries.",
				targets: []target{{"sum by (reason) (rate(llmops_exporter_requests_refused_total" + ri + "))", "{{reason}}"}}},
			{title: "Queue volume free", unit: "bytes", width: 8,
				desc:    "Free bytes on the durable queue's volume per exporter; requests are refused (and /ready is 503) when it is full.",
				targets: []target{{"min by (instance) (llmops_exporter_queue_disk_free_bytes)", "{{instance}}"}}},
			{kind: statPanel, title: "Exporter replicas up", unit: "none", width: 6, threshold: one, belowIsBad: true,
				desc:    "Exporters Prometheus scrapes (job matching .*llmops.*, as the exporter_down alert); red at 0.",
				targets: []target{{`sum(up{job=~".*llmops.*"}) or vector(0)`, "up"}}},
		}
	}, false},
	{Memory, "Resources", func(o Options) []panel {
		return []panel{{title: "Memory use of the limit", unit: "percentunit", width: 12, threshold: o.threshold("memory", 0.8),
			desc: "Working set over the container's memory limit (cAdvisor), and used over total memory per host (node exporter); the red line is the memory alert's default (80 %).",
			targets: []target{
				{`max by (name) (container_memory_working_set_bytes{name!=""} / (container_spec_memory_limit_bytes{name!=""} > 0))`, "{{name}}"},
				{`1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)`, "host {{instance}}"}}}}
	}, false},
	{QueueBacklog, "Dify", func(o Options) []panel {
		return []panel{{title: "Dify Celery queue backlog", unit: "short", width: 12, threshold: o.threshold("queue_backlog", 1000),
			desc:    "LLEN of Dify's Celery queues in Redis (dify_celery_queue_length); the seed alerts above 1000.",
			targets: []target{{"max by (queue) (dify_celery_queue_length)", "{{queue}}"}}}}
	}, false},
	{Audit, "Security", func(Options) []panel {
		return []panel{{title: "Audited operations by outcome", unit: "ops", width: 12,
			desc:    "Spans marked with audit.action and audit.status (the seed's audit_log); failures are what the audit_failures alert counts.",
			targets: []target{{`sum by (action, status) (rate(llm_audit_events_total{service=~"$service"}` + ri + "))", "{{action}} {{status}}"}}}}
	}, false},
	{SLO, "SLOs", func(Options) []panel {
		zero, page := 0.0, 14.4
		return []panel{
			{title: "Error budget remaining", unit: "percentunit", width: 12, threshold: &zero, belowIsBad: true,
				desc:    "Share of each SLO's error budget left over its window (availability_slo / latency_slo recording rules); below 0 the objective is missed.",
				targets: []target{{sloSeries("error_budget_remaining"), "{{slo}} {{service}} {{model}}"}}},
			{title: "Burn rate (1 h)", unit: "none", width: 12, threshold: &page,
				desc: "Error ratio over the last hour divided by the error budget: 1 uses the budget exactly over the SLO window; the red line is the " +
					"workbook's page rate over 1 h for a 30-day window (14.4x: 2 % of the budget in an hour).",
				targets: []target{{sloSeries("burn_rate1h"), "{{slo}} {{service}} {{model}}"}}},
		}
	}, true},
}

// sloSeries reads one recording rule of every SLO rule group, with the SLO
// it belongs to as a label.
func sloSeries(suffix string) string {
	return `label_replace({__name__=~"llmops:.+:slo_[a-z]+:` + suffix + `", service=~"$service"}, "slo", "$1", "__name__", "llmops:.+:slo_([a-z]+):.+")`
}
