package llmspan

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestNormalizeProvider(t *testing.T) {
	for in, want := range map[string]string{
		"langgenius/openai/openai": "openai", "langgenius/azure_openai/azure_openai": "azure.ai.openai",
		"langgenius/bedrock/bedrock": "aws.bedrock", "langgenius/gemini/google": "gcp.gemini", "vertex_ai": "gcp.vertex_ai",
		"Anthropic": "anthropic", "langgenius/deepseek/deepseek": "deepseek", "langgenius/tongyi/tongyi": "tongyi",
		"mistralai": "mistral_ai", "xai": "x_ai", "": "",
	} {
		if got := NormalizeProvider(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func errSpan(status string, exc map[string]any) ptrace.Span {
	s := mkSpan(time.Second, map[string]any{"gen_ai.span.kind": "LLM", "gen_ai.request.model": "m"})
	s.Status().SetCode(ptrace.StatusCodeError)
	s.Status().SetMessage(status)
	if exc != nil {
		ev := s.Events().AppendEmpty()
		ev.SetName("exception")
		_ = ev.Attributes().FromRaw(exc)
	}
	return s
}

func TestErrorTypes(t *testing.T) {
	cases := []struct {
		name string
		span ptrace.Span
		want string
	}{
		// Dify's Phoenix provider records errors from plain strings
		// (api/core/ops/arize_phoenix_trace/arize_phoenix_trace.py: span.record_exception(Exception(error))
		// and set_status), so the type says nothing and the message decides.
		{"phoenix str rate limit", errSpan("", map[string]any{"exception.type": "str", "exception.message": "Error code: 429 - Rate limit reached for gpt-4o"}), ErrRateLimit},
		{"phoenix Exception timeout", errSpan("", map[string]any{"exception.type": "Exception", "exception.message": "Request timed out."}), ErrTimeout},
		// Dify's Aliyun provider: status message only, no exception event.
		{"aliyun status auth", errSpan("[openai] Error: Incorrect API key provided", nil), ErrAuth},
		{"aliyun context", errSpan("This model's maximum context length is 128000 tokens", nil), ErrContextLength},
		{"content filter", errSpan("The response was filtered due to the prompt triggering Azure OpenAI's content management policy", nil), ErrContentFilter},
		{"server", errSpan("Error code: 503 - The engine is currently overloaded", nil), ErrServer},
		// Aliyun (DashScope) error codes, passed on by Dify as they are.
		{"dashscope internal", errSpan("[tongyi] Error: code: InternalError.Algo, message: An internal error has occured", nil), ErrServer},
		{"dashscope unavailable", errSpan("ServiceUnavailable: The service is temporarily unavailable", nil), ErrServer},
		{"dashscope throttling", errSpan("code: Throttling.RateQuota, message: Requests rate limit exceeded", nil), ErrRateLimit},
		{"dashscope allocation quota", errSpan("Throttling.AllocationQuota", nil), ErrRateLimit},
		{"dashscope invalid key", errSpan("code: InvalidApiKey, message: Invalid API-key provided.", nil), ErrAuth},
		{"dashscope access denied", errSpan("AccessDenied.Unpurchased", nil), ErrAuth},
		{"dashscope arrearage", errSpan("Arrearage: Access denied, please make sure your account is in good standing", nil), ErrAuth},
		{"dashscope inspection", errSpan("DataInspectionFailed: Input data may contain inappropriate content.", nil), ErrContentFilter},
		{"other", errSpan("something odd", nil), ErrOther},
		{"real exception type kept", errSpan("", map[string]any{"exception.type": "openai.RateLimitError", "exception.message": "x"}), "openai.RateLimitError"},
	}
	for _, c := range cases {
		var s Span
		Decode(Resource{}, c.span, &s)
		if s.ErrorType != c.want || !s.IsError {
			t.Errorf("%s: error_type %q, want %q", c.name, s.ErrorType, c.want)
		}
	}
	s := errSpan("timeout", nil)
	s.Attributes().PutStr("error.type", "ProviderTimeout")
	var got Span
	if Decode(Resource{}, s, &got); got.ErrorType != "ProviderTimeout" {
		t.Errorf("error.type not preferred: %q", got.ErrorType)
	}
}

func TestTimeToFirstTokenFromDify(t *testing.T) {
	var s Span
	// Aliyun provider (api/core/ops/aliyun_trace): integer nanoseconds.
	Decode(Resource{}, mkSpan(3*time.Second, map[string]any{"gen_ai.span.kind": "LLM", "gen_ai.response.time_to_first_token": int64(420_000_000)}), &s)
	if s.TTFT != 0.42 {
		t.Errorf("aliyun ttft %v", s.TTFT)
	}
	// Phoenix provider: inside the metadata JSON, seconds (LLM node usage.time_to_first_token).
	Decode(Resource{}, mkSpan(3*time.Second, map[string]any{"openinference.span.kind": "LLM",
		"metadata": `{"app_id":"a1","gen_ai_server_time_to_first_token":0.615,"ls_model_name":"gpt-4o"}`}), &s)
	if s.TTFT != 0.615 || s.AppID != "a1" {
		t.Errorf("phoenix ttft %v app %q", s.TTFT, s.AppID)
	}
	// Phoenix provider, workflow LLM node: the node's outputs as
	// output.value, with usage.time_to_first_token in seconds; the
	// metadata carries the node's ids, not the usage.
	node := map[string]any{"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o", "llm.token_count.prompt": int64(120),
		"metadata":     `{"workflow_run_id":"r1","node_id":"n1","node_type":"llm","status":"succeeded"}`,
		"output.value": `{"text":"Hello","usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"latency":2.1,"time_to_first_token":0.73,"time_to_generate":1.3},"finish_reason":"stop"}`}
	Decode(Resource{}, mkSpan(3*time.Second, node), &s)
	if s.TTFT != 0.73 {
		t.Errorf("phoenix workflow node ttft %v, want 0.73", s.TTFT)
	}
	// The same in metadata's outputs, and through the wire reader.
	node["output.value"] = "Hello"
	node["metadata"] = `{"node_type":"llm","outputs":{"usage":{"time_to_first_token":0.5}}}`
	Decode(Resource{}, mkSpan(3*time.Second, node), &s)
	if s.TTFT != 0.5 {
		t.Errorf("phoenix workflow node ttft from metadata outputs %v, want 0.5", s.TTFT)
	}
	// Not a model call: never parsed.
	Decode(Resource{}, mkSpan(3*time.Second, map[string]any{"openinference.span.kind": "CHAIN",
		"output.value": `{"usage":{"time_to_first_token":0.9}}`}), &s)
	if s.TTFT != 0 {
		t.Errorf("a chain span got ttft %v", s.TTFT)
	}
}

func TestServiceFallsBackToProjectThenApp(t *testing.T) {
	res := pcommon.NewMap()
	_ = res.FromRaw(map[string]any{"openinference.project.name": "support-bot-prod", "model_id": "x"})
	var s Span
	Decode(FromResource(res), mkSpan(time.Second, map[string]any{"openinference.span.kind": "LLM", "dify.app_name": "Support"}), &s)
	if s.Service != "support-bot-prod" {
		t.Errorf("service %q", s.Service)
	}
	res = pcommon.NewMap()
	_ = res.FromRaw(map[string]any{"service.name": "unknown_service:python"})
	Decode(FromResource(res), mkSpan(time.Second, map[string]any{"openinference.span.kind": "LLM", "dify.app_name": "Support"}), &s)
	if s.Service != "Support" {
		t.Errorf("service %q", s.Service)
	}
}
