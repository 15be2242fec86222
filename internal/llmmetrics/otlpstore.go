package llmmetrics

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// OTLPStore re-exposes metrics received over OTLP (Dify sends
// http.server.response.count) on /metrics. Names follow the OTel to
// Prometheus rules: dots become underscores, the unit becomes a suffix
// (s -> _seconds, ms -> _milliseconds, By -> _bytes; {...} units are
// dropped) and monotonic sums get _total. Names that would collide with the
// exporter's own metrics are prefixed with otlp_. Delta points are
// accumulated, cumulative points replace. Series idle for StaleAfter vanish.
type OTLPStore struct {
	mu         sync.Mutex
	series     map[string]*otlpSeries
	maxSeries  int
	StaleAfter time.Duration
	dropped    prometheus.Counter
	now        func() time.Time
}

type otlpSeries struct {
	name, help         string
	labelNames, values []string
	counter            bool
	histogram          bool
	value, sum         float64
	count              uint64
	bounds             []float64
	buckets            []uint64 // non-cumulative, len(bounds)+1
	updated            time.Time
}

// NewOTLPStore registers the store as a collector on reg.
func NewOTLPStore(reg prometheus.Registerer, maxSeries int) *OTLPStore {
	s := &OTLPStore{series: map[string]*otlpSeries{}, maxSeries: maxSeries, StaleAfter: 15 * time.Minute, now: time.Now,
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "llmops_exporter_otlp_metric_points_dropped_total",
			Help: "OTLP metric points not re-exposed: unsupported type (summary, exponential histogram) or series limit reached."})}
	reg.MustRegister(s, s.dropped)
	return s
}

// Consume merges md into the store.
func (s *OTLPStore) Consume(md pmetric.Metrics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		service := ""
		if v, ok := rm.Resource().Attributes().Get("service.name"); ok {
			service = v.AsString()
		}
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				s.metric(ms.At(k), service, now)
			}
		}
	}
}

func (s *OTLPStore) metric(m pmetric.Metric, service string, now time.Time) {
	switch m.Type() {
	case pmetric.MetricTypeSum:
		sum := m.Sum()
		name := PromName(m.Name(), m.Unit(), sum.IsMonotonic())
		delta := sum.AggregationTemporality() == pmetric.AggregationTemporalityDelta
		for i := 0; i < sum.DataPoints().Len(); i++ {
			dp := sum.DataPoints().At(i)
			if se := s.get(name, m.Description(), service, dp.Attributes(), now); se != nil {
				se.counter = sum.IsMonotonic()
				v := numberValue(dp)
				if delta {
					se.value += v
				} else {
					se.value = v
				}
			}
		}
	case pmetric.MetricTypeGauge:
		name := PromName(m.Name(), m.Unit(), false)
		for i := 0; i < m.Gauge().DataPoints().Len(); i++ {
			dp := m.Gauge().DataPoints().At(i)
			if se := s.get(name, m.Description(), service, dp.Attributes(), now); se != nil {
				se.value = numberValue(dp)
			}
		}
	case pmetric.MetricTypeHistogram:
		h := m.Histogram()
		name := PromName(m.Name(), m.Unit(), false)
		delta := h.AggregationTemporality() == pmetric.AggregationTemporalityDelta
		for i := 0; i < h.DataPoints().Len(); i++ {
			s.histogramPoint(h.DataPoints().At(i), name, m.Description(), service, delta, now)
		}
	default:
		s.dropped.Inc()
	}
}

func (s *OTLPStore) histogramPoint(dp pmetric.HistogramDataPoint, name, help, service string, delta bool, now time.Time) {
	bounds := dp.ExplicitBounds().AsRaw()
	counts := dp.BucketCounts().AsRaw()
	if len(counts) != len(bounds)+1 {
		s.dropped.Inc() // malformed point
		return
	}
	se := s.get(name, help, service, dp.Attributes(), now)
	if se == nil {
		return
	}
	se.histogram = true
	if !delta || !equalBounds(se.bounds, bounds) {
		se.bounds, se.buckets, se.count, se.sum = bounds, make([]uint64, len(counts)), 0, 0
	}
	for i, c := range counts {
		se.buckets[i] += c
	}
	se.count += dp.Count()
	se.sum += dp.Sum()
}

func (s *OTLPStore) get(name, help, service string, attrs pcommon.Map, now time.Time) *otlpSeries {
	labels := map[string]string{}
	attrs.Range(func(k string, v pcommon.Value) bool {
		labels[sanitize(k)] = v.AsString()
		return true
	})
	if _, ok := labels["service"]; !ok && service != "" {
		labels["service"] = service
	}
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	var id strings.Builder
	id.WriteString(name)
	values := make([]string, len(names))
	for i, n := range names {
		values[i] = labels[n]
		id.WriteString("\xff" + n + "=" + values[i])
	}
	se, ok := s.series[id.String()]
	if !ok {
		if len(s.series) >= s.maxSeries {
			s.dropped.Inc()
			return nil
		}
		se = &otlpSeries{name: name, help: help, labelNames: names, values: values}
		s.series[id.String()] = se
	}
	se.updated = now
	return se
}

// Describe sends nothing: the store is an unchecked collector, because the
// metrics it holds are only known at run time.
func (s *OTLPStore) Describe(chan<- *prometheus.Desc) {}

// Collect emits every live series and forgets stale ones.
func (s *OTLPStore) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := s.now().Add(-s.StaleAfter)
	for id, se := range s.series {
		if se.updated.Before(cutoff) {
			delete(s.series, id)
			continue
		}
		help := se.help
		if help == "" {
			help = "Received over OTLP."
		}
		desc := prometheus.NewDesc(se.name, help, se.labelNames, nil)
		var m prometheus.Metric
		var err error
		switch {
		case se.histogram:
			cum := map[float64]uint64{}
			var run uint64
			for i, b := range se.bounds {
				run += se.buckets[i]
				cum[b] = run
			}
			m, err = prometheus.NewConstHistogram(desc, se.count, se.sum, cum, se.values...)
		case se.counter:
			m, err = prometheus.NewConstMetric(desc, prometheus.CounterValue, se.value, se.values...)
		default:
			m, err = prometheus.NewConstMetric(desc, prometheus.GaugeValue, se.value, se.values...)
		}
		if err == nil {
			ch <- m
		}
	}
}

// ownPrefixes are the exporter's own metric namespaces.
var ownPrefixes = []string{"gen_ai_", "llm_", "llmops_exporter_", "go_", "process_"}

// PromName converts an OTel metric name and unit to a Prometheus name.
func PromName(name, unit string, monotonic bool) string {
	n := sanitize(name)
	switch suffix := unitSuffix(unit); {
	case suffix != "" && !strings.HasSuffix(n, suffix):
		n += suffix
	}
	if monotonic && !strings.HasSuffix(n, "_total") {
		n += "_total"
	}
	for _, p := range ownPrefixes {
		if strings.HasPrefix(n, p) {
			return "otlp_" + n
		}
	}
	return n
}

func unitSuffix(unit string) string {
	switch unit {
	case "s":
		return "_seconds"
	case "ms":
		return "_milliseconds"
	case "By":
		return "_bytes"
	}
	return "" // "{response}"-style and dimensionless units add nothing
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0) {
			b[i] = '_'
		}
	}
	return string(b)
}

func numberValue(dp pmetric.NumberDataPoint) float64 {
	if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
		return float64(dp.IntValue())
	}
	return dp.DoubleValue()
}

func equalBounds(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
