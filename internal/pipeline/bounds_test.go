package pipeline

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/lfingest"
)

// absurd is a request with one sane model call and two a hostile or buggy
// sender would send: 9.2e18 input tokens, and times from 1970 to 2540.
func absurd(now time.Time) ptrace.Traces {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	call := func(id byte, input int64, start, end time.Time) {
		s := ss.AppendEmpty()
		s.SetTraceID([16]byte{id})
		s.SetSpanID([8]byte{id})
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
		a := s.Attributes()
		a.PutStr("gen_ai.request.model", "gpt-4o-mini")
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("dify.app_id", "app")
		a.PutInt("gen_ai.usage.input_tokens", input)
		a.PutInt("gen_ai.usage.output_tokens", 100)
	}
	call(1, 1000, now.Add(-2*time.Second), now)
	call(2, 9_200_000_000_000_000_000, now.Add(-time.Second), now)
	call(3, 1000, time.Unix(1, 0), time.Date(2540, 1, 1, 0, 0, 0, 0, time.UTC))
	return td
}

// Values no real model call has are counted, with their reason, and kept
// out of the totals they would corrupt for ever; the calls still count and
// the spans are still delivered. Both paths (pdata and wire) agree.
func TestAbsurdValuesStayOutOfTheTotals(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, wire := range []bool{false, true} {
		p, reg := metricsPipeline(t, now)
		sink := &countingSink{}
		p.Sink = sink
		td := absurd(now)
		if wire {
			body, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
			if _, _, err := p.ConsumeWire(context.Background(), body); err != nil {
				t.Fatal(err)
			}
		} else if _, err := p.ConsumeTraces(context.Background(), td); err != nil {
			t.Fatal(err)
		}
		out := exposition(t, reg)
		base := `app="app",model="gpt-4o-mini",operation="chat",provider="openai",service="unknown_service"`
		for _, want := range []string{
			`llm_requests_total{` + base + `,status="ok"} 3`,
			`llm_tokens_total{` + base + `,type="input"} 2000`, // calls 1 and 3
			`llm_request_duration_seconds_count{` + base + `} 2`,
			`llm_request_duration_seconds_sum{` + base + `} 3`,
			`llmops_exporter_spans_out_of_bounds_total{reason="tokens"} 1`,
			`llmops_exporter_spans_out_of_bounds_total{reason="duration"} 1`,
		} {
			if !strings.Contains(out, want+"\n") {
				t.Errorf("wire=%v: want %s", wire, want)
			}
		}
		// 2000 input and 200 output tokens at gpt-4o-mini's list price.
		if cost := valueOf(t, out, `llm_cost_usd_total{`+base+`}`); cost <= 0 || cost > 0.001 {
			t.Errorf("wire=%v: cost total %v USD", wire, cost)
		}
		if !wire && sink.spans != 3 {
			t.Errorf("the sink got %d spans, want all 3 (bounds keep spans for tracing)", sink.spans)
		}
	}
}

// valueOf is the value of series in a text exposition.
func valueOf(t *testing.T, exposition, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s in the exposition", series)
	return 0
}

// The Langfuse-compatible ingest: a generation claiming 9.2e18 tokens, and
// one from 1970 to 2540 (past what OTLP's nanoseconds hold: clamped, not
// wrapped round to a span ending before it starts), are kept out of the
// totals the same way.
func TestAbsurdLangfuseGenerationsStayOutOfTheTotals(t *testing.T) {
	batch := `{"batch": [
 {"id": "e1", "type": "trace-create", "timestamp": "2026-11-27T10:00:00Z", "body": {"id": "t1", "metadata": {"app_id": "app-lf"}}},
 {"id": "e2", "type": "generation-create", "timestamp": "2026-11-27T10:00:03Z", "body": {"id": "g1", "traceId": "t1",
   "startTime": "2026-11-27T10:00:00Z", "endTime": "2026-11-27T10:00:02Z", "model": "gpt-4o-mini",
   "usage": {"input": 9.2e18, "output": 200, "unit": "TOKENS"}, "metadata": {"app_id": "app-lf"}}},
 {"id": "e3", "type": "generation-create", "timestamp": "2026-11-27T10:00:03Z", "body": {"id": "g2", "traceId": "t1",
   "startTime": "1970-01-01T00:00:00Z", "endTime": "2540-01-01T00:00:00Z", "model": "gpt-4o-mini",
   "usage": {"input": 1000, "output": 200, "unit": "TOKENS"}, "metadata": {"app_id": "app-lf"}}}
]}`
	var req struct {
		Batch []lfingest.Event `json:"batch"`
	}
	if err := json.Unmarshal([]byte(batch), &req); err != nil {
		t.Fatal(err)
	}
	td, _ := lfingest.Convert(req.Batch)
	p, reg := metricsPipeline(t, time.Unix(1_800_000_000, 0))
	if _, err := p.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	out := exposition(t, reg)
	for _, want := range []string{
		`llmops_exporter_spans_out_of_bounds_total{reason="tokens"} 1`,
		`llmops_exporter_spans_out_of_bounds_total{reason="duration"} 1`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("want %s", want)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "llm_request_duration_seconds_sum{") && valueOf(t, out, strings.Fields(line)[0]) > 10 {
			t.Errorf("latency sum poisoned: %s", line)
		}
		if strings.HasPrefix(line, "llm_tokens_total{") && strings.Contains(line, `type="input"`) && valueOf(t, out, strings.Fields(line)[0]) > 1000 {
			t.Errorf("token total poisoned: %s", line)
		}
	}
}
