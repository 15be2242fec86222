// Package llmspan turns OTLP spans into one canonical LLM span model, whatever
// convention the emitting app used: OpenTelemetry GenAI (v1.41 names and the
// older gen_ai.system / prompt_tokens names), OpenInference (what Dify's
// Phoenix and Arize providers send), Dify's Aliyun variant (gen_ai.span.kind,
// token counts as strings), Langfuse (langfuse.observation.*) and Traceloop.
//
// Extraction is one pass over each attribute map with a switch on the key, so
// it allocates nothing for spans that carry no LLM attributes.
package llmspan

import (
	"cmp"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Kind is the role of a span in an LLM application.
type Kind uint8

// The kinds, from the union of the conventions' span kinds.
const (
	KindOther Kind = iota
	KindLLM
	KindEmbedding
	KindChain // chains and workflows
	KindRetriever
	KindTool
	KindAgent
	numKinds
)

var kindNames = [numKinds]string{"other", "llm", "embedding", "chain", "retriever", "tool", "agent"}

func (k Kind) String() string {
	if k >= numKinds {
		return "other"
	}
	return kindNames[k]
}

// Kinds lists every kind, for pre-creating metric series.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for i := range out {
		out[i] = Kind(i)
	}
	return out
}

// Usage is the token usage of one model call. Following the GenAI semantic
// conventions, Input includes cache reads and writes, Output includes
// reasoning tokens.
type Usage struct {
	Input, Output, CacheRead, CacheWrite, Reasoning int64
	// Total is set when only a total is known (some Dify paths).
	Total int64
}

// Any reports whether any count is known.
func (u Usage) Any() bool {
	return u.Input|u.Output|u.CacheRead|u.CacheWrite|u.Reasoning|u.Total != 0
}

// Span is the canonical view of one span.
type Span struct {
	Kind      Kind
	Operation string
	Provider  string
	Model     string
	Service   string
	AppID     string
	AppName   string
	Usage     Usage
	// Seconds is the span's duration.
	Seconds float64
	// NoDuration says Seconds is not to be observed: the span's times are
	// reversed or absurd (Bound).
	NoDuration bool
	// reversed: the span ends before it starts.
	reversed bool
	// TTFT is the time to first token in seconds (0 = unknown).
	TTFT      float64
	IsError   bool
	ErrorType string
	// AuditAction and AuditStatus are the seed's audit_log attributes
	// (audit.action, audit.status) on sensitive operations; the user and
	// the resource are never read into the model: they must not be labels.
	AuditAction, AuditStatus string
}

// Reset clears s for reuse.
func (s *Span) Reset() { *s = Span{} }

// Resource holds what a resource contributes to every span under it.
type Resource struct {
	Service, AppID, AppName string
	// Project is openinference.project.name: Dify's Phoenix provider sends
	// it instead of service.name.
	Project string
}

// FromResource reads the resource attributes once per resource.
func FromResource(attrs pcommon.Map) Resource {
	var r Resource
	attrs.Range(func(k string, v pcommon.Value) bool {
		r.attr(k, fromPdata(v))
		return true
	})
	return r
}

func (r *Resource) attr(k string, v value) {
	switch k {
	case "service.name":
		r.Service = v.AsString()
	case "openinference.project.name":
		r.Project = v.AsString()
	case "dify.app_id", "app_id":
		r.AppID = v.AsString()
	case "dify.app_name", "app_name":
		r.AppName = v.AsString()
	}
}

// Decode fills s from span under resource r.
func Decode(r Resource, span ptrace.Span, s *Span) {
	s.Reset()
	s.Service, s.AppID, s.AppName = r.Service, r.AppID, r.AppName
	var d decoder
	span.Attributes().Range(func(k string, v pcommon.Value) bool { return d.attr(k, fromPdata(v)) })
	d.finish(span.StartTimestamp(), s)
	s.times(uint64(span.StartTimestamp()), uint64(span.EndTimestamp()))
	if span.Status().Code() == ptrace.StatusCodeError {
		s.IsError = true
	}
	if s.IsError {
		s.ErrorType = errorType(s.ErrorType, func() (string, string) { return exception(span) }, span.Status().Message())
	}
	s.serviceFallback(r)
}

func (s *Span) times(start, end uint64) {
	if end > start {
		s.Seconds = float64(end-start) / 1e9
	}
	s.reversed = end < start
}

// serviceFallback: service.name, else the Phoenix project, else the app name.
func (s *Span) serviceFallback(r Resource) {
	if isUnknownService(s.Service) {
		s.Service = cmp.Or(r.Project, s.AppName, s.Service)
	}
}

// Inherit applies trace-level labels found on another span of the trace:
// the app, and the app name as the service when the span's own resource
// named none.
func (s *Span) Inherit(appID, appName string) {
	if s.AppID == "" {
		s.AppID = appID
	}
	if s.AppName == "" {
		s.AppName = appName
	}
	if isUnknownService(s.Service) && s.AppName != "" {
		s.Service = s.AppName
	}
}

// isUnknownService is true for a missing service.name and for the SDKs'
// default ("unknown_service", "unknown_service:python").
func isUnknownService(s string) bool {
	return s == "" || strings.HasPrefix(s, "unknown_service")
}
