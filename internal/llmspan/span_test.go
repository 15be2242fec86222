package llmspan

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// mkSpan builds a span lasting dur with the given attributes.
func mkSpan(dur time.Duration, attrs map[string]any) ptrace.Span {
	s := ptrace.NewSpan()
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(dur)))
	if err := s.Attributes().FromRaw(attrs); err != nil {
		panic(err)
	}
	return s
}

func TestConventions(t *testing.T) {
	cases := []struct {
		name  string
		attrs map[string]any
		want  Span
	}{
		{
			name: "otel genai v1.41 (openai sdk)",
			attrs: map[string]any{
				"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
				"gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 30,
				"gen_ai.usage.cache_read.input_tokens": 100, "gen_ai.usage.reasoning.output_tokens": 5,
				"gen_ai.response.time_to_first_chunk": 0.25,
			},
			want: Span{Kind: KindLLM, Operation: "chat", Provider: "openai", Model: "gpt-4o",
				Usage: Usage{Input: 120, Output: 30, CacheRead: 100, Reasoning: 5}, TTFT: 0.25},
		},
		{
			name: "otel genai pre-1.37 names",
			attrs: map[string]any{
				"gen_ai.system": "Anthropic", "gen_ai.request.model": "claude-3-5-sonnet-20241022",
				"gen_ai.usage.prompt_tokens": int64(11), "gen_ai.usage.completion_tokens": int64(7),
			},
			want: Span{Kind: KindLLM, Operation: "chat", Provider: "anthropic", Model: "claude-3-5-sonnet-20241022", Usage: Usage{Input: 11, Output: 7}},
		},
		{
			name: "dify phoenix/arize (openinference)",
			attrs: map[string]any{
				"openinference.span.kind": "LLM", "llm.provider": "openai", "llm.model_name": "gpt-4o-mini",
				"llm.token_count.prompt": 50, "llm.token_count.completion": 20, "llm.token_count.total": 70,
				"input.value": "hello", "metadata": `{"app_id":"a1b2","app_name":"Support Bot","tenant_id":"t"}`,
			},
			want: Span{Kind: KindLLM, Operation: "chat", Provider: "openai", Model: "gpt-4o-mini", AppID: "a1b2", AppName: "Support Bot", Service: "Support Bot",
				Usage: Usage{Input: 50, Output: 20, Total: 70}},
		},
		{
			name:  "dify phoenix workflow root",
			attrs: map[string]any{"openinference.span.kind": "CHAIN", "input.value": "{}", "session.id": "c1"},
			want:  Span{Kind: KindChain, Operation: "invoke_workflow"},
		},
		{
			name:  "dify phoenix knowledge retrieval",
			attrs: map[string]any{"openinference.span.kind": "RETRIEVER"},
			want:  Span{Kind: KindRetriever, Operation: "retrieval"},
		},
		{
			name: "dify aliyun arms (tokens as strings)",
			attrs: map[string]any{
				"gen_ai.span.kind": "LLM", "gen_ai.framework": "dify", "gen_ai.request.model": "qwen-max",
				"gen_ai.usage.input_tokens": "300", "gen_ai.usage.output_tokens": "45", "gen_ai.usage.total_tokens": "345",
			},
			want: Span{Kind: KindLLM, Operation: "chat", Model: "qwen-max", Usage: Usage{Input: 300, Output: 45, Total: 345}},
		},
		{
			name:  "dify aliyun task node",
			attrs: map[string]any{"gen_ai.span.kind": "TASK"},
			want:  Span{Kind: KindChain, Operation: "invoke_workflow"},
		},
		{
			name: "langfuse generation with usage_details",
			attrs: map[string]any{
				"langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4.1",
				"langfuse.observation.usage_details": `{"input":10,"output":4,"total":14}`, "langfuse.observation.level": "ERROR",
				"langfuse.observation.completion_start_time": "2026-11-25T10:00:00.400Z",
			},
			want: Span{Kind: KindLLM, Operation: "chat", Model: "gpt-4.1", Usage: Usage{Input: 10, Output: 4, Total: 14}, IsError: true, ErrorType: "other", TTFT: 0.4},
		},
		{
			name:  "langfuse type wins over openinference",
			attrs: map[string]any{"langfuse.observation.type": "tool", "openinference.span.kind": "LLM"},
			want:  Span{Kind: KindTool, Operation: "execute_tool"},
		},
		{
			name: "traceloop",
			attrs: map[string]any{
				"traceloop.span.kind": "task", "llm.request.type": "completion",
			},
			want: Span{Kind: KindChain, Operation: "text_completion"},
		},
		{
			name: "traceloop llm span",
			attrs: map[string]any{
				"llm.request.type": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-3.5-turbo",
				"gen_ai.usage.prompt_tokens": 9, "gen_ai.usage.completion_tokens": 3, "llm.usage.total_tokens": 12,
			},
			want: Span{Kind: KindLLM, Operation: "chat", Provider: "openai", Model: "gpt-3.5-turbo", Usage: Usage{Input: 9, Output: 3}},
		},
		{
			name:  "embeddings",
			attrs: map[string]any{"gen_ai.operation.name": "embeddings", "gen_ai.request.model": "text-embedding-3-small", "gen_ai.usage.input_tokens": 8},
			want:  Span{Kind: KindEmbedding, Operation: "embeddings", Model: "text-embedding-3-small", Usage: Usage{Input: 8}},
		},
		{
			name:  "tool by gen_ai.tool.name",
			attrs: map[string]any{"gen_ai.tool.name": "search"},
			want:  Span{Kind: KindTool, Operation: "execute_tool"},
		},
		{
			name:  "agent",
			attrs: map[string]any{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
			want:  Span{Kind: KindAgent, Operation: "invoke_agent"},
		},
		{
			name:  "model and usage without a kind is a generation",
			attrs: map[string]any{"model": "x", "gen_ai.response.model": "mistral-large", "gen_ai.usage.output_tokens": 2},
			want:  Span{Kind: KindLLM, Operation: "chat", Model: "mistral-large", Usage: Usage{Output: 2}},
		},
		{
			name:  "plain http span",
			attrs: map[string]any{"http.method": "GET", "http.target": "/health"},
			want:  Span{Kind: KindOther},
		},
		{
			name:  "error.type marks an error",
			attrs: map[string]any{"gen_ai.operation.name": "chat", "error.type": "rate_limit_exceeded"},
			want:  Span{Kind: KindLLM, Operation: "chat", IsError: true, ErrorType: "rate_limit_exceeded"},
		},
		{
			name:  "garbage token strings count as zero",
			attrs: map[string]any{"gen_ai.span.kind": "LLM", "gen_ai.usage.input_tokens": "many", "gen_ai.usage.output_tokens": -4},
			want:  Span{Kind: KindLLM, Operation: "chat"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got Span
			Decode(Resource{}, mkSpan(2*time.Second, c.attrs), &got)
			c.want.Seconds = 2
			if got != c.want {
				t.Fatalf("\ngot  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestResourceAndErrors(t *testing.T) {
	res := pcommon.NewMap()
	_ = res.FromRaw(map[string]any{"service.name": "dify-api", "dify.app_id": "app-9"})
	r := FromResource(res)
	span := mkSpan(time.Millisecond, map[string]any{"gen_ai.operation.name": "chat"})
	span.Status().SetCode(ptrace.StatusCodeError)
	ev := span.Events().AppendEmpty()
	ev.SetName("exception")
	ev.Attributes().PutStr("exception.type", "openai.RateLimitError")
	var s Span
	Decode(r, span, &s)
	if s.Service != "dify-api" || s.AppID != "app-9" || !s.IsError || s.ErrorType != "openai.RateLimitError" {
		t.Fatalf("got %+v", s)
	}
	if KindLLM.String() != "llm" || Kind(99).String() != "other" || len(Kinds()) != 7 {
		t.Fatal("kind names")
	}
}

func BenchmarkDecode(b *testing.B) {
	span := mkSpan(time.Second, map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
		"gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 30, "http.url": "https://api.openai.com/v1/chat/completions",
		"dify.app_id": "a", "dify.workflow_id": "w", "dify.tenant_id": "t",
	})
	var s Span
	b.ReportAllocs()
	for b.Loop() {
		Decode(Resource{Service: "dify-api"}, span, &s)
	}
}
