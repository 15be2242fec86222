package receiver

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the receivers' own health counters.
type Metrics struct {
	spansReceived *prometheus.CounterVec
	spansRefused  *prometheus.CounterVec
	requests      *prometheus.CounterVec
	panics        *prometheus.CounterVec
}

// NewMetrics registers the receiver metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		spansReceived: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_spans_received_total",
			Help: "Spans accepted by a receiver."}, []string{"transport"}),
		spansRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_spans_refused_total",
			Help: "Spans refused (invalid spans of accepted requests, and spans of refused requests when countable)."}, []string{"transport", "reason"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_requests_refused_total",
			Help: "Export requests refused, by reason (auth, too_large, decode, content_type, overloaded...)."}, []string{"transport", "reason"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_panics_total",
			Help: "Panics recovered while serving a request (answered 500 / INTERNAL); each is a bug worth reporting."}, []string{"transport"}),
	}
	reg.MustRegister(m.spansReceived, m.spansRefused, m.requests, m.panics)
	return m
}

func (m *Metrics) received(transport string, spans int, rejected int64) {
	if m == nil {
		return
	}
	m.spansReceived.WithLabelValues(transport).Add(float64(int64(spans) - rejected))
	if rejected > 0 {
		m.spansRefused.WithLabelValues(transport, "invalid").Add(float64(rejected))
	}
}

func (m *Metrics) refused(transport, reason string, spans int) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(transport, reason).Inc()
	if spans > 0 {
		m.spansRefused.WithLabelValues(transport, reason).Add(float64(spans))
	}
}

func (m *Metrics) panicked(transport string) {
	if m == nil {
		return
	}
	m.panics.WithLabelValues(transport).Inc()
}
