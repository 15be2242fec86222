package lfingest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// build emits the root span of each trace-create and one span per
// observation, under one resource per service (see Options).
func (b *builder) build() ptrace.Traces {
	td := ptrace.NewTraces()
	spansOf := map[string]ptrace.SpanSlice{}
	spans := func(traceID string) ptrace.SpanSlice {
		svc := b.service(traceID)
		if ss, ok := spansOf[svc]; ok {
			return ss
		}
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("telemetry.sdk.name", "langfuse")
		if svc != "" {
			rs.Resource().Attributes().PutStr("service.name", svc)
		}
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName("langfuse-ingestion")
		spansOf[svc] = ss.Spans()
		return ss.Spans()
	}
	// Each trace's earliest start and latest end, for the root.
	starts, ends := map[string]time.Time{}, map[string]time.Time{}
	for _, id := range b.order {
		o := b.obs[id]
		s := spans(o.TraceID).AppendEmpty()
		b.observation(s, o, b.kinds[id])
		if start := s.StartTimestamp().AsTime(); starts[o.TraceID].IsZero() || start.Before(starts[o.TraceID]) {
			starts[o.TraceID] = start
		}
		if end := s.EndTimestamp().AsTime(); end.After(ends[o.TraceID]) {
			ends[o.TraceID] = end
		}
	}
	for _, id := range b.traceOrder {
		b.root(spans(id).AppendEmpty(), b.traces[id], starts[id], ends[id])
	}
	return td
}

// service is the service.name of a trace's spans (Options.ServiceName).
func (b *builder) service(traceID string) string {
	if b.opts.ServiceName != "" {
		return b.opts.ServiceName
	}
	if t := b.traces[traceID]; t != nil {
		if md, ok := t.Metadata.(map[string]any); ok {
			if name, ok := md["app_name"].(string); ok && name != "" {
				return name
			}
		}
	}
	return b.opts.Project
}

// root is a trace-create's span. It spans its observations: Dify sends
// trace-create when the trace is done, so its timestamp usually comes after
// every child ended; a root starting then would make its children start
// before their parent in every back end.
func (b *builder) root(s ptrace.Span, t *traceBody, firstStart, lastEnd time.Time) {
	s.SetTraceID(TraceID(t.ID))
	s.SetSpanID(SpanID(t.ID, true))
	s.SetName(cmp.Or(t.Name, "trace"))
	s.SetKind(ptrace.SpanKindServer)
	start, ok := ParseTime(t.Timestamp)
	if !ok {
		start = time.Now()
	}
	if !firstStart.IsZero() && firstStart.Before(start) {
		start = firstStart
	}
	end := start
	if lastEnd.After(end) {
		end = lastEnd
	}
	s.SetStartTimestamp(timestamp(start))
	s.SetEndTimestamp(timestamp(end))
	a := s.Attributes()
	a.PutStr("langfuse.trace.name", t.Name)
	putNonEmpty(a, "langfuse.user.id", t.UserID)
	putNonEmpty(a, "langfuse.session.id", t.SessionID)
	putNonEmpty(a, "langfuse.release", t.Release)
	putNonEmpty(a, "langfuse.version", t.Version)
	putNonEmpty(a, "langfuse.environment", t.Environment)
	putJSON(a, "langfuse.trace.input", t.Input)
	putJSON(a, "langfuse.trace.output", t.Output)
	if len(t.Tags) > 0 {
		tags := a.PutEmptySlice("langfuse.trace.tags")
		for _, tag := range t.Tags {
			tags.AppendEmpty().SetStr(tag)
		}
	}
	if md, ok := t.Metadata.(map[string]any); ok {
		for k, v := range md {
			switch v := v.(type) {
			case string:
				a.PutStr("langfuse.trace.metadata."+k, v)
			case float64, bool:
				a.PutStr("langfuse.trace.metadata."+k, fmt.Sprint(v))
			}
		}
	}
}

