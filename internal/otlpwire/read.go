package otlpwire

import (
	"encoding/binary"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"google.golang.org/protobuf/encoding/protowire"
)

// ValueType is an attribute value's kind, as pcommon.ValueType names them.
type ValueType uint8

// The value types; Empty also stands for pdata's string-table indexes.
const (
	Empty ValueType = iota
	Str
	Bool
	Int
	Double
	Map
	Slice
	Bytes
)

// Value is an attribute value. Str and Bytes alias the request body.
type Value struct {
	Type   ValueType
	Raw    []byte // Str and Bytes
	Int    int64
	Double float64
	Bool   bool
}

// Resource is one ResourceSpans of a validated request.
type Resource struct{ msg []byte }

// Span is one span of a validated request: its scalar fields, decoded; its
// attributes and events, read on demand. Name and StatusMessage alias the
// request body.
type Span struct {
	TraceID       [16]byte
	SpanID        [8]byte
	ParentSpanID  [8]byte
	Name          []byte
	Kind          int32
	Start, End    uint64
	StatusCode    int32
	StatusMessage []byte
	msg           []byte
	// attrs are the span's attributes when collected (Read reads them
	// while validating); else Attributes reads them from msg.
	attrs     []attr
	collected bool
}

type attr struct {
	key []byte
	v   Value
}

// reset makes s the span msg, keeping attrs' storage.
func (s *Span) reset(msg []byte) {
	*s = Span{msg: msg, attrs: s.attrs[:0]}
}

// Attributes calls fn for every resource attribute, in order, until fn
// returns false.
func (r Resource) Attributes(fn func(key []byte, v Value) bool) {
	cont := true
	each(r.msg, 1, func(res []byte) {
		if cont {
			cont = attributes(res, 1, fn)
		}
	})
}

// Attributes calls fn for every span attribute, in order, until fn returns
// false.
func (s *Span) Attributes(fn func(key []byte, v Value) bool) {
	if !s.collected {
		attributes(s.msg, 9, fn)
		return
	}
	for i := range s.attrs {
		if !fn(s.attrs[i].key, s.attrs[i].v) {
			return
		}
	}
}

// Events calls fn with the name of every event and a function that walks
// its attributes, until fn returns false.
func (s *Span) Events(fn func(name []byte, attrs func(func(key []byte, v Value) bool)) bool) {
	cont := true
	each(s.msg, 11, func(ev []byte) {
		if !cont {
			return
		}
		var name []byte
		each(ev, 2, func(n []byte) { name = n })
		cont = fn(name, func(afn func([]byte, Value) bool) { attributes(ev, 3, afn) })
	})
}

func (s *Span) read(msg []byte) {
	s.reset(msg)
	b := msg
	for len(b) > 0 {
		num, typ, rest, err := tag(b)
		if err != nil {
			return // Validate accepted msg: not reached
		}
		var data []byte
		var v uint64
		switch {
		case typ == protowire.BytesType:
			data, rest, err = bytesField(rest)
		case typ == protowire.VarintType:
			v, rest, err = varintField(rest)
		case typ == protowire.Fixed64Type && len(rest) >= 8:
			v, rest = binary.LittleEndian.Uint64(rest), rest[8:]
		default:
			rest, err = consumeUnknown(rest, typ)
		}
		if err != nil {
			return
		}
		b = rest
		s.set(num, data, v)
	}
}

// set applies a span's scalar field num (ids, name, kind, times, status);
// a repeated field: the last wins, a repeated status merges, as in pdata.
func (s *Span) set(num int32, data []byte, x uint64) {
	switch num {
	case 1:
		s.TraceID = [16]byte{}
		copy(s.TraceID[:], data)
	case 2:
		s.SpanID = id8(data)
	case 4:
		s.ParentSpanID = id8(data)
	case 5:
		s.Name = data
	case 6:
		s.Kind = int32(x)
	case 7:
		s.Start = x
	case 8:
		s.End = x
	case 15:
		s.readStatus(data)
	}
}

// readStatus applies a Status message; a repeated one merges, as in pdata.
func (s *Span) readStatus(msg []byte) {
	each2(msg, func(num int32, data []byte, v uint64) {
		switch num {
		case 2:
			s.StatusMessage = data
		case 3:
			s.StatusCode = int32(v)
		}
	})
}

func id8(b []byte) [8]byte {
	var id [8]byte
	copy(id[:], b)
	return id
}

