package receiver

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
)

// MaxNesting is the deepest attribute value (maps and arrays inside maps and
// arrays) a request may hold, whatever its encoding. pdata's protobuf
// decoder stops at 100 message frames, which is 32 levels of maps, while its
// JSON decoder has no bound, so a deep JSON request used to be acknowledged
// and then never be deliverable (the platforms' protobuf decoders refuse it
// too). Both encodings are now held to the protobuf bound.
const MaxNesting = 32

// decodeTraces decodes an OTLP traces request in the encoding ct names and
// refuses what could never be delivered.
func decodeTraces(ct string, body []byte) (ptrace.Traces, error) {
	req := ptraceotlp.NewExportRequest()
	if err := unmarshal(ct, body, req.UnmarshalProto, req.UnmarshalJSON); err != nil {
		return ptrace.Traces{}, fmt.Errorf("cannot decode the OTLP traces request: %w", err)
	}
	td := req.Traces()
	if err := checkTraceNesting(td); err != nil {
		return ptrace.Traces{}, err
	}
	return td, nil
}

// WireConsumer is a Consumer that can also process a protobuf traces
// request from its bytes, when WireOK says nothing downstream needs the
// decoded data (pipeline.Pipeline: no destination, sampling keeps all).
type WireConsumer interface {
	WireOK() bool
	ConsumeWire(ctx context.Context, body []byte) (int, pipeline.Result, error)
}

// consumeTraces hands a traces request to c: straight from its bytes when
// c can take them, else decoded. It returns the request's span count, and
// a decode error (the request is refused as undecodable) apart from a
// processing error.
func consumeTraces(ctx context.Context, c Consumer, ct string, body []byte) (int, pipeline.Result, error, error) {
	if wc, ok := c.(WireConsumer); ok && ct == ctProto && wc.WireOK() {
		n, res, err := wc.ConsumeWire(ctx, body)
		var de *pipeline.DecodeError
		if errors.As(err, &de) {
			return 0, pipeline.Result{}, de, nil
		}
		return n, res, nil, err
	}
	td, err := decodeTraces(ct, body)
	if err != nil {
		return 0, pipeline.Result{}, err, nil
	}
	n := td.SpanCount()
	res, err := c.ConsumeTraces(ctx, td)
	return n, res, nil, err
}

// decodeMetrics decodes an OTLP metrics request in the encoding ct names.
func decodeMetrics(ct string, body []byte) (pmetric.Metrics, error) {
	req := pmetricotlp.NewExportRequest()
	if err := unmarshal(ct, body, req.UnmarshalProto, req.UnmarshalJSON); err != nil {
		return pmetric.Metrics{}, fmt.Errorf("cannot decode the OTLP metrics request: %w", err)
	}
	return req.Metrics(), nil
}

// unmarshal decodes body in the encoding its content type names.
func unmarshal(ct string, body []byte, fromProto, fromJSON func([]byte) error) error {
	if ct == ctJSON {
		return fromJSON(body)
	}
	return fromProto(body)
}

// checkTraceNesting walks every attribute map of td (resource, scope, span,
// event, link) and refuses values nested deeper than MaxNesting. Scalar
// attributes cost one type check each.
func checkTraceNesting(td ptrace.Traces) error {
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

func nestingError(where string) error {
	return fmt.Errorf("%s is nested deeper than %d levels of maps and arrays; no platform would accept it", where, MaxNesting)
}

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
