package otlpwire

import "google.golang.org/protobuf/encoding/protowire"

// eachSpan is the reader before Read: it walks a body Validate accepted
// again, reading each span with the tolerant reader (Span.read, as Filter
// does), in pdata's order: DeprecatedScopeSpans (field 1000) count only in
// a ResourceSpans without ScopeSpans. Kept for the tests, which hold this
// second reader to pdata too, and for BenchmarkRead's two-pass baseline.
func eachSpan(body []byte, fn func(res Resource, sp *Span)) {
	var sp Span
	each(body, 1, func(rs []byte) {
		scopes := protowire.Number(2)
		if !has(rs, 2) {
			scopes = 1000
		}
		res := Resource{msg: rs}
		each(rs, scopes, func(ss []byte) {
			each(ss, 2, func(s []byte) {
				sp.read(s)
				fn(res, &sp)
			})
		})
	})
}
