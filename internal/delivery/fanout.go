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
	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
	"github.com/llmops/terraform-provider-llmops/internal/redact"
)

// QueueFile is the name of the queue store inside queue.directory.
const QueueFile = "queue.db"

type dest struct {
	name     string
	prep     *destination.Preparer
	q        *queue.Queue
	refuse   bool
	maxBytes int64
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
	f.dests = append(f.dests, &dest{name: d.Name, q: q, refuse: d.Queue.Overflow == queue.Refuse, maxBytes: d.Queue.MaxBytes,
		prep: destination.NewPreparer(d.Type, attrs, d.Include, d.Exclude, d.Content == "none")})
	f.workers = append(f.workers, &Worker{Name: d.Name, Queue: q, Sender: sender, MaxSpans: d.Batch.MaxSpans, MaxBytes: d.Batch.MaxBytes,
		RetryInitial: time.Duration(d.Retry.Initial), RetMax: time.Duration(d.Retry.Max), Log: log, Metrics: f.metrics})
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
// prepared copy. It returns only after every copy is committed, which is
// when the receiver acknowledges the sender. When a queue with the refuse
// policy is full, nothing is enqueued and the sender is asked to retry.
func (f *Fanout) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	f.redactor.Traces(td)
	total := td.SpanCount()
	now := time.Now()
	data := make([][]byte, len(f.dests))
	counts := make([]int, len(f.dests))
	for i, d := range f.dests {
		out, n := d.prep.Prepare(td, now)
		if filtered := total - n; filtered > 0 {
			f.metrics.spans.WithLabelValues(d.name, "filtered").Add(float64(filtered))
		}
		if n == 0 {
			continue
		}
		b, err := ptraceotlp.NewExportRequestFromTraces(out).MarshalProto()
		if err != nil {
			return fmt.Errorf("destination %s: encode: %w", d.name, err)
		}
		data[i], counts[i] = b, n
		if d.refuse && d.q.Stats().Bytes+int64(len(b)) > d.maxBytes {
			return fmt.Errorf("%w: the queue of destination %s is full", pipeline.ErrOverloaded, d.name)
		}
	}
	pipeline.Yield(ctx) // the rest waits on the disk
	for i, d := range f.dests {
		if data[i] == nil {
			continue
		}
		if err := d.q.Enqueue(data[i], counts[i]); err != nil {
			if errors.Is(err, queue.ErrFull) {
				return fmt.Errorf("%w: the queue of destination %s is full", pipeline.ErrOverloaded, d.name)
			}
			return fmt.Errorf("destination %s: %w", d.name, err)
		}
	}
	return nil
}
