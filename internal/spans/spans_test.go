package spans

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestEachAndRemoveIf(t *testing.T) {
	td := ptrace.NewTraces()
	for r := 0; r < 2; r++ {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutInt("r", int64(r))
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for i := 0; i < 3; i++ {
			spans.AppendEmpty().Attributes().PutInt("i", int64(r*3+i))
		}
	}
	seen := 0
	Each(td, func(res pcommon.Resource, s ptrace.Span) {
		r, _ := res.Attributes().Get("r")
		i, _ := s.Attributes().Get("i")
		if i.Int()/3 != r.Int() {
			t.Fatal("span visited with the wrong resource")
		}
		seen++
	})
	if seen != 6 {
		t.Fatalf("visited %d", seen)
	}
	// Drop the whole first resource and one span of the second.
	n := RemoveIf(td, func(s ptrace.Span) bool { v, _ := s.Attributes().Get("i"); return v.Int() < 4 })
	if n != 4 || td.SpanCount() != 2 || td.ResourceSpans().Len() != 1 {
		t.Fatalf("removed %d, left %d spans in %d resources", n, td.SpanCount(), td.ResourceSpans().Len())
	}
}

func TestEachResourceDerivesOncePerResource(t *testing.T) {
	td := ptrace.NewTraces()
	for r := range 3 {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutInt("r", int64(r))
		for range 2 {
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Spans().AppendEmpty()
			ss.Spans().AppendEmpty()
		}
	}
	perResource, perSpan := 0, map[int64]int{}
	EachResource(td, func(res pcommon.Resource) func(ptrace.Span) {
		perResource++
		v, _ := res.Attributes().Get("r")
		return func(ptrace.Span) { perSpan[v.Int()]++ }
	})
	if perResource != 3 || perSpan[0] != 4 || perSpan[1] != 4 || perSpan[2] != 4 {
		t.Fatalf("per resource %d, per span %v", perResource, perSpan)
	}
}
