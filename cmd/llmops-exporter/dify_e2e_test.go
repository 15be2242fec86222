package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// difySpan is one span of a Dify fixture.
type difySpan struct {
	id, parent byte
	name       string
	attrs      map[string]any
	err        string         // status message of a failed span
	exception  map[string]any // exception event attributes
	dur        time.Duration
}

// traceOf builds a request holding the given spans of one trace under one
// resource.
func traceOf(trace byte, resource map[string]any, spans ...difySpan) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	_ = rs.Resource().Attributes().FromRaw(resource)
	ss := rs.ScopeSpans().AppendEmpty().Spans()
	end := time.Now()
	for _, d := range spans {
		s := ss.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{trace, 0xd1, 0xf7})
		s.SetSpanID(pcommon.SpanID{trace, d.id})
		if d.parent != 0 {
			s.SetParentSpanID(pcommon.SpanID{trace, d.parent})
		}
		s.SetName(d.name)
		dur := d.dur
		if dur == 0 {
			dur = 2 * time.Second
		}
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-dur)))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
		_ = s.Attributes().FromRaw(d.attrs)
		if d.err != "" || d.exception != nil {
			s.Status().SetCode(ptrace.StatusCodeError)
			s.Status().SetMessage(d.err)
		}
		if d.exception != nil {
			ev := s.Events().AppendEmpty()
			ev.SetName("exception")
			_ = ev.Attributes().FromRaw(d.exception)
		}
	}
	return td
}

// Dify's Aliyun provider (api/core/ops/aliyun_trace/aliyun_trace.py and its
// semconv module): the app only on the root message span, token counts as
// strings, time to first token as integer nanoseconds, the model provider as
// Dify's plugin id, errors as a status message without exception event.
var aliyunResource = map[string]any{"service.name": "dify_app", "host.name": "dify-api-7f9c"}

func aliyunSpans() []difySpan {
	return []difySpan{
		{id: 1, name: "message", attrs: map[string]any{"gen_ai.span.kind": "CHAIN", "dify.app_id": "app-aliyun", "dify.app_name": "Aliyun Bot",
			"gen_ai.session.id": "conv-1", "gen_ai.user.id": "user-1"}},
		{id: 2, parent: 1, name: "llm", attrs: map[string]any{"gen_ai.span.kind": "LLM", "gen_ai.system": "langgenius/openai/openai",
			"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": "1000", "gen_ai.usage.output_tokens": "200",
			"gen_ai.usage.total_tokens": "1200", "gen_ai.response.time_to_first_token": int64(450_000_000)}},
		{id: 3, parent: 1, name: "llm", err: "[openai] Error code: 429 - Rate limit reached for gpt-4o-mini",
			attrs: map[string]any{"gen_ai.span.kind": "LLM", "gen_ai.system": "langgenius/openai/openai", "gen_ai.request.model": "gpt-4o-mini"}},
	}
}

// Dify's Arize Phoenix provider (api/core/ops/arize_phoenix_trace/
// arize_phoenix_trace.py): a resource without service.name, the app in the
// workflow span's metadata JSON, time to first token in the LLM node's
// metadata, errors recorded from plain strings (exception type `str`), one
// request per span as each ends.
var phoenixResource = map[string]any{"openinference.project.name": "support-prod", "model_id": "support-prod"}

func phoenixSpans() []difySpan {
	return []difySpan{
		{id: 1, name: "workflow_run", attrs: map[string]any{"openinference.span.kind": "CHAIN",
			"metadata": `{"app_id": "app-phoenix", "app_name": "Support", "workflow_id": "wf-1", "tenant_id": "t-1"}`}},
		{id: 2, parent: 1, name: "llm", attrs: map[string]any{"openinference.span.kind": "LLM", "llm.provider": "langgenius/anthropic/anthropic",
			"llm.model_name": "claude-3-5-sonnet-20241022", "llm.token_count.prompt": int64(300), "llm.token_count.completion": int64(100),
			"llm.token_count.total": int64(400), "metadata": `{"gen_ai_server_time_to_first_token": 0.8, "node_type": "llm"}`}},
		{id: 3, parent: 1, name: "llm", exception: map[string]any{"exception.type": "str", "exception.message": "Request timed out."},
			attrs: map[string]any{"openinference.span.kind": "LLM", "llm.provider": "langgenius/anthropic/anthropic",
				"llm.model_name": "claude-3-5-sonnet-20241022"}},
	}
}

// Dify's own instrumentation (ENABLE_OTEL, api/extensions/ext_otel.py): the
// app on AppGenerateService.generate, a child of the HTTP root span.
var selfResource = map[string]any{"service.name": "dify-api", "process.pid": int64(4242)}

func selfSpans() []difySpan {
	return []difySpan{
		{id: 1, name: "POST /v1/chat-messages", attrs: map[string]any{"http.request.method": "POST"}},
		{id: 2, parent: 1, name: "AppGenerateService.generate", attrs: map[string]any{"dify.app_id": "app-self"}},
		{id: 3, parent: 2, name: "chat gpt-4o-mini", attrs: map[string]any{"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
			"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": int64(40), "gen_ai.usage.output_tokens": int64(10)}},
	}
}

