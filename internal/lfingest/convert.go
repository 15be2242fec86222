// Package lfingest turns Langfuse ingestion events (POST
// /api/public/ingestion, what Dify's Langfuse provider sends up to Dify
// 1.13) into OTLP spans, so that metrics, sampling, redaction and delivery
// treat them exactly like spans received over OTLP. It is an ingest
// surface, not a Langfuse server: events are converted, not stored.
//
// Mapping: a trace-create is the trace's root span; span-, generation- and
// event-create are spans under their parentObservationId (else the root),
// carrying the langfuse.observation.* attributes llmspan reads (type,
// model, usage_details, completion_start_time, level) plus input, output
// and metadata as JSON; the trace's metadata keys become
// langfuse.trace.metadata.<key>. Creates and updates of one observation in
// one request are merged; an update whose create came in an earlier
// request becomes a span of its own. Langfuse's free-form ids become OTLP
// ids: a UUID keeps its bytes, anything else is hashed.
package lfingest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Event is one entry of an ingestion batch.
type Event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Body      json.RawMessage `json:"body"`
}

// Result is an event's outcome, for the 207 answer.
type Result struct {
	ID      string `json:"id"`
	Status  int    `json:"status"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

type traceBody struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	UserID      string   `json:"userId"`
	SessionID   string   `json:"sessionId"`
	Release     string   `json:"release"`
	Version     string   `json:"version"`
	Environment string   `json:"environment"`
	Timestamp   string   `json:"timestamp"`
	Metadata    any      `json:"metadata"`
	Input       any      `json:"input"`
	Output      any      `json:"output"`
	Tags        []string `json:"tags"`
}

type usage struct {
	Input            *float64 `json:"input"`
	Output           *float64 `json:"output"`
	Total            *float64 `json:"total"`
	PromptTokens     *float64 `json:"promptTokens"`
	CompletionTokens *float64 `json:"completionTokens"`
	TotalTokens      *float64 `json:"totalTokens"`
	Unit             string   `json:"unit"`
	TotalCost        *float64 `json:"totalCost"`
}

type obsBody struct {
	ID                  string             `json:"id"`
	TraceID             string             `json:"traceId"`
	ParentObservationID string             `json:"parentObservationId"`
	Name                string             `json:"name"`
	StartTime           string             `json:"startTime"`
	EndTime             string             `json:"endTime"`
	CompletionStartTime string             `json:"completionStartTime"`
	Model               string             `json:"model"`
	ModelParameters     any                `json:"modelParameters"`
	Metadata            any                `json:"metadata"`
	Input               any                `json:"input"`
	Output              any                `json:"output"`
	Level               string             `json:"level"`
	StatusMessage       string             `json:"statusMessage"`
	Version             string             `json:"version"`
	Usage               *usage             `json:"usage"`
	UsageDetails        map[string]float64 `json:"usageDetails"`
	CostDetails         map[string]float64 `json:"costDetails"`
}

// obsTypes maps event types to the observation type they create or update.
var obsTypes = map[string]string{
	"span-create": "span", "span-update": "span", "generation-create": "generation", "generation-update": "generation",
	"event-create": "event",
}

// ignored are event types accepted without a span (scores are annotations,
// sdk-log is the SDK's own logging).
var ignored = map[string]bool{"score-create": true, "sdk-log": true}

// Options say who the ingested spans are.
type Options struct {
	// ServiceName is service.name on every ingested span's resource; when
	// empty, a trace's Dify app name (its metadata's app_name) when it
	// names one, else Project.
	ServiceName string
	// Project is the Langfuse project name the ingest answers with.
	Project string
}

// Convert builds the spans of a batch; every event gets a Result, 201 for
// those taken (or ignored on purpose), 400 with the reason for the others.
func Convert(events []Event) (ptrace.Traces, []Result) {
	return ConvertWith(events, Options{})
}

// ConvertWith is Convert with the ingest's identity.
func ConvertWith(events []Event, opts Options) (ptrace.Traces, []Result) {
	b := newBuilder()
	b.opts = opts
	results := make([]Result, 0, len(events))
	for _, ev := range events {
		results = append(results, b.add(ev))
	}
	return b.build(), results
}

type builder struct {
	traces map[string]*traceBody
	obs    map[string]*obsBody // by observation id, creates and updates merged
	kinds  map[string]string
	order  []string // observation ids, in arrival order
	// traceOrder lists trace ids that have a trace-create.
	traceOrder []string
	opts       Options
}

func newBuilder() *builder {
	return &builder{traces: map[string]*traceBody{}, obs: map[string]*obsBody{}, kinds: map[string]string{}}
}

func fail(ev Event, format string, a ...any) Result {
	return Result{ID: ev.ID, Status: 400, Message: fmt.Sprintf(format, a...), Error: "Bad Request"}
}

func (b *builder) add(ev Event) Result {
	switch {
	case ev.ID == "":
		return fail(ev, "event id is required")
	case ignored[ev.Type]:
		return Result{ID: ev.ID, Status: 201}
	case ev.Type == "trace-create":
		var t traceBody
		if err := json.Unmarshal(ev.Body, &t); err != nil {
			return fail(ev, "trace-create body: %v", err)
		}
		if t.ID == "" {
			t.ID = ev.ID
		}
		if t.Timestamp == "" {
			t.Timestamp = ev.Timestamp
		}
		if old := b.traces[t.ID]; old != nil {
			mergeTrace(old, &t)
		} else {
			b.traces[t.ID] = &t
			b.traceOrder = append(b.traceOrder, t.ID)
		}
		return Result{ID: ev.ID, Status: 201}
	case obsTypes[ev.Type] != "":
		var o obsBody
		if err := json.Unmarshal(ev.Body, &o); err != nil {
			return fail(ev, "%s body: %v", ev.Type, err)
		}
		if o.ID == "" {
			return fail(ev, "%s: body.id is required", ev.Type)
		}
		if o.TraceID == "" {
			return fail(ev, "%s: body.traceId is required (the exporter does not create implicit traces)", ev.Type)
		}
		if o.StartTime == "" {
			o.StartTime = ev.Timestamp
		}
		if old := b.obs[o.ID]; old != nil {
			mergeObs(old, &o)
		} else {
			b.obs[o.ID] = &o
			b.kinds[o.ID] = obsTypes[ev.Type]
			b.order = append(b.order, o.ID)
		}
		return Result{ID: ev.ID, Status: 201}
	}
	return fail(ev, "unsupported event type %q", ev.Type)
}

func mergeTrace(dst, src *traceBody) {
	set := func(d *string, s string) {
		if s != "" {
			*d = s
		}
	}
	set(&dst.Name, src.Name)
	set(&dst.UserID, src.UserID)
	set(&dst.SessionID, src.SessionID)
	set(&dst.Release, src.Release)
	set(&dst.Version, src.Version)
	set(&dst.Environment, src.Environment)
	if src.Metadata != nil {
		dst.Metadata = src.Metadata
	}
	if src.Input != nil {
		dst.Input = src.Input
	}
	if src.Output != nil {
		dst.Output = src.Output
	}
	if src.Tags != nil {
		dst.Tags = src.Tags
	}
}

func mergeObs(dst, src *obsBody) {
	for _, f := range []struct {
		d *string
		s string
	}{
		{&dst.ParentObservationID, src.ParentObservationID}, {&dst.Name, src.Name}, {&dst.EndTime, src.EndTime},
		{&dst.CompletionStartTime, src.CompletionStartTime}, {&dst.Model, src.Model}, {&dst.Level, src.Level},
		{&dst.StatusMessage, src.StatusMessage}, {&dst.Version, src.Version},
	} {
		if f.s != "" {
			*f.d = f.s
		}
	}
	for _, f := range []struct {
		d *any
		s any
	}{{&dst.Metadata, src.Metadata}, {&dst.Input, src.Input}, {&dst.Output, src.Output},
		{&dst.ModelParameters, src.ModelParameters}} {
		if f.s != nil {
			*f.d = f.s
		}
	}
	if src.Usage != nil {
		dst.Usage = src.Usage
	}
	if src.UsageDetails != nil {
		dst.UsageDetails = src.UsageDetails
	}
	if src.CostDetails != nil {
		dst.CostDetails = src.CostDetails
	}
}

// TraceID maps a Langfuse trace id to an OTLP one: a UUID (or 32 hex
// digits) keeps its bytes, so the same trace keeps its id everywhere.
func TraceID(id string) pcommon.TraceID {
	var out pcommon.TraceID
	if h := strings.ReplaceAll(id, "-", ""); len(h) == 32 {
		if b, err := hex.DecodeString(h); err == nil {
			copy(out[:], b)
			return out
		}
	}
	sum := sha256.Sum256([]byte("trace\x00" + id))
	copy(out[:], sum[:16])
	return out
}

// SpanID maps an observation id (or, with root, a trace id) to a span id.
func SpanID(id string, root bool) pcommon.SpanID {
	prefix := "obs\x00"
	if root {
		prefix = "root\x00"
	}
	sum := sha256.Sum256([]byte(prefix + id))
	var out pcommon.SpanID
	copy(out[:], sum[:8])
	return out
}

// ParseTime reads Langfuse's timestamps: RFC 3339, or the naive ISO form
// Python's isoformat() writes (taken as UTC).
func ParseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
