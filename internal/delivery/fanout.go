package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/destination"
	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
	"github.com/llmops/terraform-provider-llmops/internal/redact"
)

// QueueFile is the name of the queue store inside queue.directory.
const QueueFile = "queue.db"

type dest struct {
	name string
	prep *destination.Preparer
	q    *queue.Queue
}

// Fanout is the pipeline Sink that delivers to every destination.
type Fanout struct {
	redactor *redact.Redactor
	dests    []*dest
	workers  []*Worker
	store    *queue.Store
	recovery *queue.Recovery
	metrics  *Metrics
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// Recovery reports the damaged queue file moved aside at start-up (nil: none).
func (f *Fanout) Recovery() *queue.Recovery { return f.recovery }

// New opens the queue store and builds a queue, preparer, sender and worker
// per destination.
func New(cfg *exporterconfig.Config, getenv func(string) string, log *slog.Logger, reg prometheus.Registerer) (*Fanout, error) {
	r, err := redact.New(cfg.Redaction)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Queue.Directory, 0o700); err != nil {
		return nil, fmt.Errorf("queue.directory: %w", err)
	}
	store, recovery, err := queue.OpenOrRecover(filepath.Join(cfg.Queue.Directory, QueueFile), *cfg.Queue.Fsync, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("queue.directory: %w", err)
	}
	f := &Fanout{redactor: r, store: store, metrics: NewMetrics(reg), recovery: recovery}
	corruptions := prometheus.NewCounter(prometheus.CounterOpts{Name: "llmops_exporter_queue_corruptions_total",
		Help: "Damaged queue files moved aside at start-up (their spans are lost; the file is kept as queue.db.corrupt-<time>)."})
	reg.MustRegister(corruptions)
	if recovery != nil {
		corruptions.Inc()
		log.Error("the durable queue was damaged: it was moved aside and a fresh queue started; the spans it held are not delivered",
			"path", recovery.Path, "moved_to", recovery.MovedTo, "reason", recovery.Reason)
	}
	for _, d := range cfg.Destinations {
		if err := f.add(d, getenv, log); err != nil {
			f.closeSenders()
			store.Close()
			return nil, err
		}
	}
	return f, nil
}

func (f *Fanout) add(d exporterconfig.Destination, getenv func(string) string, log *slog.Logger) error {
	var sender Sender = Console{Log: log.With("destination", d.Name)}
	var attrs map[string]string
	if d.Type != exporterconfig.Console {
		norm, err := platform.Normalize(d.Config)
		if err != nil {
			return fmt.Errorf("destination %s: %w", d.Name, err)
		}
		sec, err := d.Secrets(getenv)
		if err != nil {
			return err
		}
		exp := platform.ExportFor(norm, sec)
		if d.Compression != "" {
			exp.Gzip = d.Compression == "gzip"
		}
		secrets := []string{sec.Key}
		for _, v := range sec.Headers {
			secrets = append(secrets, v)
		}
		for _, h := range exp.Headers {
			if h.Secret {
				secrets = append(secrets, h.Value)
			}
		}
		if sender, err = NewSender(exp, time.Duration(d.Timeout), secrets); err != nil {
			return fmt.Errorf("destination %s: %w", d.Name, err)
		}
		attrs = exp.ResourceAttributes
	}
	dropped := f.metrics.spans.WithLabelValues(d.Name, "dropped")
	q, err := f.store.Queue(d.Name, d.Queue.MaxBytes, d.Queue.Overflow, func(n int) { dropped.Add(float64(n)) })
	if err != nil {
		sender.Close()
		return err
	}
	f.metrics.watchQueue(d.Name, q)
	prep := destination.NewPreparer(d.Type, attrs, d.Include, d.Exclude, d.Content == "none")
	prep.DefaultService = d.DefaultServiceName
	f.dests = append(f.dests, &dest{name: d.Name, q: q, prep: prep})
	f.workers = append(f.workers, &Worker{Name: d.Name, Queue: q, Sender: sender, MaxSpans: d.Batch.MaxSpans, MaxBytes: d.Batch.MaxBytes,
		Retry: RetryPolicy{Initial: time.Duration(d.Retry.Initial), Max: time.Duration(d.Retry.Max), MaxElapsed: time.Duration(d.Retry.MaxElapsed)},
		Log:   log, Metrics: f.metrics})
	return nil
}

// Start runs one delivery worker per destination.
func (f *Fanout) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	for _, w := range f.workers {
		f.wg.Add(1)
		go func() { defer f.wg.Done(); w.Run(ctx) }()
	}
}