// attributes walks the KeyValues in field num of msg.
func attributes(msg []byte, num protowire.Number, fn func(key []byte, v Value) bool) bool {
	b := msg
	for len(b) > 0 {
		n, typ, rest, err := tag(b)
		if err != nil {
			return true
		}
		if typ != protowire.BytesType {
			if rest, err = consumeUnknown(rest, typ); err != nil {
				return true
			}
			b = rest
			continue
		}
		data, rest, err := bytesField(rest)
		if err != nil {
			return true
		}
		b = rest
		if protowire.Number(n) == num {
			key, v := keyValue(data)
			if !fn(key, v) {
				return false
			}
		}
	}
	return true
}

// keyValue reads a KeyValue: the last key wins, and a repeated value
// merges into one, as in pdata.
func keyValue(msg []byte) (key []byte, v Value) {
	b := msg
	for len(b) > 0 {
		num, typ, rest, err := tag(b)
		if err != nil {
			break
		}
		if typ != protowire.BytesType {
			if rest, err = consumeUnknown(rest, typ); err != nil {
				break
			}
			b = rest
			continue
		}
		data, rest, err := bytesField(rest)
		if err != nil {
			break
		}
		b = rest
		switch num {
		case 1:
			key = data
		case 2:
			readValue(data, &v)
		}
	}
	return key, v
}

// readValue applies an AnyValue's fields to v; the last one set wins, as
// with pdata's oneof.
//
// The field read (tag, then a bytes, varint or fixed64 payload, else skip)
// is written out here, in Span.read and in each2 on purpose: one helper
// returning the six results made the reader ~8% slower on Dify-shaped
// requests (BenchmarkRead, interleaved runs), and this is the hot path.
func readValue(b []byte, v *Value) {
	for len(b) > 0 {
		num, typ, rest, err := tag(b)
		if err != nil {
			return
		}
		var data []byte
		var x uint64
		switch {
		case typ == protowire.BytesType:
			data, rest, err = bytesField(rest)
		case typ == protowire.VarintType:
			x, rest, err = varintField(rest)
		case typ == protowire.Fixed64Type && len(rest) >= 8:
			x, rest = binary.LittleEndian.Uint64(rest), rest[8:]
		default:
			rest, err = consumeUnknown(rest, typ)
			num = 0 // not a value field
		}
		if err != nil {
			return
		}
		b = rest
		setValue(v, num, data, x)
	}
}

// each2 calls fn for every varint, fixed64 and bytes field of a validated
// msg (groups and fixed32 fields are skipped).
func each2(msg []byte, fn func(num int32, data []byte, v uint64)) {
	b := msg
	for len(b) > 0 {
		num, typ, rest, err := tag(b)
		if err != nil {
			return
		}
		var data []byte
		var v uint64
		switch {
		case typ == protowire.BytesType:
			data, rest, err = bytesField(rest)
		case typ == protowire.VarintType:
			v, rest, err = varintField(rest)
		case typ == protowire.Fixed64Type && len(rest) >= 8:
			v, rest = binary.LittleEndian.Uint64(rest), rest[8:]
		default:
			rest, err = consumeUnknown(rest, typ)
			typ = protowire.StartGroupType // not a field fn sees
		}
		if err != nil {
			return
		}
		b = rest
		if typ == protowire.BytesType || typ == protowire.VarintType || typ == protowire.Fixed64Type {
			fn(num, data, v)
		}
	}
}

// each calls fn with the payload of every bytes field num of msg.
func each(msg []byte, num protowire.Number, fn func([]byte)) {
	each2(msg, func(n int32, data []byte, _ uint64) {
		if protowire.Number(n) == num && data != nil {
			fn(data)
		}
	})
}

// has reports whether msg has a bytes field num.
func has(msg []byte, num protowire.Number) bool {
	found := false
	each(msg, num, func([]byte) { found = true })
	return found
}

// Pcommon converts v to a pcommon.Value (allocating; for the rare value a
// caller needs whole, such as a map's string form).
func (v Value) Pcommon() pcommon.Value {
	out := pcommon.NewValueEmpty()
	v.copyTo(out)
	return out
}

func (v Value) copyTo(out pcommon.Value) {
	switch v.Type {
	case Str:
		out.SetStr(string(v.Raw))
	case Bool:
		out.SetBool(v.Bool)
	case Int:
		out.SetInt(v.Int)
	case Double:
		out.SetDouble(v.Double)
	case Bytes:
		out.SetEmptyBytes().FromRaw(v.Raw)
	case Slice:
		sl := out.SetEmptySlice()
		each(v.Raw, 1, func(av []byte) {
			var e Value
			readValue(av, &e)
			e.copyTo(sl.AppendEmpty())
		})
	case Map:
		m := out.SetEmptyMap()
		attributes(v.Raw, 1, func(k []byte, e Value) bool {
			// A repeated key: the last value wins, as in pdata's AsRaw.
			e.copyTo(m.PutEmpty(string(k)))
			return true
		})
	}
}
