package llmspan

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

// Views holds the decoded view of every span of one request, by span ID. A
// request is decoded once and every destination's copy reads the same
// views, however many destinations there are.
type Views map[pcommon.SpanID]Span

// DecodeTraces decodes every span of td, each resource read once.
func DecodeTraces(td ptrace.Traces) Views {
	views := make(Views, td.SpanCount())
	var s Span
	spans.EachResource(td, func(res pcommon.Resource) func(ptrace.Span) {
		r := FromResource(res.Attributes())
		return func(span ptrace.Span) {
			Decode(r, span, &s)
			views[span.SpanID()] = s
		}
	})
	return views
}

// Kind is the kind of the span id (KindOther when it is not in v).
func (v Views) Kind(id pcommon.SpanID) Kind { return v[id].Kind }
