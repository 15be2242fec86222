package platform

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

// The attribute mappings platforms share. Each adds only what the span
// lacks: nothing the app sent is ever replaced. They read the decoded views
// of the request and never decode a span themselves.

// kindNames names each span kind in one platform's vocabulary.
type kindNames map[llmspan.Kind]string

// eachSpan visits every span of td.
func eachSpan(td ptrace.Traces, fn func(ptrace.Span)) {
	spans.Each(td, func(_ pcommon.Resource, s ptrace.Span) { fn(s) })
}

// kindAttribute returns a mapping that sets key to the span kind's name.
func kindAttribute(key string, names kindNames) func(ptrace.Span, llmspan.Span) {
	return func(span ptrace.Span, v llmspan.Span) { putIfAbsent(span.Attributes(), key, names[v.Kind]) }
}

// mapEach returns a mapping that applies each step to every span with its
// view.
func mapEach(steps ...func(ptrace.Span, llmspan.Span)) func(ptrace.Traces, llmspan.Views) {
	return func(td ptrace.Traces, views llmspan.Views) {
		eachSpan(td, func(span ptrace.Span) {
			v := views[span.SpanID()]
			for _, step := range steps {
				step(span, v)
			}
		})
	}
}

// genAI adds the OTel GenAI attributes (what Dify's own ARMS code sends,
// aliyun_trace/entities/semconv.py, and what LangSmith, Tencent, Opik, Weave
// and MLflow read) to model calls described in another convention
// (OpenInference, Traceloop, Langfuse): model, provider (also as
// gen_ai.system, which LangSmith maps), operation and token counts.
func genAI(span ptrace.Span, v llmspan.Span) {
	if v.Kind != llmspan.KindLLM && v.Kind != llmspan.KindEmbedding {
		return
	}
	a := span.Attributes()
	putIfAbsent(a, "gen_ai.request.model", v.Model)
	putIfAbsent(a, "gen_ai.provider.name", v.Provider)
	putIfAbsent(a, "gen_ai.system", v.Provider)
	putIfAbsent(a, "gen_ai.operation.name", v.Operation)
	putCounts(a, map[string]int64{"gen_ai.usage.input_tokens": v.Usage.Input, "gen_ai.usage.output_tokens": v.Usage.Output,
		"gen_ai.usage.total_tokens": v.Usage.Input + v.Usage.Output})
}

// putCounts sets each positive count the span does not have.
func putCounts(a pcommon.Map, counts map[string]int64) {
	for key, n := range counts {
		if _, ok := a.Get(key); !ok && n > 0 {
			a.PutInt(key, n)
		}
	}
}

func putIfAbsent(m pcommon.Map, k, v string) {
	if v == "" {
		return
	}
	if _, ok := m.Get(k); !ok {
		m.PutStr(k, v)
	}
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
