package delivery

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

func TestRetryBacksOffWithinItsBounds(t *testing.T) {
	now := time.Unix(1000, 0)
	r := RetryPolicy{Initial: time.Second, Max: 4 * time.Second}.start(now)
	for i, base := range []time.Duration{1, 2, 4, 4, 4} {
		wait, ok := r.next(now, 0)
		lo, hi := time.Duration(0.8*float64(base*time.Second)), time.Duration(1.2*float64(base*time.Second))
		if !ok || wait < lo || wait > hi {
			t.Fatalf("attempt %d: wait %s (%v), want %s..%s", i+1, wait, ok, lo, hi)
		}
	}
	if wait, _ := r.next(now, 90*time.Second); wait != 90*time.Second {
		t.Fatalf("Retry-After 90s gave %s", wait)
	}
	if wait, _ := r.next(now, time.Hour); wait != maxWait {
		t.Fatalf("Retry-After 1h gave %s, want the %s cap", wait, maxWait)
	}
	// Without MaxElapsed a batch is retried forever.
	if _, ok := r.next(now.Add(240*time.Hour), 0); !ok {
		t.Fatal("no max_elapsed, yet the retry gave up")
	}
}

func TestRetryStopsAtMaxElapsed(t *testing.T) {
	start := time.Unix(1000, 0)
	r := RetryPolicy{Initial: time.Second, Max: 2 * time.Second, MaxElapsed: 10 * time.Second}.start(start)
	if _, ok := r.next(start.Add(5*time.Second), 0); !ok {
		t.Fatal("gave up 5 s into a 10 s bound")
	}
	// 9 s in, any wait of >= 1.6 s ends past the bound: give up now.
	if _, ok := r.next(start.Add(9*time.Second), 0); ok {
		t.Fatal("kept retrying past max_elapsed")
	}
	// A Retry-After that lands past the bound gives up too.
	r = RetryPolicy{Initial: time.Second, Max: 2 * time.Second, MaxElapsed: 10 * time.Second}.start(start)
	if _, ok := r.next(start, 30*time.Second); ok {
		t.Fatal("waited 30 s on a 10 s bound")
	}
}

// A destination that keeps answering 503: with retry.max_elapsed the
// batch goes to the dead-letter store, saying why, and the queue moves on
// (the next batch is delivered once the platform recovers).
func TestMaxElapsedDeadLettersAndMovesOn(t *testing.T) {
	h := newHarness(t)
	fake := h.add(t, "flaky", platform.OTLP, platform.Config{}, "a")
	fake.Outage(503, 0)
	f := h.startWith(t, func(d *exporterconfig.Destination) {
		d.Retry.MaxElapsed = exporterconfig.Duration(300 * time.Millisecond)
	})
	f.Start()
	if err := f.ConsumeTraces(context.Background(), trace(1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a dead letter after max_elapsed", func() bool { n, _ := f.dests[0].q.DeadLetterCount(); return n == 1 })
	dls, _ := f.Store().DeadLetters("flaky")
	if len(dls) != 1 || !strings.Contains(dls[0].Reason, "HTTP 503") || !strings.Contains(dls[0].Reason, "retry.max_elapsed is 300ms") {
		t.Fatalf("dead letter %+v", dls)
	}
	if n := testutil.ToFloat64(f.metrics.retries.WithLabelValues("flaky")); n < 1 {
		t.Fatalf("retried %v times before giving up", n)
	}
	fake.Recover()
	if err := f.ConsumeTraces(context.Background(), trace(2)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the next batch delivered", func() bool { return fake.ReceivedSpans() == 3 })
}

func TestMaxElapsedIsValidated(t *testing.T) {
	c := exporterconfig.Defaults()
	c.Destinations = []exporterconfig.Destination{{Name: "x", Config: platform.Config{Type: platform.OTLP, Endpoint: "http://127.0.0.1:1"}}}
	c.Destinations[0].Retry.MaxElapsed = exporterconfig.Duration(time.Second) // below retry.max (30 s)
	err := reDefault(c)
	if err == nil || !strings.Contains(err.Error(), "destinations[0].retry.max_elapsed") {
		t.Fatalf("got %v", err)
	}
}
