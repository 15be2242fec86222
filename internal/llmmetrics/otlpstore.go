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
// exporter's own metrics are prefixed with otlp_.
//
// Several processes report the same series: each gunicorn or Celery worker
// of Dify sends its own cumulative total (resource process.pid). A series
// therefore keeps one contribution per producer (all resource attributes)
// and exposes their sum without the producer's identity, so a total only
// goes up while processes come and go. A producer whose cumulative value
// drops (it restarted) or that has been silent for StaleAfter has its last
// counter and histogram contribution folded into the series for good;
// a silent producer's gauge value is dropped. Delta points are added.
// Series with no update for StaleAfter vanish.
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
	bounds             []float64
	// retired holds what producers that restarted or went silent, and
	// delta points, contributed for good; producers the live ones.
	retired   contribution
	producers map[string]*contribution
	updated   time.Time
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
		src := source{producer: producerKey(rm.Resource().Attributes()), now: now}
		if v, ok := rm.Resource().Attributes().Get("service.name"); ok {
			src.service = v.AsString()
		}
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				s.metric(ms.At(k), src)
			}
		}
	}
}

// source is where a batch of points comes from.
type source struct {
	service, producer string
	now               time.Time
}

// producerKey identifies a producing process by all its resource
// attributes (process.pid and service.instance.id included).
func producerKey(attrs pcommon.Map) string {
	keys := slices.Sorted(maps.Keys(attrs.AsRaw()))
	var b strings.Builder
	for _, k := range keys {
		v, _ := attrs.Get(k)
		b.WriteString(k + "=" + v.AsString() + "\xff")
	}
	return b.String()
}

func (s *OTLPStore) metric(m pmetric.Metric, src source) {
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
			if se := s.get(name, m.Description(), kind, src.service, dp.Attributes(), src.now); se != nil {
				se.addNumber(src, numberValue(dp), delta, sum.IsMonotonic())
			}
		}
	case pmetric.MetricTypeGauge:
		name := PromName(m.Name(), m.Unit(), false)
		for i := 0; i < m.Gauge().DataPoints().Len(); i++ {
			dp := m.Gauge().DataPoints().At(i)
			if se := s.get(name, m.Description(), kindGauge, src.service, dp.Attributes(), src.now); se != nil {
				se.addNumber(src, numberValue(dp), false, false)
			}
		}
	case pmetric.MetricTypeHistogram:
		h := m.Histogram()
		name := PromName(m.Name(), m.Unit(), false)
		delta := h.AggregationTemporality() == pmetric.AggregationTemporalityDelta
		for i := 0; i < h.DataPoints().Len(); i++ {
			s.histogramPoint(h.DataPoints().At(i), name, m.Description(), src, delta)
		}
	default:
		s.refused.WithLabelValues("unsupported_type").Inc()
	}
}

func (s *OTLPStore) histogramPoint(dp pmetric.HistogramDataPoint, name, help string, src source, delta bool) {
	bounds := dp.ExplicitBounds().AsRaw()
	counts := dp.BucketCounts().AsRaw()
	if len(counts) != len(bounds)+1 {
		s.refused.WithLabelValues("malformed").Inc()
		return
	}
	if se := s.get(name, help, kindHistogram, src.service, dp.Attributes(), src.now); se != nil {
		se.addHistogram(src, bounds, counts, dp.Count(), dp.Sum(), delta)
	}
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
		counter: kind == kindCounter, histogram: kind == kindHistogram, updated: now, producers: map[string]*contribution{}}
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
		se.retire(cutoff)
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
		t := se.total()
		switch {
		case se.histogram:
			cum := map[float64]uint64{}
			var run uint64
			for i, b := range se.bounds {
				run += t.buckets[i]
				cum[b] = run
			}
			m, err = prometheus.NewConstHistogram(desc, t.count, t.sum, cum, se.values...)
		case se.counter:
			m, err = prometheus.NewConstMetric(desc, prometheus.CounterValue, t.value, se.values...)
		default:
			m, err = prometheus.NewConstMetric(desc, prometheus.GaugeValue, t.value, se.values...)
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
