package llmmetrics

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

func TestRecorderCall(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRecorder(reg, 100)
	s := &llmspan.Span{Kind: llmspan.KindLLM, Operation: "chat", Provider: "openai", Model: "gpt-4o", Service: "dify-api", AppID: "app1",
		Usage: llmspan.Usage{Input: 100, Output: 20, CacheRead: 40}, Seconds: 1.5, TTFT: 0.3}
	r.Call(Call{Span: s, CostUSD: 0.0125, Priced: true})
	r.Call(Call{Span: s, CostUSD: 0.0125, Priced: true})
	bad := *s
	bad.Model, bad.IsError, bad.ErrorType = "qwen:14b", true, "timeout"
	r.Call(Call{Span: &bad})

	expect := `
# HELP llm_cost_usd_total Cost in USD of priced model calls.
# TYPE llm_cost_usd_total counter
llm_cost_usd_total{app="app1",model="gpt-4o",operation="chat",provider="openai",service="dify-api"} 0.025
# HELP llm_unpriced_tokens_total Tokens of models with no known price (not counted in llm_cost_usd_total).
# TYPE llm_unpriced_tokens_total counter
llm_unpriced_tokens_total{app="app1",model="qwen:14b",operation="chat",provider="openai",service="dify-api",type="input"} 100
llm_unpriced_tokens_total{app="app1",model="qwen:14b",operation="chat",provider="openai",service="dify-api",type="output"} 20
# HELP llm_errors_total Failed model calls by error type.
# TYPE llm_errors_total counter
llm_errors_total{app="app1",error_type="timeout",model="qwen:14b",operation="chat",provider="openai",service="dify-api"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expect), "llm_cost_usd_total", "llm_unpriced_tokens_total", "llm_errors_total"); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(r.tokens.WithLabelValues("dify-api", "app1", "openai", "gpt-4o", "chat", "cache_read")); got != 80 {
		t.Fatalf("cache_read tokens %v", got)
	}
	// Handles are made per model when first seen, so qwen:14b has an
	// (empty) ok series beside its timeout series.
	if got := testutil.CollectAndCount(r.opDuration); got != 3 {
		t.Fatalf("operation duration series: %d, want gpt-4o ok, qwen ok (empty), qwen timeout", got)
	}
	if n := testutil.ToFloat64(r.requests.WithLabelValues("dify-api", "app1", "openai", "gpt-4o", "chat", "ok")); n != 2 {
		t.Fatalf("ok requests %v", n)
	}
}

func TestLimiterOverflow(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRecorder(reg, 2)
	for _, m := range []string{"a", "b", "c", "d", "a"} {
		r.Call(Call{Span: &llmspan.Span{Kind: llmspan.KindLLM, Model: m, Operation: "chat", Usage: llmspan.Usage{Input: 1}}})
	}
	if got := testutil.ToFloat64(r.limiter.overflow.WithLabelValues("model")); got != 2 {
		t.Fatalf("overflowed model values: %v", got)
	}
	if got := testutil.ToFloat64(r.requests.WithLabelValues("unknown_service", "", "unknown", Overflow, "chat", "ok")); got != 2 {
		t.Fatalf("overflow series: %v", got)
	}
}

func TestSpanKinds(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRecorder(reg, 10)
	r.Span(&llmspan.Span{Kind: llmspan.KindChain, Service: "dify-api"})
	r.Span(&llmspan.Span{Kind: llmspan.KindChain, Service: "dify-api"})
	r.Span(&llmspan.Span{Kind: llmspan.KindTool, Service: "dify-api", IsError: true})
	if got := testutil.ToFloat64(r.spanKind.WithLabelValues("dify-api", "", "chain", "ok")); got != 2 {
		t.Fatalf("chain %v", got)
	}
	if got := testutil.ToFloat64(r.spanKind.WithLabelValues("dify-api", "", "tool", "error")); got != 1 {
		t.Fatalf("tool error %v", got)
	}
}

func TestOTLPStore(t *testing.T) {
	reg := prometheus.NewRegistry()
	st := NewOTLPStore(reg, 100)
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "dify-api")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	c := ms.AppendEmpty()
	c.SetName("http.server.response.count")
	c.SetUnit("{response}")
	sum := c.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	dp := sum.DataPoints().AppendEmpty()
	dp.SetIntValue(3)
	dp.Attributes().PutStr("status_code", "200")
	h := ms.AppendEmpty()
	h.SetName("event_stream.delivery_latency_seconds")
	h.SetUnit("s")
	hist := h.SetEmptyHistogram()
	hist.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	hp := hist.DataPoints().AppendEmpty()
	hp.ExplicitBounds().FromRaw([]float64{0.1, 1})
	hp.BucketCounts().FromRaw([]uint64{2, 1, 1})
	hp.SetCount(4)
	hp.SetSum(3.5)
	own := ms.AppendEmpty()
	own.SetName("gen_ai.client.token.usage")
	own.SetEmptyGauge().DataPoints().AppendEmpty().SetDoubleValue(7)
	st.Consume(md)
	st.Consume(md) // delta sums add up; cumulative histograms replace

	expect := `
# HELP http_server_response_count_total Received over OTLP.
# TYPE http_server_response_count_total counter
http_server_response_count_total{service="dify-api",status_code="200"} 6
# HELP event_stream_delivery_latency_seconds Received over OTLP.
# TYPE event_stream_delivery_latency_seconds histogram
event_stream_delivery_latency_seconds_bucket{service="dify-api",le="0.1"} 2
event_stream_delivery_latency_seconds_bucket{service="dify-api",le="1"} 3
event_stream_delivery_latency_seconds_bucket{service="dify-api",le="+Inf"} 4
event_stream_delivery_latency_seconds_sum{service="dify-api"} 3.5
event_stream_delivery_latency_seconds_count{service="dify-api"} 4
# HELP otlp_gen_ai_client_token_usage Received over OTLP.
# TYPE otlp_gen_ai_client_token_usage gauge
otlp_gen_ai_client_token_usage{service="dify-api"} 7
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expect), "http_server_response_count_total", "event_stream_delivery_latency_seconds", "otlp_gen_ai_client_token_usage"); err != nil {
		t.Fatal(err)
	}
	st.now = func() time.Time { return time.Now().Add(time.Hour) }
	if n := testutil.CollectAndCount(st); n != 0 {
		t.Fatalf("stale series should vanish, %d left", n)
	}
}

