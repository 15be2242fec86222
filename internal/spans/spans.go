// Package spans holds the two walks over OTLP traces the exporter makes
// everywhere: visiting every span with its resource, and removing spans
// (dropping scopes and resources left empty).
package spans

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Each calls fn for every span of td with its resource.
func Each(td ptrace.Traces, fn func(res pcommon.Resource, span ptrace.Span)) {
	EachResource(td, func(res pcommon.Resource) func(ptrace.Span) {
		return func(s ptrace.Span) { fn(res, s) }
	})
}

// EachResource calls perResource once for every resource of td, and the
// function it returns for every span of that resource: what is derived
// from a resource is then computed once, not once per span.
func EachResource(td ptrace.Traces, perResource func(res pcommon.Resource) func(ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		fn := perResource(rs.Resource())
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(spans.At(k))
			}
		}
	}
}

// RemoveIf removes the spans for which drop is true, and the scopes and
// resources left without spans. It returns how many spans it removed.
func RemoveIf(td ptrace.Traces, drop func(ptrace.Span) bool) int {
	n := 0
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(func(s ptrace.Span) bool {
				if drop(s) {
					n++
					return true
				}
				return false
			})
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
	return n
}
