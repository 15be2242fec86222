package sampling

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// memDurable is a Durable in memory that can fail on demand.
type memDurable struct {
	mu   sync.Mutex
	recs map[string][]byte
	fail error
}

func (m *memDurable) Hold(keys, values [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for i := range keys {
		m.recs[string(keys[i])] = values[i]
	}
	return nil
}

func (m *memDurable) Delete(keys [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		delete(m.recs, string(k))
	}
	return nil
}

func (m *memDurable) all() (keys, values [][]byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.recs {
		keys, values = append(keys, []byte(k)), append(values, v)
	}
	return keys, values
}

func ruleSampler(d *memDurable) *Sampler {
	s := New(Config{Rate: 0, KeepErrors: true, DecisionWait: time.Minute, MaxBufferedSpans: 100}, prometheus.NewRegistry())
	s.Durable = d
	return s
}

// A release refused by the sink (a full queue answering 429) must not lose
// the buffered spans that were acknowledged with earlier requests.
func TestRefusedReleaseKeepsBufferedSpans(t *testing.T) {
	d := &memDurable{recs: map[string][]byte{}}
	s := ruleSampler(d)
	now := time.Now()
	first := ptrace.NewTraces()
	addSpan(first, 7, time.Millisecond, false)
	addSpan(first, 7, time.Millisecond, false)
	if out := sample(s, first, now); out.SpanCount() != 0 || len(d.recs) != 2 {
		t.Fatalf("undecided spans: %d passed, %d held on disk", out.SpanCount(), len(d.recs))
	}
	second := ptrace.NewTraces()
	addSpan(second, 7, time.Millisecond, true)
	dec := s.Sample(second, now)
	if dec.Kept.SpanCount() != 3 {
		t.Fatalf("release: %d spans", dec.Kept.SpanCount())
	}
	s.Done(dec, false) // the sink refused: the sender retries its error span only
	if len(d.recs) != 2 {
		t.Fatalf("a refused release deleted %d held spans from disk", 2-len(d.recs))
	}
	again := s.Flush()
	if got := traceIDs(again.Kept)[7]; got != 2 {
		t.Fatalf("the refused buffered spans must go out with the next flush, got %d", got)
	}
	s.Done(again, true)
	if len(d.recs) != 0 {
		t.Fatalf("%d delivered spans still held on disk", len(d.recs))
	}
}

// Holding is part of acknowledging: when the disk refuses, Hold fails (the
// request is refused) and nothing is buffered in memory only.
func TestHoldFailureFailsTheRequest(t *testing.T) {
	d := &memDurable{recs: map[string][]byte{}, fail: errors.New("no space left on device")}
	s := ruleSampler(d)
	td := ptrace.NewTraces()
	addSpan(td, 3, time.Millisecond, false)
	dec := s.Sample(td, time.Now())
	s.Done(dec, true)
	if err := s.Hold(dec); err == nil {
		t.Fatal("a failed hold must fail the request")
	}
	if s.buffered != 0 {
		t.Fatalf("%d spans buffered in memory only", s.buffered)
	}
}

// A request the sink refuses holds nothing: its sender retries all of it,
// and a retried span must not be held twice.
func TestRefusedRequestHoldsNothing(t *testing.T) {
	d := &memDurable{recs: map[string][]byte{}}
	s := ruleSampler(d)
	td := ptrace.NewTraces()
	addSpan(td, 4, time.Millisecond, true)  // kept by the rule
	addSpan(td, 5, time.Millisecond, false) // undecided
	dec := s.Sample(td, time.Now())
	s.Done(dec, false) // the sink refused; Hold is not called
	if s.buffered != 0 || len(d.recs) != 0 {
		t.Fatalf("a refused request left %d spans buffered, %d on disk", s.buffered, len(d.recs))
	}
}

// After a crash, a new sampler restores the held spans and releases them
// when the rule fires; expired ones are deleted from disk.
func TestRestoreAfterCrash(t *testing.T) {
	d := &memDurable{recs: map[string][]byte{}}
	now := time.Now()
	old := ruleSampler(d)
	td := ptrace.NewTraces()
	addSpan(td, 1, time.Millisecond, false)
	addSpan(td, 2, time.Millisecond, false)
	addSpan(td, 2, time.Millisecond, false)
	sample(old, td, now)

	s := ruleSampler(d)
	keys, values := d.all()
	s.Restore(keys, values, now)
	if s.buffered != 3 {
		t.Fatalf("restored %d spans, want 3", s.buffered)
	}
	errSpan := ptrace.NewTraces()
	addSpan(errSpan, 2, time.Millisecond, true)
	if got := traceIDs(sample(s, errSpan, now))[2]; got != 3 {
		t.Fatalf("trace 2 released %d spans, want 3", got)
	}
	s.Expire(now.Add(2 * time.Minute))
	if len(d.recs) != 0 || s.buffered != 0 {
		t.Fatalf("after expiry: %d on disk, %d buffered", len(d.recs), s.buffered)
	}
}
