package otlpwire

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// CheckNesting walks every attribute map of td (resource, scope, span,
// event, link) and refuses values nested deeper than MaxNesting, as Validate does on the
// wire: the receivers apply it to requests decoded with pdata (OTLP/JSON,
// and protobuf when destinations need the data model). Scalar
// attributes cost one type check each.
func CheckNesting(td ptrace.Traces) error {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		if !shallow(rs.Resource().Attributes(), 1) {
			return nestingError("a resource attribute")
		}
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			if !shallow(ss.Scope().Attributes(), 1) {
				return nestingError("a scope attribute")
			}
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				if !spanShallow(spans.At(k)) {
					return nestingError("a span attribute")
				}
			}
		}
	}
	return nil
}

func spanShallow(s ptrace.Span) bool {
	if !shallow(s.Attributes(), 1) {
		return false
	}
	for i := 0; i < s.Events().Len(); i++ {
		if !shallow(s.Events().At(i).Attributes(), 1) {
			return false
		}
	}
	for i := 0; i < s.Links().Len(); i++ {
		if !shallow(s.Links().At(i).Attributes(), 1) {
			return false
		}
	}
	return true
}

func nestingError(where string) error { return &NestingError{Where: where} }

// shallow reports whether every value of m is within MaxNesting; depth is
// the nesting level of m's values (1 for a span's own attributes).
func shallow(m pcommon.Map, depth int) bool {
	ok := true
	m.Range(func(_ string, v pcommon.Value) bool {
		ok = valueShallow(v, depth)
		return ok
	})
	return ok
}

func valueShallow(v pcommon.Value, depth int) bool {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		return depth <= MaxNesting && shallow(v.Map(), depth+1)
	case pcommon.ValueTypeSlice:
		if depth > MaxNesting {
			return false
		}
		sl := v.Slice()
		for i := 0; i < sl.Len(); i++ {
			if !valueShallow(sl.At(i), depth+1) {
				return false
			}
		}
	}
	return true
}
