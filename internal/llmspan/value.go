package llmspan

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/llmops/terraform-provider-llmops/internal/otlpwire"
)

// value is an attribute value as the decoder reads it, from pdata or from
// the wire, so that one decoder serves both.
type value struct {
	typ otlpwire.ValueType
	s   string // Str only
	i   int64
	f   float64
	pv  pcommon.Value  // the pdata path: for AsString of other types
	wv  otlpwire.Value // the wire path
}

func fromPdata(v pcommon.Value) value {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return value{typ: otlpwire.Str, s: v.Str()}
	case pcommon.ValueTypeInt:
		return value{typ: otlpwire.Int, i: v.Int(), pv: v}
	case pcommon.ValueTypeDouble:
		return value{typ: otlpwire.Double, f: v.Double(), pv: v}
	}
	return value{typ: otlpwire.Empty, pv: v}
}

// fromWire views a wire value; a string is an unsafe view of the request
// body, valid while the request is processed (Span.own copies what stays).
func fromWire(v otlpwire.Value) value {
	switch v.Type {
	case otlpwire.Str:
		return value{typ: otlpwire.Str, s: view(v.Raw)}
	case otlpwire.Int:
		return value{typ: otlpwire.Int, i: v.Int, wv: v}
	case otlpwire.Double:
		return value{typ: otlpwire.Double, f: v.Double, wv: v}
	}
	return value{typ: otlpwire.Empty, wv: v}
}

// Str is the string, or "" for another type (pcommon.Value.Str).
func (v value) Str() string { return v.s }

// AsString is pcommon.Value.AsString.
func (v value) AsString() string {
	if v.typ == otlpwire.Str {
		return v.s
	}
	if v.pv != (pcommon.Value{}) {
		return v.pv.AsString()
	}
	return v.wv.Pcommon().AsString()
}