func (b *builder) observation(s ptrace.Span, o *obsBody, kind string) {
	s.SetTraceID(TraceID(o.TraceID))
	s.SetSpanID(SpanID(o.ID, false))
	if o.ParentObservationID != "" {
		s.SetParentSpanID(SpanID(o.ParentObservationID, false))
	} else {
		s.SetParentSpanID(SpanID(o.TraceID, true))
	}
	s.SetName(cmp.Or(o.Name, kind))
	if kind == "generation" {
		s.SetKind(ptrace.SpanKindClient)
	}
	start, ok := ParseTime(o.StartTime)
	if !ok {
		start = time.Now()
	}
	end, ok := ParseTime(o.EndTime)
	if !ok || end.Before(start) {
		end = start
	}
	s.SetStartTimestamp(timestamp(start))
	s.SetEndTimestamp(timestamp(end))
	a := s.Attributes()
	a.PutStr("langfuse.observation.type", kind)
	putNonEmpty(a, "langfuse.observation.model.name", o.Model)
	putNonEmpty(a, "langfuse.observation.level", o.Level)
	putNonEmpty(a, "langfuse.observation.status_message", o.StatusMessage)
	putNonEmpty(a, "langfuse.observation.completion_start_time", normalizeTime(o.CompletionStartTime))
	if u := usageDetails(o); u != nil {
		b, _ := json.Marshal(u)
		a.PutStr("langfuse.observation.usage_details", string(b))
	}
	if kind == "generation" {
		putGenAI(a, o)
	}
	putJSON(a, "langfuse.observation.cost_details", o.CostDetails)
	putJSON(a, "langfuse.observation.model.parameters", o.ModelParameters)
	putJSON(a, "langfuse.observation.metadata", o.Metadata)
	putJSON(a, "langfuse.observation.input", o.Input)
	putJSON(a, "langfuse.observation.output", o.Output)
	if strings.EqualFold(o.Level, "ERROR") {
		s.Status().SetCode(ptrace.StatusCodeError)
		s.Status().SetMessage(o.StatusMessage)
	}
}

// usageDetails is the usage in Langfuse's usage_details shape. Token usage
// only: Dify's suggested-question generations count characters.
func usageDetails(o *obsBody) map[string]float64 {
	if o.UsageDetails != nil {
		return o.UsageDetails
	}
	u := o.Usage
	if u == nil || (u.Unit != "" && !strings.EqualFold(u.Unit, "TOKENS")) {
		return nil
	}
	out := map[string]float64{}
	for k, v := range map[string]*float64{"input": cmp.Or(u.Input, u.PromptTokens), "output": cmp.Or(u.Output, u.CompletionTokens),
		"total": cmp.Or(u.Total, u.TotalTokens)} {
		if v != nil {
			out[k] = *v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// timestamp is t in OTLP's nanoseconds since 1970, clamped to what they
// can hold (1970 to 2262): a time outside would wrap around, and a span
// from 1970 to 2540 would become one that ends before it starts. Clamped,
// it stays absurd, and the pipeline keeps its duration out of the metrics.
func timestamp(t time.Time) pcommon.Timestamp {
	switch {
	case t.Before(time.Unix(0, 0)):
		return 0
	case t.After(time.Unix(0, math.MaxInt64)):
		return pcommon.Timestamp(math.MaxInt64)
	}
	return pcommon.NewTimestampFromTime(t)
}

func normalizeTime(s string) string {
	if t, ok := ParseTime(s); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return ""
}

func putNonEmpty(a pcommon.Map, k, v string) {
	if v != "" {
		a.PutStr(k, v)
	}
}

// putJSON stores a structured value as JSON text; strings stay as they are.
func putJSON(a pcommon.Map, k string, v any) {
	switch v := v.(type) {
	case nil:
	case string:
		if v != "" {
			a.PutStr(k, v)
		}
	default:
		if b, err := json.Marshal(v); err == nil && string(b) != "null" && string(b) != "{}" {
			a.PutStr(k, string(b))
		}
	}
}

// putGenAI gives a generation the GenAI semantic conventions' attributes
// (operation, model, usage), for destinations that do not read
// langfuse.observation.*: a generic OTLP back end, LangSmith, Phoenix.
// The counts are the usage_details ones, so the metrics read the same.
func putGenAI(a pcommon.Map, o *obsBody) {
	a.PutStr("gen_ai.operation.name", "chat")
	putNonEmpty(a, "gen_ai.request.model", o.Model)
	u := usageDetails(o)
	for _, c := range []struct {
		attr string
		v    float64
	}{{"gen_ai.usage.input_tokens", u["input"]}, {"gen_ai.usage.output_tokens", u["output"]}, {"gen_ai.usage.total_tokens", u["total"]},
		{"gen_ai.usage.cache_read.input_tokens", u["input_cached_tokens"] + u["input_cache_read"]},
		{"gen_ai.usage.reasoning.output_tokens", u["output_reasoning_tokens"]}} {
		if c.v != 0 {
			// Clamped below int64's overflow: an absurd count stays absurd
			// (and out of the metrics, see llmspan.Bound) rather than wrapping.
			a.PutInt(c.attr, int64(max(min(c.v, 1<<62), -(1<<62))))
		}
	}
}
