package delivery

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/llmops/terraform-provider-llmops/internal/queue"
)

// Metrics are the per-destination delivery metrics.
type Metrics struct {
	spans    *prometheus.CounterVec
	batches  *prometheus.CounterVec
	retries  *prometheus.CounterVec
	failures *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	reg      prometheus.Registerer
}

// NewMetrics registers the delivery metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{reg: reg,
		spans: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_destination_spans_total",
			Help: "Spans per destination by outcome: exported, rejected (partial success), dead_lettered, dropped (queue overflow), filtered (include/exclude)."},
			[]string{"destination", "outcome"}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_destination_batches_total",
			Help: "Export batches per destination by result."}, []string{"destination", "result"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_destination_retries_total",
			Help: "Retried export attempts per destination."}, []string{"destination"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_destination_failures_total",
			Help: "Failed export attempts per destination by status (HTTP 503, gRPC Unavailable, connection...)."}, []string{"destination", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "llmops_exporter_destination_request_duration_seconds",
			Help: "Duration of export requests per destination.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}, []string{"destination"}),
	}
	reg.MustRegister(m.spans, m.batches, m.retries, m.failures, m.latency)
	return m
}

// observe records one export request's duration.
func (m *Metrics) observe(dest string, d time.Duration) {
	m.latency.WithLabelValues(dest).Observe(d.Seconds())
}

// delivered counts a batch the platform took, rejected of its spans
// refused by a partial success.
func (m *Metrics) delivered(dest string, spans, rejected int64) {
	m.spans.WithLabelValues(dest, "exported").Add(float64(spans - rejected))
	if rejected > 0 {
		m.spans.WithLabelValues(dest, "rejected").Add(float64(rejected))
	}
	m.batches.WithLabelValues(dest, "ok").Inc()
}

// failed counts one failed attempt by its status.
func (m *Metrics) failed(dest, status string) { m.failures.WithLabelValues(dest, status).Inc() }

// retried counts an attempt that will be made again.
func (m *Metrics) retried(dest string) { m.retries.WithLabelValues(dest).Inc() }

// deadLettered counts a batch of spans moved to the dead-letter store.
func (m *Metrics) deadLettered(dest string, spans int) {
	m.spans.WithLabelValues(dest, "dead_lettered").Add(float64(spans))
	m.batches.WithLabelValues(dest, "dead_lettered").Inc()
}

// watchQueue exposes a queue's size, age and dead letters at scrape time.
func (m *Metrics) watchQueue(name string, q *queue.Queue) {
	labels := prometheus.Labels{"destination": name}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "llmops_exporter_destination_queue_bytes", Help: "Bytes in the destination's durable queue.", ConstLabels: labels},
			func() float64 { return float64(q.Stats().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "llmops_exporter_destination_queue_spans", Help: "Spans in the destination's durable queue.", ConstLabels: labels},
			func() float64 { return float64(q.Stats().Spans) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "llmops_exporter_destination_queue_oldest_age_seconds", Help: "Age of the oldest queued span (0 when empty).", ConstLabels: labels},
			func() float64 {
				if o := q.Stats().Oldest; !o.IsZero() {
					return time.Since(o).Seconds()
				}
				return 0
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "llmops_exporter_destination_dead_letter_spans", Help: "Spans in the destination's dead-letter store.", ConstLabels: labels},
			func() float64 { _, n := q.DeadLetterCount(); return float64(n) }),
	)
}
