package sampling

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func traceID(n uint64) pcommon.TraceID {
	var id pcommon.TraceID
	binary.BigEndian.PutUint64(id[8:], n)
	return id
}

// addSpan appends a span of trace n lasting dur to td.
func addSpan(td ptrace.Traces, n uint64, dur time.Duration, isErr bool) {
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetTraceID(traceID(n))
	span.SetStartTimestamp(1)
	span.SetEndTimestamp(pcommon.Timestamp(1 + dur))
	if isErr {
		span.Status().SetCode(ptrace.StatusCodeError)
	}
}

func traceIDs(td ptrace.Traces) map[uint64]int {
	out := map[uint64]int{}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			for k := 0; k < sss.At(j).Spans().Len(); k++ {
				id := sss.At(j).Spans().At(k).TraceID()
				out[binary.BigEndian.Uint64(id[8:])]++
			}
		}
	}
	return out
}

func TestHeadRateIsDeterministicAndAccurate(t *testing.T) {
	a := New(Config{Rate: 0.1}, prometheus.NewRegistry())
	b := New(Config{Rate: 0.1}, prometheus.NewRegistry())
	kept := 0
	const n = 200000
	for i := uint64(0); i < n; i++ {
		id := traceID(i) // sequential IDs: the worst case for a weak hash
		if a.HeadKeep(id) != b.HeadKeep(id) {
			t.Fatal("two samplers disagree on one trace")
		}
		if a.HeadKeep(id) {
			kept++
		}
	}
	if got := float64(kept) / n; math.Abs(got-0.1) > 0.005 {
		t.Fatalf("kept fraction %.4f, want 0.1", got)
	}
	if New(Config{Rate: 0}, prometheus.NewRegistry()).HeadKeep(traceID(1)) {
		t.Fatal("rate 0 keeps nothing")
	}
}

func TestWholeTracesOnly(t *testing.T) {
	s := New(Config{Rate: 0.5}, prometheus.NewRegistry())
	td := ptrace.NewTraces()
	for i := uint64(0); i < 1000; i++ {
		for j := 0; j < 3; j++ {
			addSpan(td, i, time.Millisecond, false)
		}
	}
	got := traceIDs(sample(s, td, time.Now()))
	if len(got) < 400 || len(got) > 600 {
		t.Fatalf("kept %d of 1000 traces", len(got))
	}
	for id, n := range got {
		if n != 3 {
			t.Fatalf("trace %d kept %d of its 3 spans", id, n)
		}
	}
}

// findDropped returns a trace number the head decision drops.
func findDropped(s *Sampler, from uint64) uint64 {
	for i := from; ; i++ {
		if !s.HeadKeep(traceID(i)) {
			return i
		}
	}
}

func TestErrorKeepsEarlierSpansOfTheTrace(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := New(Config{Rate: 0.01, KeepErrors: true, DecisionWait: time.Second, MaxBufferedSpans: 1000}, reg)
	id := findDropped(s, 0)
	now := time.Now()
	// First batch: two healthy children; they wait in the buffer.
	first := ptrace.NewTraces()
	addSpan(first, id, time.Millisecond, false)
	addSpan(first, id, time.Millisecond, false)
	if got := sample(s, first, now).SpanCount(); got != 0 {
		t.Fatalf("undecided spans must wait, %d passed", got)
	}
	// Second batch: the failing LLM call releases them.
	second := ptrace.NewTraces()
	addSpan(second, id, time.Millisecond, true)
	out := sample(s, second, now.Add(100*time.Millisecond))
	if got := traceIDs(out)[id]; got != 3 {
		t.Fatalf("want the error span and its 2 buffered siblings, got %d", got)
	}
	// A late span of the same trace (the root, ending last) is kept too.
	late := ptrace.NewTraces()
	addSpan(late, id, 5*time.Second, false)
	if got := sample(s, late, now.Add(2*time.Second)).SpanCount(); got != 1 {
		t.Fatalf("late span of a rule-kept trace dropped")
	}
	if got := testutil.ToFloat64(s.decisions.WithLabelValues("kept")); got != 4 {
		t.Fatalf("kept counter %v", got)
	}
}

