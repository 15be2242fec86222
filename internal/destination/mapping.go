package destination

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

// mapsAttributes reports whether mapAttributes changes t's copies.
func mapsAttributes(t platform.Type) bool {
	switch t {
	case platform.Langfuse, platform.Phoenix, platform.LangSmith, platform.Aliyun, platform.Tencent, platform.Opik, platform.Weave,
		platform.MLflow, platform.Databricks:
		return true
	}
	return false
}

// mapAttributes adds what each platform reads and the app did not send,
// never overwriting what the app sent (each platform's OTLP attribute docs).
func mapAttributes(t platform.Type, td ptrace.Traces, kinds map[pcommon.SpanID]llmspan.Kind) {
	switch t {
	case platform.Langfuse:
		langfuse(td, kinds)
	case platform.Phoenix:
		eachSpan(td, func(r llmspan.Resource, s ptrace.Span) { openInference(r, s) })
	case platform.LangSmith:
		eachSpan(td, func(r llmspan.Resource, s ptrace.Span) {
			putIfAbsent(s.Attributes(), "langsmith.span.kind", langsmithKind[kinds[s.SpanID()]])
			genAI(r, s, kinds[s.SpanID()])
		})
	case platform.Aliyun:
		eachSpan(td, func(r llmspan.Resource, s ptrace.Span) {
			putIfAbsent(s.Attributes(), "gen_ai.span.kind", aliyunKind[kinds[s.SpanID()]])
			putIfAbsent(s.Attributes(), "gen_ai.framework", "dify")
			genAI(r, s, kinds[s.SpanID()])
		})
	case platform.Tencent, platform.Opik, platform.Weave, platform.MLflow, platform.Databricks:
		// Opik (its GenAIMappingRules) and Weave read GenAI natively, and
		// OpenInference too; MLflow's OTLP ingest translates GenAI
		// attributes into its span types and token usage. A model call in
		// Langfuse's own attributes would reach them without model or
		// usage, so GenAI is added.
		eachSpan(td, func(r llmspan.Resource, s ptrace.Span) { genAI(r, s, kinds[s.SpanID()]) })
	}
}

// genAI adds the OTel GenAI attributes (what Dify's own ARMS code sends,
// aliyun_trace/entities/semconv.py, and what LangSmith and Tencent read) to
// model calls described in another convention (OpenInference, Traceloop,
// Langfuse): model, provider (also as gen_ai.system, which LangSmith maps),
// operation and token counts. Nothing the span already has is replaced.
func genAI(r llmspan.Resource, span ptrace.Span, k llmspan.Kind) {
	if k != llmspan.KindLLM && k != llmspan.KindEmbedding {
		return
	}
	var s llmspan.Span
	llmspan.Decode(r, span, &s)
	a := span.Attributes()
	putIfAbsent(a, "gen_ai.request.model", s.Model)
	putIfAbsent(a, "gen_ai.provider.name", s.Provider)
	putIfAbsent(a, "gen_ai.system", s.Provider)
	putIfAbsent(a, "gen_ai.operation.name", s.Operation)
	for key, n := range map[string]int64{"gen_ai.usage.input_tokens": s.Usage.Input, "gen_ai.usage.output_tokens": s.Usage.Output,
		"gen_ai.usage.total_tokens": s.Usage.Input + s.Usage.Output} {
		if _, ok := a.Get(key); !ok && n > 0 {
			a.PutInt(key, n)
		}
	}
}

var (
	openInferenceKind = map[llmspan.Kind]string{llmspan.KindLLM: "LLM", llmspan.KindEmbedding: "EMBEDDING", llmspan.KindChain: "CHAIN",
		llmspan.KindRetriever: "RETRIEVER", llmspan.KindTool: "TOOL", llmspan.KindAgent: "AGENT", llmspan.KindOther: "CHAIN"}
	langsmithKind = map[llmspan.Kind]string{llmspan.KindLLM: "llm", llmspan.KindEmbedding: "embedding", llmspan.KindChain: "chain",
		llmspan.KindRetriever: "retriever", llmspan.KindTool: "tool", llmspan.KindAgent: "chain", llmspan.KindOther: "chain"}
	aliyunKind = map[llmspan.Kind]string{llmspan.KindLLM: "LLM", llmspan.KindEmbedding: "EMBEDDING", llmspan.KindChain: "CHAIN",
		llmspan.KindRetriever: "RETRIEVER", llmspan.KindTool: "TOOL", llmspan.KindAgent: "AGENT", llmspan.KindOther: "TASK"}
	langfuseType = map[llmspan.Kind]string{llmspan.KindLLM: "generation", llmspan.KindEmbedding: "embedding", llmspan.KindChain: "chain",
		llmspan.KindRetriever: "retriever", llmspan.KindTool: "tool", llmspan.KindAgent: "agent", llmspan.KindOther: "span"}
)

