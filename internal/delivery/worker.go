package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/logthrottle"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

// Worker delivers one destination's queue. One goroutine per destination,
// so a slow or dead platform delays only its own queue.
type Worker struct {
	Name                 string
	Queue                *queue.Queue
	Sender               Sender
	MaxSpans, MaxBytes   int
	RetryInitial, RetMax time.Duration
	Log                  *slog.Logger
	Metrics              *Metrics
	// Idle is how long the worker waits for new data before polling again.
	Idle time.Duration
	// throttle keeps a platform that stays down or keeps refusing from
	// writing a log line per attempt or batch.
	throttle *logthrottle.Throttle
	// acks are the outstanding acknowledgements (see acknowledge).
	acks      sync.WaitGroup
	ackSlots  chan struct{}
	ackFailed atomic.Bool
}

// Run delivers until ctx ends. Items are acknowledged only after the
// platform accepted them, so a crash or a stop re-sends them (at-least-once).
func (w *Worker) Run(ctx context.Context) {
	if w.Idle == 0 {
		w.Idle = time.Second
	}
	w.throttle = logthrottle.New(30 * time.Second)
	w.ackSlots = make(chan struct{}, maxAcks)
	defer w.acks.Wait()
	after := uint64(0) // the last item sent: acknowledged, or being so
	for ctx.Err() == nil {
		if w.ackFailed.Swap(false) {
			after = 0
		}
		items, err := w.Queue.PeekAfter(after, w.MaxSpans, w.MaxBytes)
		if err != nil {
			w.Log.Error("reading the queue failed", "destination", w.Name, "err", err)
			sleep(ctx, w.Idle)
			continue
		}
		if len(items) == 0 {
			select {
			case <-w.Queue.Notify():
			case <-time.After(w.Idle):
			case <-ctx.Done():
			}
			continue
		}
		if w.dropCorrupt(items) {
			continue // damaged records set aside: peek again
		}
		if !w.deliver(ctx, items) {
			continue
		}
		after = items[len(items)-1].Seq
		w.acknowledge(items)
	}
}

// maxAcks bounds the acknowledgements a worker has outstanding.
const maxAcks = 4

// acknowledge removes delivered items from the queue while the next
// batches are sent, so that the commit's fsync does not pace delivery:
// outstanding acknowledgements share commits (group commit). A failed one
// leaves its items queued and sets ackFailed, so that the worker reads the
// queue from its start again and sends them again.
func (w *Worker) acknowledge(items []queue.Item) {
	w.ackSlots <- struct{}{}
	w.acks.Add(1)
	go func() {
		defer w.acks.Done()
		defer func() { <-w.ackSlots }()
		if err := w.Queue.Ack(items); err != nil {
			w.ackFailed.Store(true)
			w.Log.Error("acknowledging delivered spans failed; they will be sent again", "destination", w.Name, "err", err)
		}
	}()
}

// deliver sends one batch until it succeeds (true), fails for good (its
// items are dead-lettered), or ctx ends.
func (w *Worker) deliver(ctx context.Context, items []queue.Item) bool {
	body, spans := concat(items)
	backoff := w.RetryInitial
	for attempt := 1; ; attempt++ {
		start := time.Now()
		rejected, err := w.Sender.Send(ctx, body)
		w.Metrics.latency.WithLabelValues(w.Name).Observe(time.Since(start).Seconds())
		if err == nil {
			w.Metrics.spans.WithLabelValues(w.Name, "exported").Add(float64(int64(spans) - rejected))
			if rejected > 0 {
				w.Metrics.spans.WithLabelValues(w.Name, "rejected").Add(float64(rejected))
			}
			w.Metrics.batches.WithLabelValues(w.Name, "ok").Inc()
			return true
		}
		var se *SendError
		if !errors.As(err, &se) {
			se = &SendError{Retryable: true, Status: "error", Msg: err.Error()}
		}
		if ctx.Err() != nil {
			return false // stopping: the items stay queued for the next start
		}
		w.Metrics.failures.WithLabelValues(w.Name, se.Status).Inc()
		if !se.Retryable {
			reason := fmt.Sprintf("%s (permanent, after %d attempt(s)): %s", se.Status, attempt, se.Msg)
			w.deadLetter(items, reason)
			w.Metrics.batches.WithLabelValues(w.Name, "dead_lettered").Inc()
			return false
		}
		w.Metrics.retries.WithLabelValues(w.Name).Inc()
		wait := max(jitter(backoff), se.RetryAfter)
		wait = min(wait, 5*time.Minute)
		w.throttle.Log(w.Log, slog.LevelWarn, "retry", "export failed, will retry", "destination", w.Name, "status", se.Status, "attempt", attempt,
			"retry_in", wait.String(), "err", se.Msg)
		sleep(ctx, wait)
		backoff = min(2*backoff, w.RetMax)
	}
}

// dropCorrupt dead-letters the items whose stored record failed its
// checksum (reason "corrupt: ..."), so that damaged bytes never reach a
// platform, and reports whether there were any.
func (w *Worker) dropCorrupt(items []queue.Item) bool {
	var bad []queue.Item
	for _, it := range items {
		if it.Corrupt != "" {
			bad = append(bad, it)
		}
	}
	if len(bad) == 0 {
		return false
	}
	w.deadLetter(bad, "corrupt: "+bad[0].Corrupt)
	w.Metrics.batches.WithLabelValues(w.Name, "dead_lettered").Inc()
	return true
}

func (w *Worker) deadLetter(items []queue.Item, reason string) {
	n := 0
	for _, it := range items {
		n += it.Spans
	}
	if err := w.Queue.DeadLetter(items, reason); err != nil {
		w.Log.Error("moving spans to the dead-letter store failed", "destination", w.Name, "err", err)
		return
	}
	w.Metrics.spans.WithLabelValues(w.Name, "dead_lettered").Add(float64(n))
	w.throttle.Log(w.Log, slog.LevelError, "dead-letter", "spans moved to the dead-letter store", "destination", w.Name, "spans", n, "reason", reason)
}

// concat joins queued requests into one. Serialized protobuf messages of
// one type concatenate into a valid message whose repeated fields are
// appended, so OTLP requests merge without decoding.
func concat(items []queue.Item) ([]byte, int) {
	size, spans := 0, 0
	for _, it := range items {
		size += len(it.Data)
		spans += it.Spans
	}
	body := make([]byte, 0, size)
	for _, it := range items {
		body = append(body, it.Data...)
	}
	return body, spans
}

// jitter spreads retries by ±20% so replicas do not retry in lock-step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// Console is the debug destination: it logs a summary of each batch.
type Console struct{ Log *slog.Logger }

// Send logs the batch.
func (c Console) Send(_ context.Context, body []byte) (int64, error) {
	req, err := decode(body)
	if err != nil {
		return 0, err
	}
	spans.Each(req.Traces(), func(_ pcommon.Resource, s ptrace.Span) {
		c.Log.Info("span", "trace_id", s.TraceID().String(), "span_id", s.SpanID().String(), "name", s.Name(),
			"duration", time.Duration(s.EndTimestamp()-s.StartTimestamp()).String(), "attributes", s.Attributes().AsRaw())
	})
	return 0, nil
}

// Close does nothing.
func (Console) Close() {}
