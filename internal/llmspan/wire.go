package llmspan

import (
	"bytes"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/llmops/terraform-provider-llmops/internal/otlpwire"
)

// view is b as a string without a copy. It aliases the request body: only
// for values used while the request is processed (Span.Own copies the
// ones that stay).
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// FromWireResource reads a resource's attributes from the wire; the result
// aliases the request body until Own.
func FromWireResource(res otlpwire.Resource) Resource {
	var r Resource
	res.Attributes(func(k []byte, v otlpwire.Value) bool {
		r.attr(view(k), fromWire(v))
		return true
	})
	return r
}

// DecodeWire fills s from a span read off the wire, as Decode does from
// pdata. s's strings alias the request body: call s.Own(in) before keeping
// s past the request.
func DecodeWire(r Resource, sp *otlpwire.Span, s *Span) {
	s.Reset()
	s.Service, s.AppID, s.AppName = r.Service, r.AppID, r.AppName
	var d decoder
	sp.Attributes(func(k []byte, v otlpwire.Value) bool { return d.attr(view(k), fromWire(v)) })
	d.finish(pcommon.Timestamp(sp.Start), s)
	s.times(sp.Start, sp.End)
	if sp.StatusCode == int32(2) { // STATUS_CODE_ERROR
		s.IsError = true
	}
	if s.IsError {
		s.ErrorType = errorType(s.ErrorType, func() (string, string) { return wireException(sp) }, view(sp.StatusMessage))
	}
	s.serviceFallback(r)
}

// wireException is exception for a span read off the wire.
func wireException(sp *otlpwire.Span) (typ, msg string) {
	sp.Events(func(name []byte, attrs func(func([]byte, otlpwire.Value) bool)) bool {
		if !bytes.Equal(name, []byte("exception")) {
			return true
		}
		var gotType, gotMsg bool
		attrs(func(k []byte, v otlpwire.Value) bool {
			// pcommon.Map.Get returns the first match.
			switch {
			case !gotType && bytes.Equal(k, []byte("exception.type")):
				typ, gotType = fromWire(v).AsString(), true
			case !gotMsg && bytes.Equal(k, []byte("exception.message")):
				msg, gotMsg = fromWire(v).AsString(), true
			}
			return true
		})
		return false
	})
	return typ, msg
}

// Interner copies the strings a Span keeps out of a request body, once per
// distinct value: model, provider and app names repeat, so after warm-up
// nothing is allocated. It is not safe for concurrent use.
type Interner struct {
	m map[string]string
	// last are the values Own gave each field of the previous span (and
	// resource): consecutive spans mostly repeat them, and comparing two
	// short strings is cheaper than a map lookup.
	last    [9]string
	lastRes [4]string
}

// maxInterned bounds an Interner; past it, strings are copied unshared.
const maxInterned = 4096

func (in *Interner) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := in.m[s]; ok {
		return v
	}
	c := string(bytes.Clone(unsafe.Slice(unsafe.StringData(s), len(s))))
	if in.m == nil {
		in.m = map[string]string{}
	}
	if len(in.m) < maxInterned {
		in.m[c] = c
	}
	return c
}

// Own replaces every string of s that may alias a request body with a copy
// (shared through in), so s may outlive the request.
func (s *Span) Own(in *Interner) {
	fields := [...]*string{&s.Service, &s.AppID, &s.AppName, &s.Model, &s.Provider, &s.Operation, &s.ErrorType,
		&s.AuditAction, &s.AuditStatus}
	in.own(fields[:], in.last[:])
}

// Own is Span.Own for a Resource.
func (r *Resource) Own(in *Interner) {
	fields := [...]*string{&r.Service, &r.AppID, &r.AppName, &r.Project}
	in.own(fields[:], in.lastRes[:])
}

// own interns each field, first trying the value the same field had last.
func (in *Interner) own(fields []*string, last []string) {
	for i, f := range fields {
		if *f == last[i] {
			*f = last[i]
			continue
		}
		*f = in.intern(*f)
		last[i] = *f
	}
}
