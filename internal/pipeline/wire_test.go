package pipeline

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/llmmetrics"
	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
	"github.com/llmops/terraform-provider-llmops/internal/pricing"
	"github.com/llmops/terraform-provider-llmops/internal/sampling"
	"github.com/llmops/terraform-provider-llmops/internal/tracectx"
)

// metricsPipeline is a pipeline with metrics and no destination; sampling
// keeps everything unless a config is given.
func metricsPipeline(t testing.TB, now time.Time, sampled ...sampling.Config) (*Pipeline, *prometheus.Registry) {
	t.Helper()
	sc := sampling.Config{Rate: 1}
	if len(sampled) > 0 {
		sc = sampled[0]
	}
	reg := prometheus.NewRegistry()
	prices, err := pricing.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	m := llmmetrics.NewRecorder(reg, 1000)
	return &Pipeline{Prices: prices, Metrics: m, OTLP: llmmetrics.NewOTLPStore(reg, 100),
		Sampler: sampling.New(sc, reg), Sink: Discard{}, Now: func() time.Time { return now },
		Traces: tracectx.New[HeldCall](30*time.Second, time.Minute, 10000, 10000)}, reg
}

func exposition(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestConsumeWireMatchesConsumeTraces: the same requests through the wire
// path and the pdata path give the same /metrics, byte for byte (LLM
// calls whose trace's root comes in a later request included), the same
// rejections, and the same refusals.
func TestConsumeWireMatchesConsumeTraces(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	wire, wreg := metricsPipeline(t, now)
	pdata, preg := metricsPipeline(t, now)
	if !wire.WireOK() {
		t.Fatal("a metrics-only pipeline must take the wire path")
	}
	g := loadgen.NewGenerator(5)
	g.ErrorRate, g.PromptBytes = 0.3, 512
	var bodies [][]byte
	for range 20 {
		td := g.Traces(7)
		// A span without ids is rejected by both.
		td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty().SetName("no ids")
		b, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		bodies = append(bodies, b)
	}
	// An LLM call whose app arrives with its root in the next request.
	call, root := ptrace.NewTraces(), ptrace.NewTraces()
	c := call.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	c.SetTraceID(pcommon.TraceID{7})
	c.SetSpanID(pcommon.SpanID{1})
	c.SetParentSpanID(pcommon.SpanID{2})
	_ = c.Attributes().FromRaw(map[string]any{"gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 5, "gen_ai.operation.name": "chat"})
	r := root.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	r.SetTraceID(pcommon.TraceID{7})
	r.SetSpanID(pcommon.SpanID{2})
	r.Attributes().PutStr("dify.app_id", "app-7")
	for _, td := range []ptrace.Traces{call, root} {
		b, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		bodies = append(bodies, b)
	}
	for i, body := range bodies {
		n, wres, err := wire.ConsumeWire(context.Background(), bytes.Clone(body))
		if err != nil {
			t.Fatal(err)
		}
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			t.Fatal(err)
		}
		total := req.Traces().SpanCount()
		pres, err := pdata.ConsumeTraces(context.Background(), req.Traces())
		if err != nil {
			t.Fatal(err)
		}
		if n != total || wres != pres {
			t.Fatalf("request %d: wire %d spans %+v, pdata %d spans %+v", i, n, wres, total, pres)
		}
	}
	if w, p := exposition(t, wreg), exposition(t, preg); w != p {
		t.Fatalf("metrics differ\nwire:\n%s\npdata:\n%s", w, p)
	}
	var de *DecodeError
	if _, _, err := wire.ConsumeWire(context.Background(), []byte{0x0a, 0x05, 0x01}); !errors.As(err, &de) {
		t.Fatalf("a truncated body must be a DecodeError, got %v", err)
	}
}

// wireSink records what reaches it as bytes and as decoded traces.
type wireSink struct {
	bodies [][]byte
	spans  []int
	traces []ptrace.Traces
}

func (s *wireSink) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	s.traces = append(s.traces, td)
	return nil
}

func (s *wireSink) ConsumeWire(_ context.Context, body []byte, n int) error {
	s.bodies, s.spans = append(s.bodies, bytes.Clone(body)), append(s.spans, n)
	return nil
}

// A sink that takes bytes gets the request as received; a request with
// spans without ids reaches it decoded, without them; head sampling keeps
// the wire path, a keep rule (which must look at spans) turns it off.
func TestConsumeWireHandsTheBytesToAWireSink(t *testing.T) {
	p, _ := metricsPipeline(t, time.Unix(1_800_000_000, 0))
	sink := &wireSink{}
	p.Sink = sink
	if !p.WireOK() {
		t.Fatal("a sink that takes bytes must keep the wire path")
	}
	g := loadgen.NewGenerator(9)
	body, _ := ptraceotlp.NewExportRequestFromTraces(g.Traces(3)).MarshalProto()
	if _, _, err := p.ConsumeWire(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	if len(sink.bodies) != 1 || !bytes.Equal(sink.bodies[0], body) || sink.spans[0] != 15 || len(sink.traces) != 0 {
		t.Fatalf("sink got %d bodies (spans %v), %d decoded", len(sink.bodies), sink.spans, len(sink.traces))
	}

	td := g.Traces(2)
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty().SetName("no ids")
	body, _ = ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	_, res, err := p.ConsumeWire(context.Background(), body)
	if err != nil || res.Rejected != 1 {
		t.Fatalf("rejected %d, err %v", res.Rejected, err)
	}
	if len(sink.bodies) != 1 || len(sink.traces) != 1 || sink.traces[0].SpanCount() != 10 {
		t.Fatalf("the request with a span without ids: %d bodies, %d decoded", len(sink.bodies), len(sink.traces))
	}

	p.Sampler = sampling.New(sampling.Config{Rate: 0.5}, prometheus.NewRegistry())
	if !p.WireOK() {
		t.Fatal("head sampling at 0.5 decides from trace IDs: it must keep the wire path")
	}
	p.Sampler = sampling.New(sampling.Config{Rate: 0.5, KeepErrors: true}, prometheus.NewRegistry())
	if p.WireOK() {
		t.Fatal("keep_errors must look at every span: no wire path")
	}
}

// Head sampling on the wire delivers exactly the spans the pdata path
// delivers (the same traces, byte for byte once decoded), counts the same
// decisions, and forwards a request it keeps whole without copying it.
func TestWireSamplingMatchesPdataSampling(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	wire, wreg := metricsPipeline(t, now, sampling.Config{Rate: 0.3})
	pdata, preg := metricsPipeline(t, now, sampling.Config{Rate: 0.3})
	wsink, psink := &wireSink{}, &wireSink{}
	wire.Sink, pdata.Sink = wsink, psink
	if !wire.WireOK() {
		t.Fatal("head sampling must take the wire path")
	}
	g := loadgen.NewGenerator(11)
	g.PromptBytes = 256
	for i := range 30 {
		td := g.Traces(1 + i%7)
		if i%5 == 0 { // a span without ids: rejected by both, the rest sampled
			td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty().SetName("no ids")
		}
		body, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if _, _, err := wire.ConsumeWire(context.Background(), bytes.Clone(body)); err != nil {
			t.Fatal(err)
		}
		consumeDecoded(t, pdata, body)
	}
	canonical := func(td ptrace.Traces) []byte {
		b, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		return b
	}
	if len(wsink.traces) != 0 || len(psink.bodies) != 0 || len(wsink.bodies) != len(psink.traces) || len(wsink.bodies) == 0 {
		t.Fatalf("wire: %d bodies %d decoded; pdata: %d decoded", len(wsink.bodies), len(wsink.traces), len(psink.traces))
	}
	dropped := false
	for i, body := range wsink.bodies {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			t.Fatal(err)
		}
		if got, want := canonical(req.Traces()), canonical(psink.traces[i]); !bytes.Equal(got, want) || wsink.spans[i] != psink.traces[i].SpanCount() {
			t.Fatalf("delivery %d: wire (%d spans) and pdata (%d spans) differ", i, wsink.spans[i], psink.traces[i].SpanCount())
		}
	}
	if w, p := exposition(t, wreg), exposition(t, preg); w != p {
		t.Fatalf("metrics differ\nwire:\n%s\npdata:\n%s", w, p)
	}
	for _, mf := range mustGather(t, wreg) {
		if mf.GetName() == "llmops_exporter_sampling_spans_total" {
			for _, m := range mf.GetMetric() {
				dropped = dropped || (m.GetLabel()[0].GetValue() == "dropped" && m.GetCounter().GetValue() > 0)
			}
		}
	}
	if !dropped {
		t.Fatal("rate 0.3 dropped nothing: the test samples nothing")
	}
}

func mustGather(t *testing.T, reg *prometheus.Registry) []*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// discardWire takes bytes and drops them (a destination whose queue costs
// nothing), so that only the pipeline's own work is measured.
type discardWire struct{}

func (discardWire) ConsumeTraces(context.Context, ptrace.Traces) error { return nil }
func (discardWire) ConsumeWire(context.Context, []byte, int) error     { return nil }

// BenchmarkSampledRequest is one Dify-shaped request (50 traces, 250
// spans, prompts up to 1 KB) at sampling rate 0.1 with metrics: "pdata"
// is the path every sampled request took before (decode, Sample), "wire"
// cuts the kept traces from the bytes (otlpwire.Filter).
func BenchmarkSampledRequest(b *testing.B) {
	g := loadgen.NewGenerator(4)
	g.PromptBytes = 1024
	body, _ := ptraceotlp.NewExportRequestFromTraces(g.Traces(50)).MarshalProto()
	spans := 50 * loadgen.SpansPerTrace
	for _, path := range []string{"pdata", "wire"} {
		b.Run(path, func(b *testing.B) {
			p, _, _ := newPipeline(b, 0.1)
			p.Sink = discardWire{}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if path == "wire" {
					if _, _, err := p.ConsumeWire(context.Background(), body); err != nil {
						b.Fatal(err)
					}
					continue
				}
				consumeDecoded(b, p, body)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans), "ns/span")
		})
	}
}

