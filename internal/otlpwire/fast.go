package otlpwire

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The hot loops: tags and lengths are read inline (one-byte varints need no
// call), known fields are matched on number and wire type at once, and
// everything else goes through consumeUnknown, which holds pdata's rules.

// tag reads a tag at the start of b.
func tag(b []byte) (int32, protowire.Type, []byte, error) {
	if len(b) > 0 && b[0] < 0x80 {
		t := b[0]
		if t>>3 == 0 {
			return 0, 0, nil, fmt.Errorf("proto: illegal field=0 (tag=%d)", t)
		}
		return int32(t >> 3), protowire.Type(t & 7), b[1:], nil
	}
	num, typ, rest, err := consumeTag(b)
	return int32(num), typ, rest, err
}

// bytesField reads a length-delimited payload at the start of b.
func bytesField(b []byte) (data, rest []byte, err error) {
	if len(b) > 0 && b[0] < 0x80 {
		l := int(b[0])
		if 1+l > len(b) {
			return nil, nil, errTruncated
		}
		return b[1 : 1+l], b[1+l:], nil
	}
	_, data, rest, err = consumePayload(protowire.BytesType, b)
	return data, rest, err
}

// varintField skips a varint payload at the start of b, returning its value.
func varintField(b []byte) (uint64, []byte, error) {
	v, n, err := consumeVarint(b)
	if err != nil {
		return 0, nil, err
	}
	return v, b[n:], nil
}

func wrongType(num int32, typ protowire.Type) error {
	return fmt.Errorf("proto: wrong wireType = %d for field %d", typ, num)
}

// fastKeyValue validates a KeyValue.
func fastKeyValue(b []byte, depth, level int, where string) error {
	_, _, err := readKeyValue(b, depth, level, where)
	return err
}

// readKeyValue validates a KeyValue as pdata does and reads it in the same
// pass, as keyValue does: the last key wins, a repeated value merges.
func readKeyValue(b []byte, depth, level int, where string) (key []byte, v Value, err error) {
	if depth >= recursionLimit {
		return nil, v, errDepth
	}
	depth++
	for len(b) > 0 {
		num, typ, rest, err := tag(b)
		if err != nil {
			return nil, v, err
		}
		switch num {
		case 1:
			if typ != protowire.BytesType {
				return nil, v, wrongType(num, typ)
			}
			key, rest, err = bytesField(rest)
		case 2:
			if typ != protowire.BytesType {
				return nil, v, wrongType(num, typ)
			}
			var data []byte
			if data, rest, err = bytesField(rest); err == nil {
				err = readAnyValue(data, depth, level, where, &v)
			}
		case 3:
			if typ != protowire.VarintType {
				return nil, v, wrongType(num, typ)
			}
			_, rest, err = varintField(rest)
		default:
			rest, err = consumeUnknown(rest, typ)
		}
		if err != nil {
			return nil, v, err
		}
		b = rest
	}
	return key, v, nil
}

// fastAnyValue validates an AnyValue.
func fastAnyValue(b []byte, depth, level int, where string) error {
	var v Value
	return readAnyValue(b, depth, level, where, &v)
}

// readAnyValue validates an AnyValue as pdata does and applies its fields
// to v in the same pass, as readValue does (the last one set wins).
func readAnyValue(b []byte, depth, level int, where string, v *Value) error {
	if depth >= recursionLimit {
		return errDepth
	}
	depth++
	for len(b) > 0 {
		num, typ, rest, err := tag(b)
		if err != nil {
			return err
		}
		var data []byte
		var x uint64
		switch num {
		case 1, 7:
			if typ != protowire.BytesType {
				return wrongType(num, typ)
			}
			data, rest, err = bytesField(rest)
		case 2, 3, 8:
			if typ != protowire.VarintType {
				return wrongType(num, typ)
			}
			x, rest, err = varintField(rest)
		case 4:
			if typ != protowire.Fixed64Type {
				return wrongType(num, typ)
			}
			if len(rest) < 8 {
				return errTruncated
			}
			x, rest = binary.LittleEndian.Uint64(rest), rest[8:]
		case 5, 6:
			if typ != protowire.BytesType {
				return wrongType(num, typ)
			}
			if data, rest, err = bytesField(rest); err == nil {
				err = validateList(data, depth, level, where, num == 6)
			}
		default:
			rest, err = consumeUnknown(rest, typ)
			num = 0 // not a value field
		}
		if err != nil {
			return err
		}
		b = rest
		setValue(v, num, data, x)
	}
	return nil
}

// setValue applies AnyValue field num (payload data or x) to v.
func setValue(v *Value, num int32, data []byte, x uint64) {
	switch num {
	case 1:
		*v = Value{Type: Str, Raw: data}
	case 2:
		*v = Value{Type: Bool, Bool: x != 0}
	case 3:
		*v = Value{Type: Int, Int: int64(x)}
	case 4:
		*v = Value{Type: Double, Double: math.Float64frombits(x)}
	case 5:
		*v = Value{Type: Slice, Raw: data}
	case 6:
		*v = Value{Type: Map, Raw: data}
	case 7:
		*v = Value{Type: Bytes, Raw: data}
	case 8:
		*v = Value{}
	}
}

// readSpan validates a Span as pdata does and, in the same pass, reads
// its scalar fields into s and collects its attributes for s.Attributes:
// one walk over the span's bytes where Validate and then read took two.
func (s *Span) readSpan(b []byte) error {
	s.reset(b)
	s.collected = true
	for len(b) > 0 {
		num, typ, rest, err := tag(b)
		if err != nil {
			return err
		}
		var data []byte
		var x uint64
		switch num {
		case 1, 2, 3, 4, 5, 9, 11, 13, 15:
			if typ != protowire.BytesType {
				return wrongType(num, typ)
			}
			data, rest, err = bytesField(rest)
		case 6, 10, 12, 14:
			if typ != protowire.VarintType {
				return wrongType(num, typ)
			}
			x, rest, err = varintField(rest)
		case 7, 8:
			if typ != protowire.Fixed64Type {
				return wrongType(num, typ)
			}
			if len(rest) < 8 {
				return errTruncated
			}
			x, rest = binary.LittleEndian.Uint64(rest), rest[8:]
		case 16:
			if typ != protowire.Fixed32Type {
				return wrongType(num, typ)
			}
			if len(rest) < 4 {
				return errTruncated
			}
			rest = rest[4:]
		default:
			rest, err = consumeUnknown(rest, typ)
			num = 0
		}
		if err == nil {
			err = s.apply(num, data, x)
		}
		if err != nil {
			return err
		}
		b = rest
	}
	return nil
}

// apply checks span field num, already read off the wire, and applies it:
// the scalars as Span.read does, the attributes collected.
func (s *Span) apply(num int32, data []byte, x uint64) error {
	s.set(num, data, x)
	switch num {
	case 1:
		return idLength(data, 16)
	case 2, 4:
		return idLength(data, 8)
	case 9:
		key, v, err := readKeyValue(data, 0, 1, "a span attribute")
		if err != nil {
			return err
		}
		s.attrs = append(s.attrs, attr{key: key, v: v})
	case 11:
		return validateEvent(data)
	case 13:
		return validateLink(data)
	case 15:
		return validateStatus(data)
	}
	return nil
}
