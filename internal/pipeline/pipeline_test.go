package pipeline

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/llmmetrics"
	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
	"github.com/llmops/terraform-provider-llmops/internal/pricing"
	"github.com/llmops/terraform-provider-llmops/internal/sampling"
	"github.com/llmops/terraform-provider-llmops/internal/tracectx"
)

type countingSink struct{ spans int }

func (c *countingSink) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	c.spans += td.SpanCount()
	return nil
}

func newPipeline(t testing.TB, rate float64) (*Pipeline, *prometheus.Registry, *countingSink) {
	t.Helper()
	reg := prometheus.NewRegistry()
	prices, err := pricing.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	sink := &countingSink{}
	return &Pipeline{
		Prices: prices, Metrics: llmmetrics.NewRecorder(reg, 1000), OTLP: llmmetrics.NewOTLPStore(reg, 100),
		Sampler: sampling.New(sampling.Config{Rate: rate}, reg), Sink: sink, Now: time.Now,
	}, reg, sink
}

func TestMetricsBeforeSampling(t *testing.T) {
	p, reg, sink := newPipeline(t, 0) // keep nothing
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetTraceID([16]byte{9})
	span.SetSpanID([8]byte{9})
	span.Attributes().PutStr("gen_ai.request.model", "gpt-4o-mini") // provider comes from the price table
	span.Attributes().PutStr("gen_ai.operation.name", "chat")
	span.Attributes().PutInt("gen_ai.usage.input_tokens", 1_000_000)
	span.Attributes().PutInt("gen_ai.usage.output_tokens", 1_000_000)
	bad := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty() // no IDs
	bad.SetName("invalid")

	res, err := p.ConsumeTraces(context.Background(), td)
	if err != nil || res.Rejected != 1 || !strings.Contains(res.Message, "1 spans rejected") {
		t.Fatalf("%+v %v", res, err)
	}
	if sink.spans != 0 {
		t.Fatal("rate 0 exported spans")
	}
	want := `
# HELP llm_cost_usd_total Cost in USD of priced model calls.
# TYPE llm_cost_usd_total counter
llm_cost_usd_total{app="",model="gpt-4o-mini",operation="chat",provider="openai",service="unknown_service"} 0.75
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "llm_cost_usd_total"); err != nil {
		t.Fatal(err)
	}
}

func TestLoadgenTracesThroughPipeline(t *testing.T) {
	p, reg, sink := newPipeline(t, 1)
	td := loadgen.NewGenerator(1).Traces(10)
	if _, err := p.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	if sink.spans != 10*loadgen.SpansPerTrace {
		t.Fatalf("sink got %d", sink.spans)
	}
	n, err := testutil.GatherAndCount(reg, "llm_requests_total")
	if err != nil || n == 0 {
		t.Fatalf("no llm_requests_total series: %d %v", n, err)
	}
}

// FuzzConsumeProto drives arbitrary bytes through decode, normalisation,
// metrics and sampling: nothing may panic.
func FuzzConsumeProto(f *testing.F) {
	seed, _ := ptraceotlp.NewExportRequestFromTraces(loadgen.NewGenerator(2).Traces(2)).MarshalProto()
	f.Add(seed)
	f.Add([]byte{})
	p, _, _ := newPipeline(f, 0.5)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := ptraceotlp.NewExportRequest()
		if req.UnmarshalProto(body) != nil {
			return
		}
		_, _ = p.ConsumeTraces(context.Background(), req.Traces())
	})
}

// FuzzConsumeJSON is FuzzConsumeProto for OTLP/JSON.
func FuzzConsumeJSON(f *testing.F) {
	seed, _ := ptraceotlp.NewExportRequestFromTraces(loadgen.NewGenerator(3).Traces(1)).MarshalJSON()
	f.Add(seed)
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"01","spanId":"02","attributes":[{"key":"gen_ai.usage.input_tokens","value":{"stringValue":"-9e99"}}]}]}]}]}`))
	p, _, _ := newPipeline(f, 0.5)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := ptraceotlp.NewExportRequest()
		if req.UnmarshalJSON(body) != nil {
			return
		}
		_, _ = p.ConsumeTraces(context.Background(), req.Traces())
	})
}

// consumeDecoded runs body through p as a request the wire reader does not
// take: decoded with pdata, then ConsumeTraces.
func consumeDecoded(tb testing.TB, p *Pipeline, body []byte) {
	tb.Helper()
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		tb.Fatal(err)
	}
	if _, err := p.ConsumeTraces(context.Background(), req.Traces()); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkDecodeProcess measures decode + normalise + metrics per span for
// the loadgen's Dify-shaped traces (reported as ns/span).
func BenchmarkDecodeProcess(b *testing.B) {
	p, _, _ := newPipeline(b, 1)
	body, _ := ptraceotlp.NewExportRequestFromTraces(loadgen.NewGenerator(4).Traces(50)).MarshalProto()
	spans := 50 * loadgen.SpansPerTrace
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		consumeDecoded(b, p, body)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans), "ns/span")
}

// BenchmarkProcessOnly excludes protobuf decoding.
func BenchmarkProcessOnly(b *testing.B) {
	p, _, _ := newPipeline(b, 1)
	td := loadgen.NewGenerator(5).Traces(50)
	spans := 50 * loadgen.SpansPerTrace
	b.ResetTimer()
	for b.Loop() {
		p.record(td)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans), "ns/span")
}

// BenchmarkProcessWithTraceContext is BenchmarkProcessOnly with the trace
// context on, as the server runs it.
func BenchmarkProcessWithTraceContext(b *testing.B) {
	p, _, _ := newPipeline(b, 1)
	p.Traces = tracectx.New[HeldCall](30*time.Second, 5*time.Minute, 50000, 100000)
	td := loadgen.NewGenerator(5).Traces(50)
	spans := 50 * loadgen.SpansPerTrace
	b.ResetTimer()
	for b.Loop() {
		p.record(td)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans), "ns/span")
}