// TestRefusedRequestCountsNothing: the wire reader validates as it reads,
// so a request whose last bytes are malformed has had its first spans read
// (model calls, an audit event, a trace's app) when it is refused; none of
// it may reach /metrics or the trace cache.
func TestRefusedRequestCountsNothing(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	p, reg := metricsPipeline(t, now)
	g := loadgen.NewGenerator(7)
	td := g.Traces(4)
	span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	span.Attributes().PutStr("audit.action", "delete_app")
	span.Attributes().PutStr("audit.status", "success")
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	before := exposition(t, reg)
	bad := append(bytes.Clone(body), 0x0a, 0x05, 0x01) // a ResourceSpans cut short
	var de *DecodeError
	if _, _, err := p.ConsumeWire(context.Background(), bad); !errors.As(err, &de) {
		t.Fatalf("a body cut short must be a DecodeError, got %v", err)
	}
	if after := exposition(t, reg); after != before {
		t.Fatalf("a refused request changed the metrics:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The same spans, well formed, are counted: the check above can fail.
	if _, _, err := p.ConsumeWire(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	after := exposition(t, reg)
	for _, want := range []string{"llm_audit_events_total{", "llm_spans_total{", "llm_requests_total{"} {
		if !strings.Contains(after, want) {
			t.Fatalf("the well-formed request did not count %s:\n%s", want, after)
		}
	}
}

// BenchmarkIngest is the exporter's ingest without destinations, as the
// loadtest drives it (metrics on, the trace context cache at its default
// bounds), on requests whose traces keep changing: 256 requests of 50
// traces cycle through a cache of 10,000, so it churns as under real load.
// go test -run X -bench Ingest -count 6 ./internal/pipeline
func BenchmarkIngest(b *testing.B) {
	g := loadgen.NewGenerator(5)
	bodies := make([][]byte, 256)
	for i := range bodies {
		bodies[i], _ = ptraceotlp.NewExportRequestFromTraces(g.Traces(50)).MarshalProto()
	}
	p, _ := metricsPipeline(b, time.Now())
	p.Now = time.Now
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := p.ConsumeWire(context.Background(), bodies[i%len(bodies)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*50*loadgen.SpansPerTrace), "ns/span")
}
