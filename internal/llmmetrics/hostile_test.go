package llmmetrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// Label values come from senders' bytes: invalid UTF-8 used to make
// client_golang panic and end the process.
func TestInvalidUTF8LabelsDoNotPanic(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRecorder(reg, 100)
	s := &llmspan.Span{Service: "svc\xff", AppID: "app\xfe", Kind: llmspan.KindLLM, Model: "gpt\xfe", Provider: "open\xc3",
		Operation: "chat", IsError: true, ErrorType: "Err\xff", Seconds: 1, Usage: llmspan.Usage{Input: 5}}
	r.Span(s)
	r.Call(Call{Span: s})
	if n := testutil.ToFloat64(r.requests.WithLabelValues("svc\uFFFD", "app\uFFFD", "open\uFFFD", "gpt\uFFFD", "chat", "error")); n != 1 {
		t.Fatalf("the call was not recorded under the repaired labels: %v", n)
	}
	if _, err := reg.Gather(); err != nil {
		t.Fatalf("scrape failed: %v", err)
	}
}

func gauge(ms pmetric.MetricSlice, name, help string, attrs map[string]any) {
	m := ms.AppendEmpty()
	m.SetName(name)
	m.SetDescription(help)
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetDoubleValue(1)
	_ = dp.Attributes().FromRaw(attrs)
}

// Whatever is posted to /v1/metrics, /metrics keeps answering: the first
// series of a name fixes its type, help and label names.
func TestOTLPStoreRefusesConflictingMetadata(t *testing.T) {
	reg := prometheus.NewRegistry()
	st := NewOTLPStore(reg, 100)
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	gauge(ms, "queue.depth", "first", map[string]any{"q": "a"})
	gauge(ms, "queue.depth", "second help", map[string]any{"q": "b"})
	gauge(ms, "queue.depth", "first", map[string]any{"other": "b"})
	c := ms.AppendEmpty()
	c.SetName("queue.depth")
	c.SetDescription("first")
	c.SetEmptySum().SetIsMonotonic(false)
	sdp := c.Sum().DataPoints().AppendEmpty()
	sdp.Attributes().PutStr("q", "c")
	h := ms.AppendEmpty()
	h.SetName("queue.depth")
	hp := h.SetEmptyHistogram().DataPoints().AppendEmpty()
	hp.BucketCounts().FromRaw([]uint64{1})
	gauge(ms, "weird", "bad\xff help", map[string]any{"": "x", "__name__": "y", "a:b": "v\xfe"})
	hh := ms.AppendEmpty()
	hh.SetName("latency")
	lp := hh.SetEmptyHistogram().DataPoints().AppendEmpty()
	lp.BucketCounts().FromRaw([]uint64{1})
	lp.Attributes().PutStr("le", "0.5")
	empty := ms.AppendEmpty()
	empty.SetEmptyGauge().DataPoints().AppendEmpty()
	st.Consume(md)

	if _, err := reg.Gather(); err != nil {
		t.Fatalf("a scrape failed after hostile OTLP metrics: %v", err)
	}
	for reason, want := range map[string]float64{"help_conflict": 1, "label_conflict": 1, "type_conflict": 1, "malformed": 1} {
		if got := testutil.ToFloat64(st.refused.WithLabelValues(reason)); got != want {
			t.Errorf("refused{reason=%q} = %v, want %v", reason, got, want)
		}
	}
	// queue.depth{q=a}, queue.depth{q=c} (a non-monotonic sum is a gauge),
	// weird and latency are kept.
	if n := testutil.CollectAndCount(st); n != 4 {
		t.Fatalf("%d series exposed, want 4", n)
	}
}
