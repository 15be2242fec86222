// Package llmspantest holds test data shared by the packages that read or
// map LLM spans.
package llmspantest

// Conventions is one model call (gpt-4o by openai, 10 input and 4 output
// tokens) in each convention apps send, by name: genai, openinference,
// langfuse (no provider) and traceloop. It returns a fresh map each call.
func Conventions() map[string]map[string]any {
	return map[string]map[string]any{
		"genai": {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.provider.name": "openai",
			"gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 4},
		"openinference": {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o", "llm.provider": "openai",
			"llm.token_count.prompt": 10, "llm.token_count.completion": 4},
		"langfuse": {"langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o",
			"langfuse.observation.usage_details": `{"input":10,"output":4}`},
		// OpenLLMetry's instrumentations put llm.request.type on model calls;
		// traceloop.span.kind is only on the app's decorated workflow/task spans.
		"traceloop": {"llm.request.type": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.system": "openai",
			"gen_ai.usage.prompt_tokens": 10, "gen_ai.usage.completion_tokens": 4},
	}
}