func TestSlowRuleAndExpiry(t *testing.T) {
	s := New(Config{Rate: 0, KeepSlowerThan: 5 * time.Second, DecisionWait: time.Second, MaxBufferedSpans: 1000}, prometheus.NewRegistry())
	now := time.Now()
	td := ptrace.NewTraces()
	addSpan(td, 1, 6*time.Second, false)
	addSpan(td, 2, time.Second, false)
	out := sample(s, td, now)
	if ids := traceIDs(out); ids[1] != 1 || ids[2] != 0 {
		t.Fatalf("slow trace kept, fast one buffered: %v", ids)
	}
	s.Expire(now.Add(2 * time.Second))
	if s.buffered != 0 || len(s.pending) != 0 {
		t.Fatalf("expired spans still buffered: %d", s.buffered)
	}
	if got := testutil.ToFloat64(s.decisions.WithLabelValues("dropped")); got != 1 {
		t.Fatalf("dropped counter %v", got)
	}
}

func TestBufferBound(t *testing.T) {
	s := New(Config{Rate: 0, KeepErrors: true, DecisionWait: time.Hour, MaxBufferedSpans: 10}, prometheus.NewRegistry())
	td := ptrace.NewTraces()
	for i := uint64(0); i < 25; i++ {
		addSpan(td, i, time.Millisecond, false)
	}
	sample(s, td, time.Now())
	if s.buffered > 10 {
		t.Fatalf("buffer holds %d spans, bound 10", s.buffered)
	}
	if got := testutil.ToFloat64(s.decisions.WithLabelValues("overflow")); got != 15 {
		t.Fatalf("overflow counter %v, want 15", got)
	}
	// The newest traces survive: an error on trace 24 releases its span.
	late := ptrace.NewTraces()
	addSpan(late, 24, time.Millisecond, true)
	if got := traceIDs(sample(s, late, time.Now()))[24]; got != 2 {
		t.Fatalf("newest buffered trace lost: %d", got)
	}
}

func TestRateOnePassesThrough(t *testing.T) {
	s := New(Config{Rate: 1}, prometheus.NewRegistry())
	td := ptrace.NewTraces()
	addSpan(td, 7, time.Millisecond, false)
	if out := sample(s, td, time.Now()); out.SpanCount() != 1 {
		t.Fatal("rate 1 drops nothing")
	}
}

// sample runs Sample, settles it as delivered and holds what is undecided,
// as the pipeline does.
func sample(s *Sampler, td ptrace.Traces, now time.Time) ptrace.Traces {
	d := s.Sample(td, now)
	s.Done(d, true)
	if err := s.Hold(d); err != nil {
		panic(err)
	}
	return d.Kept
}

// TestAuditFailureKeepsTheTrace: a failed audited operation keeps its whole
// trace whatever the rate; a successful one does not; the rule can be off.
func TestAuditFailureKeepsTheTrace(t *testing.T) {
	audit := func(s *Sampler, id uint64, status string, now time.Time) int {
		td := ptrace.NewTraces()
		addSpan(td, id, time.Millisecond, false)
		sp := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
		sp.Attributes().PutStr("audit.action", "delete_app")
		sp.Attributes().PutStr("audit.status", status)
		return traceIDs(sample(s, td, now))[id]
	}
	now := time.Now()
	on := New(Config{Rate: 0.01, KeepAuditFailures: true, DecisionWait: time.Second, MaxBufferedSpans: 100}, prometheus.NewRegistry())
	if got := audit(on, findDropped(on, 0), "denied", now); got != 1 {
		t.Fatalf("failed audit dropped")
	}
	if got := audit(on, findDropped(on, 1000), "success", now); got != 0 {
		t.Fatalf("successful audit kept by the rule")
	}
	off := New(Config{Rate: 0.01, DecisionWait: time.Second, MaxBufferedSpans: 100}, prometheus.NewRegistry())
	if got := audit(off, findDropped(off, 2000), "failure", now); got != 0 {
		t.Fatalf("rule off, still kept")
	}
	for _, st := range []string{"failure", "FAILED", "fail", "denied", "error", "forbidden", "rejected"} {
		if !AuditFailed(st) {
			t.Errorf("%s not a failure", st)
		}
	}
}
