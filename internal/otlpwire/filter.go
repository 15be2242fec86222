package otlpwire

import "google.golang.org/protobuf/encoding/protowire"

// Filter returns body (which Validate accepted) without the spans keep
// refuses, and how many spans it kept. A ScopeSpans or ResourceSpans left
// with no span is dropped, as the pdata path's RemoveIf drops them; every
// other field is copied byte for byte, so a sampled request is cut without
// being decoded. DeprecatedScopeSpans (field 1000) are filtered where pdata
// reads them (a ResourceSpans without ScopeSpans) and dropped where it
// ignores them. sp passed to keep is reused between calls.
func Filter(body []byte, keep func(sp *Span) bool) ([]byte, int) {
	out := make([]byte, 0, len(body))
	kept := 0
	var sp Span
	rawFields(body, func(num protowire.Number, typ protowire.Type, payload, raw []byte) {
		if num != 1 || typ != protowire.BytesType {
			out = append(out, raw...)
			return
		}
		rs, n := filterResource(payload, keep, &sp)
		if n > 0 {
			kept += n
			out = protowire.AppendBytes(protowire.AppendTag(out, 1, protowire.BytesType), rs)
		}
	})
	return out, kept
}

func filterResource(rs []byte, keep func(*Span) bool, sp *Span) ([]byte, int) {
	scopes := protowire.Number(2)
	if !has(rs, 2) {
		scopes = 1000
	}
	var out []byte
	kept := 0
	rawFields(rs, func(num protowire.Number, typ protowire.Type, payload, raw []byte) {
		if (num != 2 && num != 1000) || typ != protowire.BytesType {
			out = append(out, raw...)
			return
		}
		if num != scopes {
			return // pdata ignores these: their spans are not the request's
		}
		ss, n := filterScope(payload, keep, sp)
		if n > 0 {
			kept += n
			out = protowire.AppendBytes(protowire.AppendTag(out, num, protowire.BytesType), ss)
		}
	})
	return out, kept
}

func filterScope(ss []byte, keep func(*Span) bool, sp *Span) ([]byte, int) {
	var out []byte
	kept := 0
	rawFields(ss, func(num protowire.Number, typ protowire.Type, payload, raw []byte) {
		if num == 2 && typ == protowire.BytesType {
			if sp.read(payload); !keep(sp) {
				return
			}
			kept++
		}
		out = append(out, raw...)
	})
	return out, kept
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