// Stop stops the workers (unsent spans stay queued) and closes the store.
func (f *Fanout) Stop() error {
	if f.cancel != nil {
		f.cancel()
	}
	f.wg.Wait()
	f.closeSenders()
	return f.store.Close()
}

func (f *Fanout) closeSenders() {
	for _, w := range f.workers {
		w.Sender.Close()
	}
}

// Store is the queue store (dead letters, replay).
func (f *Fanout) Store() *queue.Store { return f.store }

// Replay re-queues destination's dead letters.
func (f *Fanout) Replay(destination string) (int, error) {
	n, err := f.store.Replay(destination)
	if err != nil {
		return 0, err
	}
	for _, d := range f.dests {
		if d.name == destination {
			return n, d.q.Recount()
		}
	}
	return n, nil
}

// ConsumeTraces redacts td once, then durably enqueues each destination's
// prepared copy, in one commit. td's spans are decoded at most once,
// whatever the number of destinations. It returns only after the commit, which is
// when the receiver acknowledges the sender. When a queue with the refuse
// policy is full, nothing is enqueued and the sender is asked to retry.
func (f *Fanout) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	f.redactor.Traces(td)
	puts := make([]queue.Put, 0, len(f.dests))
	var views llmspan.Views
	for _, d := range f.dests {
		var err error
		if puts, err = f.appendCopy(puts, d, td, &views); err != nil {
			return err
		}
	}
	return f.enqueue(ctx, puts)
}

// ConsumeWire is ConsumeTraces for a request as received (pipeline.WireSink):
// a destination that takes requests unchanged (no redaction, filter,
// mapping or added attribute) queues body itself, stored once for all such
// destinations; the others get their copy from one decoding of body.
func (f *Fanout) ConsumeWire(ctx context.Context, body []byte, n int) error {
	puts := make([]queue.Put, 0, len(f.dests))
	var td ptrace.Traces
	var views llmspan.Views
	for _, d := range f.dests {
		if f.untouched(d) {
			puts = append(puts, queue.Put{Queue: d.q, Data: body, Spans: n})
			continue
		}
		if td == (ptrace.Traces{}) {
			req := ptraceotlp.NewExportRequest()
			if err := req.UnmarshalProto(body); err != nil {
				return fmt.Errorf("decoding a request for destination %s: %w", d.name, err)
			}
			td = req.Traces()
			f.redactor.Traces(td)
		}
		var err error
		if puts, err = f.appendCopy(puts, d, td, &views); err != nil {
			return err
		}
	}
	return f.enqueue(ctx, puts)
}

// untouched reports whether d's copy of every request is the request.
func (f *Fanout) untouched(d *dest) bool {
	return !f.redactor.Enabled() && d.prep.Untouched()
}

// appendCopy appends d's encoded copy of the (redacted) td to puts; a copy
// without spans (all filtered out) is not queued. views holds td's decoded
// spans: decoded by the first destination that reads them, then shared.
func (f *Fanout) appendCopy(puts []queue.Put, d *dest, td ptrace.Traces, views *llmspan.Views) ([]queue.Put, error) {
	if *views == nil && d.prep.NeedsViews() {
		*views = llmspan.DecodeTraces(td)
	}
	out, n := d.prep.Prepare(td, *views, time.Now())
	if filtered := td.SpanCount() - n; filtered > 0 {
		f.metrics.spans.WithLabelValues(d.name, "filtered").Add(float64(filtered))
	}
	if n == 0 {
		return puts, nil
	}
	b, err := ptraceotlp.NewExportRequestFromTraces(out).MarshalProto()
	if err != nil {
		return puts, fmt.Errorf("destination %s: encode: %w", d.name, err)
	}
	return append(puts, queue.Put{Queue: d.q, Data: b, Spans: n}), nil
}

// enqueue commits a request's copies; a full queue that refuses makes the
// receiver ask the sender to retry.
func (f *Fanout) enqueue(ctx context.Context, puts []queue.Put) error {
	pipeline.Yield(ctx) // the rest waits on the disk
	err := f.store.Enqueue(puts)
	switch {
	case errors.Is(err, queue.ErrFull):
		return fmt.Errorf("%w: %w", pipeline.ErrOverloaded, err)
	case errors.Is(err, queue.ErrDiskFull):
		return fmt.Errorf("%w: %w", pipeline.ErrNoRoom, err)
	}
	return err
}
