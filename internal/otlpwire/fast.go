package otlpwire

import (
	"fmt"

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

// fastKeyValue is validateKeyValue's loop.
func fastKeyValue(b []byte, depth, level int, where string) error {
	if depth >= recursionLimit {
		return errDepth
	}
	depth++
	for len(b) > 0 {
		num, typ, rest, err := tag(b)
		if err != nil {
			return err
		}
		switch num {
		case 1:
			if typ != protowire.BytesType {
				return wrongType(num, typ)
			}
			_, rest, err = bytesField(rest)
		case 2:
			if typ != protowire.BytesType {
				return wrongType(num, typ)
			}
			var data []byte
			if data, rest, err = bytesField(rest); err == nil {
				err = fastAnyValue(data, depth, level, where)
			}
		case 3:
			if typ != protowire.VarintType {
				return wrongType(num, typ)
			}
			_, rest, err = varintField(rest)
		default:
			rest, err = consumeUnknown(rest, typ)
		}
		if err != nil {
			return err
		}
		b = rest
	}
	return nil
}

// fastAnyValue is validateAnyValue's loop.
func fastAnyValue(b []byte, depth, level int, where string) error {
	if depth >= recursionLimit {
		return errDepth
	}
	depth++
	for len(b) > 0 {
		num, typ, rest, err := tag(b)
		if err != nil {
			return err
		}
		switch num {
		case 1, 7:
			if typ != protowire.BytesType {
				return wrongType(num, typ)
			}
			_, rest, err = bytesField(rest)
		case 2, 3, 8:
			if typ != protowire.VarintType {
				return wrongType(num, typ)
			}
			_, rest, err = varintField(rest)
		case 4:
			if typ != protowire.Fixed64Type {
				return wrongType(num, typ)
			}
			if len(rest) < 8 {
				return errTruncated
			}
			rest = rest[8:]
		case 5, 6:
			if typ != protowire.BytesType {
				return wrongType(num, typ)
			}
			var data []byte
			if data, rest, err = bytesField(rest); err == nil {
				err = validateList(data, depth, level, where, num == 6)
			}
		default:
			rest, err = consumeUnknown(rest, typ)
		}
		if err != nil {
			return err
		}
		b = rest
	}
	return nil
}

// fastSpan is validateSpan's loop.
func fastSpan(b []byte) error {
	for len(b) > 0 {
		num, typ, rest, err := tag(b)
		if err != nil {
			return err
		}
		var data []byte
		switch num {
		case 1, 2, 4:
			if typ != protowire.BytesType {
				return wrongType(num, typ)
			}
			if data, rest, err = bytesField(rest); err == nil {
				if num == 1 {
					err = idLength(data, 16)
				} else {
					err = idLength(data, 8)
				}
			}
		case 3, 5:
			if typ != protowire.BytesType {
				return wrongType(num, typ)
			}
			_, rest, err = bytesField(rest)
		case 6, 10, 12, 14:
			if typ != protowire.VarintType {
				return wrongType(num, typ)
			}
			_, rest, err = varintField(rest)
		case 7, 8:
			if typ != protowire.Fixed64Type {
				return wrongType(num, typ)
			}
			if len(rest) < 8 {
				return errTruncated
			}
			rest = rest[8:]
		case 16:
			if typ != protowire.Fixed32Type {
				return wrongType(num, typ)
			}
			if len(rest) < 4 {
				return errTruncated
			}
			rest = rest[4:]
		case 9, 11, 13, 15:
			if typ != protowire.BytesType {
				return wrongType(num, typ)
			}
			if data, rest, err = bytesField(rest); err == nil {
				switch num {
				case 9:
					err = fastKeyValue(data, 0, 1, "a span attribute")
				case 11:
					err = validateEvent(data)
				case 13:
					err = validateLink(data)
				case 15:
					err = validateStatus(data)
				}
			}
		default:
			rest, err = consumeUnknown(rest, typ)
		}
		if err != nil {
			return err
		}
		b = rest
	}
	return nil
}
