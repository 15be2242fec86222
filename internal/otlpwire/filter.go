package otlpwire

import (
	"bytes"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
)

// Filter returns body (which Validate accepted) without the spans keep
// refuses, and how many spans it kept. A ScopeSpans or ResourceSpans left
// with no span is dropped, as the pdata path's RemoveIf drops them; every
// other field is copied byte for byte, so a sampled request is cut without
// being decoded. DeprecatedScopeSpans (field 1000) are filtered where pdata
// reads them (a ResourceSpans without ScopeSpans) and dropped where it
// ignores them. sp passed to keep is reused between calls. Safe for
// concurrent use.
func Filter(body []byte, keep func(sp *Span) bool) ([]byte, int) {
	f := filters.Get().(*filter)
	defer filters.Put(f)
	f.keep, f.kept, f.top = keep, 0, f.top[:0]
	rawFields(body, func(num protowire.Number, typ protowire.Type, payload, raw []byte) {
		if num != 1 || typ != protowire.BytesType {
			f.top = append(f.top, raw...)
			return
		}
		if rs, n := f.resource(payload); n > 0 {
			f.kept += n
			f.top = protowire.AppendBytes(protowire.AppendTag(f.top, 1, protowire.BytesType), rs)
		}
	})
	f.keep = nil
	if len(f.top) == 0 {
		return nil, 0
	}
	return bytes.Clone(f.top), f.kept // the only allocation: the buffers are reused
}

// filter holds Filter's buffers, one per nesting level, reused between
// requests: a message's length prefix comes before it, so each level is
// built apart and then copied into its parent.
type filter struct {
	keep            func(*Span) bool
	kept            int
	sp              Span
	top, res, scope []byte
}

var filters = sync.Pool{New: func() any { return new(filter) }}

func (f *filter) resource(rs []byte) ([]byte, int) {
	scopes := protowire.Number(2)
	if !has(rs, 2) {
		scopes = 1000
	}
	f.res = f.res[:0]
	kept := 0
	rawFields(rs, func(num protowire.Number, typ protowire.Type, payload, raw []byte) {
		if (num != 2 && num != 1000) || typ != protowire.BytesType {
			f.res = append(f.res, raw...)
			return
		}
		if num != scopes {
			return // pdata ignores these: their spans are not the request's
		}
		if ss, n := f.scopeSpans(payload); n > 0 {
			kept += n
			f.res = protowire.AppendBytes(protowire.AppendTag(f.res, num, protowire.BytesType), ss)
		}
	})
	return f.res, kept
}

func (f *filter) scopeSpans(ss []byte) ([]byte, int) {
	f.scope = f.scope[:0]
	kept := 0
	rawFields(ss, func(num protowire.Number, typ protowire.Type, payload, raw []byte) {
		if num == 2 && typ == protowire.BytesType {
			if f.sp.read(payload); !f.keep(&f.sp) {
				return
			}
			kept++
		}
		f.scope = append(f.scope, raw...)
	})
	return f.scope, kept
}

// rawFields calls fn for every field of msg (which Validate accepted) with
// its number, its payload (bytes fields) and its whole encoding.
func rawFields(msg []byte, fn func(num protowire.Number, typ protowire.Type, payload, raw []byte)) {
	for len(msg) > 0 {
		num, typ, rest, err := consumeTag(msg)
		if err != nil {
			return // Validate accepted msg: not reached
		}
		var payload []byte
		switch typ {
		case protowire.VarintType, protowire.Fixed64Type, protowire.Fixed32Type, protowire.BytesType:
			_, payload, rest, err = consumePayload(typ, rest)
		default:
			rest, err = consumeUnknown(rest, typ)
		}
		if err != nil {
			return
		}
		fn(num, typ, payload, msg[:len(msg)-len(rest)])
		msg = rest
	}
}