func TestPromName(t *testing.T) {
	cases := map[[2]string]string{
		{"http.server.duration", "ms"}: "http_server_duration_milliseconds",
		{"queue.size", "{item}"}:       "queue_size",
		{"bytes.sent", "By"}:           "bytes_sent_bytes",
		{"latency_seconds", "s"}:       "latency_seconds",
		{"9lives", ""}:                 "_lives",
		{"llm.tokens", "{token}"}:      "otlp_llm_tokens",
		{"dify.tokens.total", "{tok}"}: "dify_tokens_total",
		{"process.cpu.time", "s"}:      "otlp_process_cpu_time_seconds",
		{"weird-name/with spaces", ""}: "weird_name_with_spaces",
	}
	for in, want := range cases {
		if got := PromName(in[0], in[1], false); got != want {
			t.Errorf("%v: %s, want %s", in, got, want)
		}
	}
	if got := PromName("http.server.response.count", "{response}", true); got != "http_server_response_count_total" {
		t.Errorf("counter: %s", got)
	}
}

// The memo of labels as sent changes no count: a value past the limit is
// counted as overflow every time, and the memo stays bounded whatever the
// senders send.
func TestCallSeriesMemo(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRecorder(reg, 2)
	for range 3 {
		for _, m := range []string{"a", "b", "c"} {
			r.Call(Call{Span: &llmspan.Span{Kind: llmspan.KindLLM, Model: m, Operation: "chat"}})
		}
	}
	if got := testutil.ToFloat64(r.limiter.overflow.WithLabelValues("model")); got != 3 {
		t.Fatalf("overflowed model values: %v, want 3 (c, three times)", got)
	}
	if got := testutil.ToFloat64(r.requests.WithLabelValues("unknown_service", "", "unknown", "a", "chat", "ok")); got != 3 {
		t.Fatalf("a: %v", got)
	}
	if len(r.byRaw) != 2 {
		t.Fatalf("memo holds %d label sets, want a and b", len(r.byRaw))
	}
	big := NewRecorder(prometheus.NewRegistry(), 1<<20)
	for i := range maxRawKeys + 100 {
		big.Call(Call{Span: &llmspan.Span{Kind: llmspan.KindLLM, Model: strings.Repeat("m", i%7+1), AppID: string(rune('a' + i%26)), Service: strconv.Itoa(i)}})
	}
	if len(big.byRaw) != maxRawKeys {
		t.Fatalf("memo holds %d label sets, bound %d", len(big.byRaw), maxRawKeys)
	}
}
