package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/logthrottle"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
)

// Worker delivers one destination's queue. One goroutine per destination,
// so a slow or dead platform delays only its own queue.
type Worker struct {
	Name               string
	Queue              *queue.Queue
	Sender             Sender
	MaxSpans, MaxBytes int
	Retry              RetryPolicy
	Log                *slog.Logger
	Metrics            *Metrics
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

// deliver sends one batch until it succeeds (true), fails for good or
// for longer than the retry policy allows (its items are dead-lettered),
// or ctx ends.
func (w *Worker) deliver(ctx context.Context, items []queue.Item) bool {
	body, spans := concat(items)
	r := w.Retry.start(time.Now())
	for attempt := 1; ; attempt++ {
		start := time.Now()
		rejected, err := w.Sender.Send(ctx, body)
		w.Metrics.observe(w.Name, time.Since(start))
		if err == nil {
			w.Metrics.delivered(w.Name, int64(spans), rejected)
			return true
		}
		if ctx.Err() != nil {
			return false // stopping: the items stay queued for the next start
		}
		se := asSendError(err)
		w.Metrics.failed(w.Name, se.Status)
		if !se.Retryable {
			w.deadLetter(items, fmt.Sprintf("%s (permanent, after %d attempt(s)): %s", se.Status, attempt, se.Msg))
			return false
		}
		wait, ok := r.next(time.Now(), se.RetryAfter)
		if !ok {
			w.deadLetter(items, fmt.Sprintf("%s (retryable, still failing after %d attempt(s) over %s; retry.max_elapsed is %s): %s",
				se.Status, attempt, r.elapsed(time.Now()).Round(time.Millisecond), w.Retry.MaxElapsed, se.Msg))
			return false
		}
		w.Metrics.retried(w.Name)
		w.throttle.Log(w.Log, slog.LevelWarn, "retry", "export failed, will retry", "destination", w.Name, "status", se.Status, "attempt", attempt,
			"retry_in", wait.String(), "err", se.Msg)
		sleep(ctx, wait)
	}
}

// asSendError classifies an error a Sender returned without one: it may
// pass (a connection error).
func asSendError(err error) *SendError {
	var se *SendError
	if !errors.As(err, &se) {
		se = &SendError{Retryable: true, Status: "error", Msg: err.Error()}
	}
	return se
}

// concat joins queued requests into one. Serialized protobuf messages of
// one type concatenate into a valid message whose repeated fields are
// appended, so OTLP requests merge without decoding.
func concat(items []queue.Item) ([]byte, int) {
	if len(items) == 1 { // read for this delivery alone: no copy needed
		return items[0].Data, items[0].Spans
	}
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

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}