// eachSpan visits every span with its resource's LLM view, computed once
// per resource.
func eachSpan(td ptrace.Traces, fn func(llmspan.Resource, ptrace.Span)) {
	spans.EachResource(td, func(res pcommon.Resource) func(ptrace.Span) {
		r := llmspan.FromResource(res.Attributes())
		return func(s ptrace.Span) { fn(r, s) }
	})
}

func putIfAbsent(m pcommon.Map, k, v string) {
	if v == "" {
		return
	}
	if _, ok := m.Get(k); !ok {
		m.PutStr(k, v)
	}
}

// openInference adds the attributes Phoenix needs: span kind always, and
// model, provider and token counts on model calls.
func openInference(r llmspan.Resource, span ptrace.Span) {
	var s llmspan.Span
	llmspan.Decode(r, span, &s)
	a := span.Attributes()
	putIfAbsent(a, "openinference.span.kind", openInferenceKind[s.Kind])
	if s.Kind != llmspan.KindLLM && s.Kind != llmspan.KindEmbedding {
		return
	}
	putIfAbsent(a, "llm.model_name", s.Model)
	putIfAbsent(a, "llm.provider", s.Provider)
	for k, n := range map[string]int64{"llm.token_count.prompt": s.Usage.Input, "llm.token_count.completion": s.Usage.Output,
		"llm.token_count.total": s.Usage.Input + s.Usage.Output, "llm.token_count.prompt_details.cache_read": s.Usage.CacheRead,
		"llm.token_count.completion_details.reasoning": s.Usage.Reasoning} {
		if _, ok := a.Get(k); !ok && n > 0 {
			a.PutInt(k, n)
		}
	}
}

// traceLevel reports whether a key is a Langfuse trace-level attribute,
// which Langfuse v4 wants on every span of the trace.
func traceLevel(k string) bool {
	switch k {
	case "langfuse.user.id", "user.id", "langfuse.session.id", "session.id", "langfuse.trace.tags", "langfuse.trace.name",
		"langfuse.trace.public", "langfuse.release", "langfuse.version", "langfuse.environment":
		return true
	}
	return strings.HasPrefix(k, "langfuse.trace.metadata.")
}

// langfuse copies trace-level attributes to every span of their trace, puts
// the root's input and output where Langfuse v4 reads them, and sets the
// observation type from the span kind.
func langfuse(td ptrace.Traces, kinds map[pcommon.SpanID]llmspan.Kind) {
	traceAttrs := map[pcommon.TraceID]map[string]pcommon.Value{}
	eachSpan(td, func(r llmspan.Resource, s ptrace.Span) {
		m := traceAttrs[s.TraceID()]
		s.Attributes().Range(func(k string, v pcommon.Value) bool {
			if traceLevel(k) {
				if m == nil {
					m = map[string]pcommon.Value{}
					traceAttrs[s.TraceID()] = m
				}
				if _, ok := m[k]; !ok {
					m[k] = v
				}
			}
			return true
		})
		if r.AppID != "" {
			if m == nil {
				m = map[string]pcommon.Value{}
				traceAttrs[s.TraceID()] = m
			}
			m["langfuse.trace.metadata.app_id"] = pcommon.NewValueStr(r.AppID)
		}
	})
	eachSpan(td, func(_ llmspan.Resource, s ptrace.Span) {
		a := s.Attributes()
		for k, v := range traceAttrs[s.TraceID()] {
			if _, ok := a.Get(k); !ok {
				v.CopyTo(a.PutEmpty(k))
			}
		}
		putIfAbsent(a, "langfuse.observation.type", langfuseType[kinds[s.SpanID()]])
		if s.ParentSpanID().IsEmpty() {
			copyFirst(a, "langfuse.observation.input", "input.value", "gen_ai.input.messages", "gen_ai.prompt", "traceloop.entity.input")
			copyFirst(a, "langfuse.observation.output", "output.value", "gen_ai.output.messages", "gen_ai.completion", "traceloop.entity.output")
		}
	})
}

// copyFirst sets dst from the first present src, unless dst is set.
func copyFirst(a pcommon.Map, dst string, srcs ...string) {
	if _, ok := a.Get(dst); ok {
		return
	}
	for _, src := range srcs {
		if v, ok := a.Get(src); ok {
			a.PutStr(dst, v.AsString())
			return
		}
	}
}
