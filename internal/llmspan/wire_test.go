package llmspan

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
	"github.com/llmops/terraform-provider-llmops/internal/otlpwire"
)

// wireTraces are requests in every convention the decoder reads, errors
// with exception events, Langfuse's completion start, Dify's metadata JSON,
// non-string app ids and audit attributes.
func wireTraces() []ptrace.Traces {
	g := loadgen.NewGenerator(9)
	g.ErrorRate, g.PromptBytes = 0.5, 1024
	out := []ptrace.Traces{g.Traces(10)}
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("openinference.project.name", "dify-phoenix")
	rs.Resource().Attributes().PutInt("app_id", 42)
	ss := rs.ScopeSpans().AppendEmpty().Spans()
	add := func(attrs map[string]any, fail bool) {
		s := ss.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{1})
		s.SetSpanID(pcommon.SpanID{byte(ss.Len())})
		s.SetStartTimestamp(1_700_000_000_000_000_000)
		s.SetEndTimestamp(1_700_000_002_500_000_000)
		_ = s.Attributes().FromRaw(attrs)
		if fail {
			s.Status().SetCode(ptrace.StatusCodeError)
			s.Status().SetMessage("upstream 429 Too Many Requests")
			ev := s.Events().AppendEmpty()
			ev.SetName("exception")
			ev.Attributes().PutStr("exception.type", "Exception")
			ev.Attributes().PutStr("exception.message", "rate limit reached")
		}
	}
	add(map[string]any{"langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o",
		"langfuse.observation.usage_details": `{"input":10,"output":4}`, "langfuse.observation.completion_start_time": "2023-11-14T22:13:20.5Z"}, false)
	add(map[string]any{"openinference.span.kind": "LLM", "llm.model_name": "qwen:14b", "llm.token_count.prompt": "12",
		"metadata": `{"app_id":"a1","app_name":"bot","gen_ai_server_time_to_first_token":0.3}`}, true)
	add(map[string]any{"gen_ai.span.kind": "LLM", "gen_ai.request.model": "deepseek-chat", "gen_ai.usage.input_tokens": "7",
		"gen_ai.response.time_to_first_token": 250000000, "audit.action": "delete_app", "audit.status": "failed", "dify.app_id": 7.5}, true)
	add(map[string]any{"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o", "metadata": `{"node_type":"llm"}`,
		"output.value": `{"text":"hi","usage":{"total_tokens":9,"time_to_first_token":0.42}}`}, false)
	add(map[string]any{"llm.request.type": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.system": "OpenAI",
		"gen_ai.usage.prompt_tokens": 3.0, "error.type": "timeout", "app_name": map[string]any{"n": 1}}, true)
	out = append(out, td)
	return out
}

// TestDecodeWireAgreesWithDecode: every span reads the same from the wire
// as from pdata, and owns its strings once Own ran.
func TestDecodeWireAgreesWithDecode(t *testing.T) {
	for i, td := range wireTraces() {
		body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			t.Fatal(err)
		}
		var want []Span
		rss := td.ResourceSpans()
		for r := 0; r < rss.Len(); r++ {
			res := FromResource(rss.At(r).Resource().Attributes())
			spans := rss.At(r).ScopeSpans().At(0).Spans()
			for k := 0; k < spans.Len(); k++ {
				var s Span
				Decode(res, spans.At(k), &s)
				want = append(want, s)
			}
		}
		var got []Span
		var in Interner
		err = otlpwire.Read(body, func(r otlpwire.Resource) func(*otlpwire.Span) {
			res := FromWireResource(r)
			return func(sp *otlpwire.Span) {
				var s Span
				DecodeWire(res, sp, &s)
				s.Own(&in)
				got = append(got, s)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		clear(body) // owned strings must not change with the body
		if len(got) != len(want) {
			t.Fatalf("request %d: %d spans from the wire, %d from pdata", i, len(got), len(want))
		}
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("request %d span %d:\nwire  %+v\npdata %+v", i, k, got[k], want[k])
			}
		}
	}
}
