// Package otlpwire reads an OTLP ExportTraceServiceRequest straight from its
// protobuf bytes: no data model is built, nothing is allocated per span,
// and fields nobody asked for (prompts, completions, events) are skipped by
// their length. It accepts and refuses exactly what pdata's decoder does
// (FuzzAgreesWithPdata holds it to that, down to pdata's varint and group
// quirks), so a receiver can use it in pdata's place when all it needs is
// each span's ids, times, status and a few attributes.
package otlpwire

import (
	"encoding/binary"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// recursionLimit is pdata's bound on nested KeyValue/AnyValue/ArrayValue/
// KeyValueList frames (its proto.RecursionLimit).
const recursionLimit = 100

var (
	errTruncated = errors.New("proto: unexpected end of data")
	errOverflow  = errors.New("proto: integer overflow")
	errLength    = errors.New("proto: negative length found during unmarshaling")
	errDepth     = errors.New("proto: exceeded max recursion depth")
	errEndGroup  = errors.New("proto: unexpected end of group")
)

// field is one tag with its payload (groups and illegal types carry none).
type field struct {
	num  protowire.Number
	typ  protowire.Type
	v    uint64 // varint, fixed32 and fixed64 payloads
	data []byte // bytes payload
}

// consumeVarint reads a varint as pdata does: up to ten bytes, the bits past
// 64 dropped. protowire.ConsumeVarint refuses a tenth byte above 1, which
// pdata accepts, and the two readers must agree on every input.
func consumeVarint(b []byte) (uint64, int, error) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1, nil
	}
	return consumeLongVarint(b)
}

func consumeLongVarint(b []byte) (uint64, int, error) {
	var v uint64
	for i, shift := 0, uint(0); ; i, shift = i+1, shift+7 {
		if shift >= 64 {
			return 0, 0, errOverflow
		}
		if i >= len(b) {
			return 0, 0, errTruncated
		}
		c := b[i]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, i + 1, nil
		}
	}
}

// consumeTag reads a tag as pdata does: the field number is int32(tag>>3)
// (a number past 2^31 wraps) and must be positive.
func consumeTag(b []byte) (protowire.Number, protowire.Type, []byte, error) {
	tag, n, err := consumeVarint(b)
	if err != nil {
		return 0, 0, nil, err
	}
	num := int32(tag >> 3)
	if num <= 0 {
		return 0, 0, nil, fmt.Errorf("proto: illegal field=%d (tag=%d)", num, tag)
	}
	return protowire.Number(num), protowire.Type(tag & 7), b[n:], nil
}

// consumePayload reads the payload of a varint, fixed64, bytes or fixed32
// field.
func consumePayload(typ protowire.Type, b []byte) (v uint64, data, rest []byte, err error) {
	switch typ {
	case protowire.VarintType:
		v, n, err := consumeVarint(b)
		if err != nil {
			return 0, nil, nil, err
		}
		return v, nil, b[n:], nil
	case protowire.Fixed64Type:
		if len(b) < 8 {
			return 0, nil, nil, errTruncated
		}
		return binary.LittleEndian.Uint64(b), nil, b[8:], nil
	case protowire.Fixed32Type:
		if len(b) < 4 {
			return 0, nil, nil, errTruncated
		}
		return uint64(binary.LittleEndian.Uint32(b)), nil, b[4:], nil
	case protowire.BytesType:
		l, n, err := consumeVarint(b)
		if err != nil {
			return 0, nil, nil, err
		}
		length := int(l)
		if length < 0 {
			return 0, nil, nil, errLength
		}
		end := n + length
		if end < 0 || end > len(b) {
			return 0, nil, nil, errTruncated
		}
		return 0, b[n:end], b[end:], nil
	}
	return 0, nil, nil, fmt.Errorf("proto: illegal wireType %d", typ)
}

// consumeUnknown skips an unknown field as pdata's proto.ConsumeUnknown
// does, quirks included: inside a group, the first field that is not
// itself a group ends the skip (the rest of the group is then read as the
// enclosing message's fields), and an end of group with no start is an
// error.
func consumeUnknown(b []byte, typ protowire.Type) ([]byte, error) {
	depth := 0
	for len(b) > 0 {
		switch typ {
		case protowire.StartGroupType:
			depth++
		case protowire.EndGroupType:
			if depth == 0 {
				return nil, errEndGroup
			}
			depth--
		default:
			_, _, rest, err := consumePayload(typ, b)
			return rest, err
		}
		if depth == 0 {
			return b, nil
		}
		var err error
		if _, typ, b, err = consumeTag(b); err != nil {
			return nil, err
		}
	}
	return nil, errTruncated
}

// walk calls fn for every field of msg. fn sees known fields and must
// check their wire type (want); it returns ok=false for a field it does not
// know, which is then skipped as pdata skips unknown fields.
func walk(msg []byte, fn func(f field) (ok bool, err error)) error {
	for len(msg) > 0 {
		num, typ, rest, err := consumeTag(msg)
		if err != nil {
			return err
		}
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType, protowire.Fixed64Type, protowire.Fixed32Type, protowire.BytesType:
			if f.v, f.data, rest, err = consumePayload(typ, rest); err != nil {
				return err
			}
			if _, err := fn(f); err != nil {
				return err
			}
		default:
			known, err := fn(f) // a known field refuses this wire type
			if err != nil {
				return err
			}
			if known {
				return fmt.Errorf("proto: wrong wireType = %d for field %d", typ, num)
			}
			if rest, err = consumeUnknown(rest, typ); err != nil {
				return err
			}
		}
		msg = rest
	}
	return nil
}

// want checks a known field's wire type, as pdata does.
func want(f field, t protowire.Type, name string) error {
	if f.typ != t {
		return fmt.Errorf("proto: wrong wireType = %d for field %s", f.typ, name)
	}
	return nil
}