func postHTTP(t *testing.T, url string, td ptrace.Traces) {
	t.Helper()
	body, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Authorization", "Bearer e2e-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %v %v", url, err, resp)
	}
	resp.Body.Close()
}

// TestE2EDifyProducersInAdversarialOrder sends each of Dify's three ways of
// tracing through the running exporter, children before roots, and checks
// every LLM series carries the trace's app, with exact counts.
func TestE2EDifyProducersInAdversarialOrder(t *testing.T) {
	p := startExporter(t, "")
	// Aliyun: the two LLM spans in one request, the root in a later one,
	// through Dify's Aliyun path (the token in the path).
	a := aliyunSpans()
	aliyunURL := "http://" + p.httpAddr + "/adapt_e2e-token/api/otlp/traces"
	postHTTP(t, aliyunURL, traceOf(1, aliyunResource, a[1], a[2]))
	postHTTP(t, aliyunURL, traceOf(1, aliyunResource, a[0]))

	// Phoenix: one span per request over gRPC, children first.
	conn, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := ptraceotlp.NewGRPCClient(conn)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer e2e-token")
	ph := phoenixSpans()
	for _, i := range []int{2, 1, 0} {
		if _, err := client.Export(ctx, ptraceotlp.NewExportRequestFromTraces(traceOf(2, phoenixResource, ph[i]))); err != nil {
			t.Fatal(err)
		}
	}

	// ENABLE_OTEL: LLM span, then generate, then the HTTP root, over HTTP.
	se := selfSpans()
	for _, i := range []int{2, 1, 0} {
		postHTTP(t, "http://"+p.httpAddr+"/v1/traces", traceOf(3, selfResource, se[i]))
	}

	var m map[string]float64
	waitUntil(t, "the LLM calls of three traces", func() bool {
		m = p.scrape(t)
		return sumWhere(m, "llm_requests_total", "") == 5
	})
	checks := []struct {
		metric, labels string
		want           float64
	}{
		{"llm_requests_total", `app="app-aliyun",model="gpt-4o-mini",operation="chat",provider="openai",service="dify_app",status="ok"`, 1},
		{"llm_requests_total", `app="app-aliyun",model="gpt-4o-mini",operation="chat",provider="openai",service="dify_app",status="error"`, 1},
		{"llm_errors_total", `app="app-aliyun",error_type="rate_limit"`, 1},
		{"llm_tokens_total", `app="app-aliyun",model="gpt-4o-mini",operation="chat",provider="openai",service="dify_app",type="input"`, 1000},
		{"llm_tokens_total", `app="app-aliyun",model="gpt-4o-mini",operation="chat",provider="openai",service="dify_app",type="output"`, 200},
		{"gen_ai_server_time_to_first_token_seconds_count", `app="app-aliyun"`, 1},
		{"llm_cost_usd_total", `app="app-aliyun",model="gpt-4o-mini"`, 1000*0.15/1e6 + 200*0.6/1e6},

		{"llm_requests_total", `app="app-phoenix",model="claude-3-5-sonnet-20241022",operation="chat",provider="anthropic",service="support-prod",status="ok"`, 1},
		{"llm_errors_total", `app="app-phoenix",error_type="timeout"`, 1},
		{"llm_tokens_total", `app="app-phoenix",model="claude-3-5-sonnet-20241022",operation="chat",provider="anthropic",service="support-prod",type="input"`, 300},
		{"gen_ai_server_time_to_first_token_seconds_count", `app="app-phoenix"`, 1},
		{"gen_ai_server_time_to_first_token_seconds_sum", `app="app-phoenix"`, 0.8},

		{"llm_requests_total", `app="app-self",model="gpt-4o-mini",operation="chat",provider="openai",service="dify-api",status="ok"`, 1},
		{"llm_tokens_total", `app="app-self",model="gpt-4o-mini",operation="chat",provider="openai",service="dify-api",type="input"`, 40},

		{"llmops_exporter_trace_context_calls_total", `outcome="inherited"`, 5},
		{"llm_requests_total", `app=""`, 0},
	}
	for _, c := range checks {
		if got := sumWhere(m, c.metric, c.labels); got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("%s{%s} = %v, want %v", c.metric, c.labels, got, c.want)
		}
	}
	if t.Failed() {
		for k, v := range m {
			if strings.HasPrefix(k, "llm_requests_total") || strings.HasPrefix(k, "llm_errors_total") {
				t.Logf("%s %v", k, v)
			}
		}
	}
}

// sumWhere adds the series of metric whose labels contain every
// comma-separated pair of labels (in the exposition's sorted order).
func sumWhere(m map[string]float64, metric, labels string) float64 {
	total := 0.0
	for k, v := range m {
		if !strings.HasPrefix(k, metric+"{") {
			continue
		}
		ok := true
		for _, l := range strings.Split(labels, `",`) {
			if l == "" {
				continue
			}
			if !strings.HasSuffix(l, `"`) {
				l += `"`
			}
			ok = ok && (strings.Contains(k, "{"+l) || strings.Contains(k, ","+l))
		}
		if ok {
			total += v
		}
	}
	return total
}
