package redact

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

// contentKeys are the attributes that carry prompts, completions, documents
// and tool payloads in the conventions the exporter understands.
var contentKeys = map[string]bool{
	"input.value": true, "output.value": true, "input.mime_type": true, "output.mime_type": true,
	"gen_ai.prompt": true, "gen_ai.completion": true, "gen_ai.input.messages": true, "gen_ai.output.messages": true,
	"gen_ai.system_instructions": true, "gen_ai.tool.call.arguments": true, "gen_ai.tool.call.result": true,
	"gen_ai.retrieval.query.text": true, "gen_ai.retrieval.documents": true, "gen_ai.tool.definitions": true,
	"langfuse.observation.input": true, "langfuse.observation.output": true, "langfuse.trace.input": true, "langfuse.trace.output": true,
	"traceloop.entity.input": true, "traceloop.entity.output": true, "tool.parameters": true,
	"mlflow.spanInputs": true, "mlflow.spanOutputs": true, "retrieval.query": true, "retrieval.document": true,
	"gen_ai.entity.input": true, "gen_ai.entity.output": true,
}

// contentPrefixes cover the flattened, indexed forms.
var contentPrefixes = []string{
	"gen_ai.prompt.", "gen_ai.completion.", "llm.input_messages.", "llm.output_messages.", "llm.prompts.",
	"retrieval.documents.", "reranker.input_documents.", "reranker.output_documents.", "embedding.embeddings.",
}

// IsContent reports whether attribute key carries content.
func IsContent(key string) bool {
	if contentKeys[key] {
		return true
	}
	for _, p := range contentPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// DropContent removes content attributes and content events from td in
// place, keeping kinds, models, token counts, timings and status: what
// metrics and cost analysis need.
func DropContent(td ptrace.Traces) {
	spans.Each(td, func(_ pcommon.Resource, s ptrace.Span) {
		s.Attributes().RemoveIf(func(k string, _ pcommon.Value) bool { return IsContent(k) })
		s.Events().RemoveIf(func(e ptrace.SpanEvent) bool {
			// gen_ai.content.prompt/.completion, per-message events and
			// gen_ai.client.inference.operation.details all carry content.
			return strings.HasPrefix(e.Name(), "gen_ai.")
		})
	})
}
