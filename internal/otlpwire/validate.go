package otlpwire

import (
	"fmt"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
)

// MaxNesting is the receivers' bound on attribute values nested in maps and
// arrays (pdata's protobuf decoder allows 32 levels of maps; see
// receiver.MaxNesting, which this mirrors).
const MaxNesting = 32

// NestingError is a request whose attribute values nest deeper than
// MaxNesting; Where says which attributes ("a span attribute", ...).
type NestingError struct{ Where string }

func (e *NestingError) Error() string {
	return fmt.Sprintf("%s is nested deeper than %d levels of maps and arrays; no platform would accept it", e.Where, MaxNesting)
}

// Validate checks an ExportTraceServiceRequest as pdata's decoder does and
// the receivers' nesting bound. Spans may only be read from a valid body.
func Validate(body []byte) error { return Read(body, nil) }

// Read validates body as Validate does and, in the same pass over its
// bytes, calls perResource (when not nil) for every ResourceSpans and the
// function it returns for every span under it, in pdata's order,
// with the span's attributes already read. The callbacks see the spans of
// an invalid body up to the error: a caller must not act on what they saw
// until Read returns nil. sp is reused between calls.
func Read(body []byte, perResource func(res Resource) func(sp *Span)) error {
	sp := spans.Get().(*Span)
	defer release(sp)
	return walk(body, func(f field) (bool, error) {
		if f.num != 1 {
			return false, nil
		}
		if err := want(f, protowire.BytesType, "ResourceSpans"); err != nil {
			return true, err
		}
		return true, readResourceSpans(f.data, perResource, sp)
	})
}

// spans are Read's span buffers: their attribute lists are reused.
var spans = sync.Pool{New: func() any { return new(Span) }}

// release pools sp without the slices of a body it still points into, so a
// pooled span keeps no request alive.
func release(sp *Span) {
	clear(sp.attrs[:cap(sp.attrs)])
	sp.reset(nil)
	spans.Put(sp)
}

// readResourceSpans validates a ResourceSpans; with perResource, it reads
// the spans pdata keeps: those of ScopeSpans (field 2), or of the
// deprecated field 1000 when there is no field 2, which pdata migrates.
func readResourceSpans(b []byte, perResource func(Resource) func(*Span), sp *Span) error {
	var fn func(*Span)
	scopes := protowire.Number(2)
	if perResource != nil {
		if !has(b, 2) {
			scopes = 1000
		}
		fn = perResource(Resource{msg: b})
	}
	return walk(b, func(f field) (bool, error) {
		switch f.num {
		case 1:
			return true, firstErr(want(f, protowire.BytesType, "Resource"), validateResource(f.data))
		case 2, 1000:
			if err := want(f, protowire.BytesType, "ScopeSpans"); err != nil {
				return true, err
			}
			if f.num != scopes {
				return true, readScopeSpans(f.data, nil, sp)
			}
			return true, readScopeSpans(f.data, fn, sp)
		case 3:
			return true, want(f, protowire.BytesType, "SchemaUrl")
		}
		return false, nil
	})
}

func validateResource(b []byte) error {
	return walk(b, func(f field) (bool, error) {
		switch f.num {
		case 1:
			return true, firstErr(want(f, protowire.BytesType, "Attributes"), fastKeyValue(f.data, 0, 1, "a resource attribute"))
		case 2:
			return true, want(f, protowire.VarintType, "DroppedAttributesCount")
		case 3:
			return true, firstErr(want(f, protowire.BytesType, "EntityRefs"), validateEntityRef(f.data))
		}
		return false, nil
	})
}

func validateEntityRef(b []byte) error {
	return walk(b, func(f field) (bool, error) {
		if f.num >= 1 && f.num <= 4 {
			return true, want(f, protowire.BytesType, "EntityRef")
		}
		return false, nil
	})
}

// readScopeSpans validates a ScopeSpans and calls fn (when not nil) for
// each of its spans.
func readScopeSpans(b []byte, fn func(*Span), sp *Span) error {
	return walk(b, func(f field) (bool, error) {
		switch f.num {
		case 1:
			return true, firstErr(want(f, protowire.BytesType, "Scope"), validateScope(f.data))
		case 2:
			if err := want(f, protowire.BytesType, "Spans"); err != nil {
				return true, err
			}
			if err := sp.readSpan(f.data); err != nil {
				return true, err
			}
			if fn != nil {
				fn(sp)
			}
			return true, nil
		case 3:
			return true, want(f, protowire.BytesType, "SchemaUrl")
		}
		return false, nil
	})
}

func validateScope(b []byte) error {
	return walk(b, func(f field) (bool, error) {
		switch f.num {
		case 1, 2:
			return true, want(f, protowire.BytesType, "Name")
		case 3:
			return true, firstErr(want(f, protowire.BytesType, "Attributes"), fastKeyValue(f.data, 0, 1, "a scope attribute"))
		case 4:
			return true, want(f, protowire.VarintType, "DroppedAttributesCount")
		}
		return false, nil
	})
}

func validateEvent(b []byte) error {
	return walk(b, func(f field) (bool, error) {
		switch f.num {
		case 1:
			return true, want(f, protowire.Fixed64Type, "TimeUnixNano")
		case 2:
			return true, want(f, protowire.BytesType, "Name")
		case 3:
			return true, firstErr(want(f, protowire.BytesType, "Attributes"), fastKeyValue(f.data, 0, 1, "a span attribute"))
		case 4:
			return true, want(f, protowire.VarintType, "DroppedAttributesCount")
		}
		return false, nil
	})
}

func validateLink(b []byte) error {
	return walk(b, func(f field) (bool, error) {
		switch f.num {
		case 1:
			return true, firstErr(want(f, protowire.BytesType, "TraceId"), idLength(f.data, 16))
		case 2:
			return true, firstErr(want(f, protowire.BytesType, "SpanId"), idLength(f.data, 8))
		case 3:
			return true, want(f, protowire.BytesType, "TraceState")
		case 4:
			return true, firstErr(want(f, protowire.BytesType, "Attributes"), fastKeyValue(f.data, 0, 1, "a span attribute"))
		case 5:
			return true, want(f, protowire.VarintType, "DroppedAttributesCount")
		case 6:
			return true, want(f, protowire.Fixed32Type, "Flags")
		}
		return false, nil
	})
}

func validateStatus(b []byte) error {
	return walk(b, func(f field) (bool, error) {
		switch f.num {
		case 2:
			return true, want(f, protowire.BytesType, "Message")
		case 3:
			return true, want(f, protowire.VarintType, "Code")
		}
		return false, nil
	})
}

// validateList checks an ArrayValue (AnyValues) or a KeyValueList
// (KeyValues): pdata's frames, and the receivers' rule that a map may sit at
// level MaxNesting at most and an array's elements at MaxNesting+1.
func validateList(b []byte, depth, level int, where string, kv bool) error {
	if depth >= recursionLimit {
		return errDepth
	}
	depth++
	var nestErr error
	if level > MaxNesting {
		nestErr = &NestingError{Where: where}
	}
	err := walk(b, func(f field) (bool, error) {
		if f.num != 1 {
			return false, nil
		}
		if err := want(f, protowire.BytesType, "Values"); err != nil {
			return true, err
		}
		if kv {
			return true, fastKeyValue(f.data, depth, level+1, where)
		}
		return true, fastAnyValue(f.data, depth, level+1, where)
	})
	if err != nil {
		return err
	}
	return nestErr
}

func idLength(b []byte, n int) error {
	if len(b) != 0 && len(b) != n {
		return fmt.Errorf("invalid length %d for a %d-byte id", len(b), n)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
