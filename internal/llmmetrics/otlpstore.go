package llmmetrics

import (
	"maps"
	"slices"
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
//
// A scrape must never fail because of what a sender posted: every series of
// one name keeps the type, help text and label names of the first one seen
// (Prometheus refuses a family that mixes them), and points that disagree
// are refused and counted by reason.
type OTLPStore struct {
	mu         sync.Mutex
	series     map[string]*otlpSeries
	families   map[string]*family
	maxSeries  int
	StaleAfter time.Duration
	refused    *prometheus.CounterVec
	now        func() time.Time
}

// family is what every series of one metric name must share.
type family struct {
	kind, help, labels string
	series             int
}

// Series kinds.
const (
	kindCounter   = "counter"
	kindGauge     = "gauge"
	kindHistogram = "histogram"
)

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
	s := &OTLPStore{series: map[string]*otlpSeries{}, families: map[string]*family{}, maxSeries: maxSeries, StaleAfter: 15 * time.Minute, now: time.Now,
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "llmops_exporter_otlp_metrics_refused_total",
			Help: "OTLP metric points not re-exposed, by reason: unsupported_type (summary, exponential histogram), malformed, series_limit, " +
				"or type_conflict / help_conflict / label_conflict with the first series of the same name."}, []string{"reason"})}
	reg.MustRegister(s, s.refused)
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
	if m.Name() == "" {
		s.refused.WithLabelValues("malformed").Inc()
		return
	}
	switch m.Type() {
	case pmetric.MetricTypeSum:
		sum := m.Sum()
		name := PromName(m.Name(), m.Unit(), sum.IsMonotonic())
		delta := sum.AggregationTemporality() == pmetric.AggregationTemporalityDelta
		for i := 0; i < sum.DataPoints().Len(); i++ {
			dp := sum.DataPoints().At(i)
			kind := kindGauge
			if sum.IsMonotonic() {
				kind = kindCounter
			}
			if se := s.get(name, m.Description(), kind, service, dp.Attributes(), now); se != nil {
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
			if se := s.get(name, m.Description(), kindGauge, service, dp.Attributes(), now); se != nil {
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
		s.refused.WithLabelValues("unsupported_type").Inc()
	}
}

func (s *OTLPStore) histogramPoint(dp pmetric.HistogramDataPoint, name, help, service string, delta bool, now time.Time) {
	bounds := dp.ExplicitBounds().AsRaw()
	counts := dp.BucketCounts().AsRaw()
	if len(counts) != len(bounds)+1 {
		s.refused.WithLabelValues("malformed").Inc()
		return
	}
	se := s.get(name, help, kindHistogram, service, dp.Attributes(), now)
	if se == nil {
		return
	}
	if !delta || !equalBounds(se.bounds, bounds) {
		se.bounds, se.buckets, se.count, se.sum = bounds, make([]uint64, len(counts)), 0, 0
	}
	for i, c := range counts {
		se.buckets[i] += c
	}
	se.count += dp.Count()
	se.sum += dp.Sum()
}

func (s *OTLPStore) get(name, help, kind, service string, attrs pcommon.Map, now time.Time) *otlpSeries {
	labels := map[string]string{}
	attrs.Range(func(k string, v pcommon.Value) bool {
		labels[labelName(k, kind)] = ValidLabel(v.AsString())
		return true
	})
	if _, ok := labels["service"]; !ok && service != "" {
		labels["service"] = ValidLabel(service)
	}
	names := slices.Sorted(maps.Keys(labels))
	var id strings.Builder
	id.WriteString(name)
	values := make([]string, len(names))
	for i, n := range names {
		values[i] = labels[n]
		id.WriteString("\xff" + n + "=" + values[i])
	}
	se, ok := s.series[id.String()]
	if ok {
		se.updated = now
		return se
	}
	help = ValidLabel(help)
	fam := s.families[name]
	if reason := fam.conflict(kind, help, strings.Join(names, "\xff")); reason != "" {
		s.refused.WithLabelValues(reason).Inc()
		return nil
	}
	if len(s.series) >= s.maxSeries {
		s.refused.WithLabelValues("series_limit").Inc()
		return nil
	}
	if fam == nil {
		fam = &family{kind: kind, help: help, labels: strings.Join(names, "\xff")}
		s.families[name] = fam
	}
	fam.series++
	se = &otlpSeries{name: name, help: help, labelNames: names, values: values,
		counter: kind == kindCounter, histogram: kind == kindHistogram, updated: now}
	s.series[id.String()] = se
	return se
}

// conflict names what a new series disagrees on with the family (nil: none).
func (f *family) conflict(kind, help, labels string) string {
	switch {
	case f == nil:
		return ""
	case f.kind != kind:
		return "type_conflict"
	case f.help != help:
		return "help_conflict"
	case f.labels != labels:
		return "label_conflict"
	}
	return ""
}

// labelName turns an attribute key into a valid Prometheus label name that
// is not reserved ("__" prefixes; "le" on histograms).
func labelName(k, kind string) string {
	n := strings.ReplaceAll(sanitize(k), ":", "_") // ':' is for metric names only
	switch {
	case n == "":
		return "_empty"
	case strings.HasPrefix(n, "__"):
		return "otlp" + n
	case n == "le" && kind == kindHistogram:
		return "otlp_le"
	}
	return n
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
			if fam := s.families[se.name]; fam != nil {
				if fam.series--; fam.series <= 0 {
					delete(s.families, se.name)
				}
			}
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
