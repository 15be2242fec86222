package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// aliyunQueue is what Dify's Aliyun trace client queues for n chat
// messages (round3_facts: each trace's root first, then its node and LLM
// spans), cut into its export batches of at most 50 spans, which mix
// traces. Trace i (1-based) has one root and 12 child spans, 2 of them LLM
// calls.
func aliyunQueue(n int) []ptrace.Traces {
	var spans []struct {
		trace byte
		span  difySpan
	}
	for i := 1; i <= n; i++ {
		app := fmt.Sprintf("app-%d", i)
		spans = append(spans, struct {
			trace byte
			span  difySpan
		}{byte(i), difySpan{id: 1, name: "message", attrs: map[string]any{"gen_ai.span.kind": "CHAIN", "dify.app_id": app, "dify.app_name": app}}})
		for c := byte(2); c <= 13; c++ {
			d := difySpan{id: c, parent: 1, name: "workflow_node", attrs: map[string]any{"gen_ai.span.kind": "TASK"}}
			if c == 7 || c == 13 {
				d = difySpan{id: c, parent: 1, name: "llm", attrs: map[string]any{"gen_ai.span.kind": "LLM", "gen_ai.system": "langgenius/openai/openai",
					"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": "100", "gen_ai.usage.output_tokens": "20"}}
			}
			spans = append(spans, struct {
				trace byte
				span  difySpan
			}{byte(i), d})
		}
	}
	var batches []ptrace.Traces
	for start := 0; start < len(spans); start += 50 {
		td := ptrace.NewTraces()
		for _, s := range spans[start:min(start+50, len(spans))] {
			traceOf(s.trace, aliyunResource, s.span).ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
		}
		batches = append(batches, td)
	}
	return batches
}

// TestE2EDifyAliyunBatchesSplitTraces: Dify's Aliyun batches, roots first,
// split across requests, alternately over HTTP (Dify's Aliyun path) and
// gRPC. Every LLM call gets its trace's app at once: none waits for
// trace_context.wait (30 s) and none is recorded without its app.
func TestE2EDifyAliyunBatchesSplitTraces(t *testing.T) {
	p := startExporter(t, "")
	conn, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := ptraceotlp.NewGRPCClient(conn)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer e2e-token")
	const traces = 12 // 156 spans: 4 batches, traces 4, 8 and 12 split root-first
	batches := aliyunQueue(traces)
	for i, td := range batches {
		if i%2 == 0 {
			postHTTP(t, "http://"+p.httpAddr+"/adapt_e2e-token/api/otlp/traces", td)
		} else if _, err := client.Export(ctx, ptraceotlp.NewExportRequestFromTraces(td)); err != nil {
			t.Fatal(err)
		}
	}
	// Well within trace_context.wait: a call held for its app would not be
	// counted yet.
	deadline := time.Now().Add(10 * time.Second)
	var m map[string]float64
	for {
		m = p.scrape(t)
		if sumWhere(m, "llm_requests_total", "") == 2*traces || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := 1; i <= traces; i++ {
		if got := sumWhere(m, "llm_requests_total", fmt.Sprintf(`app="app-%d"`, i)); got != 2 {
			t.Errorf("trace %d: %v LLM calls with its app, want 2", i, got)
		}
	}
	for _, outcome := range []string{"waited_out", "no_app", "overflow"} {
		if got := sumWhere(m, "llmops_exporter_trace_context_calls_total", `outcome="`+outcome+`"`); got != 0 {
			t.Errorf("%v calls %s", got, outcome)
		}
	}
	if got := sumWhere(m, "llm_requests_total", `app=""`); got != 0 {
		t.Errorf("%v calls recorded without their app", got)
	}
}
