// Package pipeline is the exporter's processing chain for received traces:
// validate, understand each span (llmspan), record metrics (before sampling,
// so sampling never skews them), sample whole traces, and hand what is kept
// to a Sink (delivery to the tracing platforms).
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmmetrics"
	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
	"github.com/llmops/terraform-provider-llmops/internal/pricing"
	"github.com/llmops/terraform-provider-llmops/internal/sampling"
	"github.com/llmops/terraform-provider-llmops/internal/spans"
	"github.com/llmops/terraform-provider-llmops/internal/tracectx"
)

// ErrOverloaded is returned (wrapped) by a Sink that cannot take more data
// now; receivers answer with a retryable status so the sender retries.
var ErrOverloaded = errors.New("exporter overloaded")

// ErrNoRoom is returned (wrapped) by a Sink whose durable storage is full;
// receivers answer 503 / UNAVAILABLE (retryable) and count the refusal as
// queue_disk_full, and /ready turns 503 while it lasts.
var ErrNoRoom = errors.New("the durable queue's volume is full")

// Sink receives the sampled traces.
type Sink interface {
	ConsumeTraces(ctx context.Context, td ptrace.Traces) error
}

// Discard is the Sink used when no destination is configured.
type Discard struct{}

// ConsumeTraces drops td.
func (Discard) ConsumeTraces(context.Context, ptrace.Traces) error { return nil }

// Result is the outcome of ConsumeTraces for OTLP partial success.
type Result struct {
	Rejected int64
	Message  string
}

// Pipeline processes received telemetry. It is safe for concurrent use.
type Pipeline struct {
	Prices  *pricing.Table
	Metrics *llmmetrics.Recorder
	OTLP    *llmmetrics.OTLPStore
	Sampler *sampling.Sampler
	Sink    Sink
	Now     func() time.Time
	// Traces carries the app from the span that names it to the LLM calls
	// of the same trace (nil: each span keeps its own labels).
	Traces *tracectx.Cache[HeldCall]
}

// HeldCall is an LLM call waiting for its trace's app.
type HeldCall struct {
	Span   llmspan.Span
	Cost   float64
	Priced bool
}

// ConsumeTraces runs td through the chain. Spans without a valid trace or
// span ID are rejected (partial success); the rest are processed.
func (p *Pipeline) ConsumeTraces(ctx context.Context, td ptrace.Traces) (Result, error) {
	res := rejected(removeInvalid(td))
	p.record(td)
	return res, p.deliver(ctx, p.Sampler.Sample(td, p.Now()))
}

// deliver hands a sampling decision's spans to the Sink, settles it (the
// buffered spans it released are forgotten only once the Sink took them),
// then holds its undecided spans: a refused request holds nothing.
func (p *Pipeline) deliver(ctx context.Context, d sampling.Decision) error {
	if d.Kept.SpanCount() > 0 {
		if err := p.Sink.ConsumeTraces(ctx, d.Kept); err != nil {
			p.Sampler.Done(d, false)
			return err
		}
	}
	p.Sampler.Done(d, true)
	Yield(ctx) // holding may wait on the disk
	if err := p.Sampler.Hold(d); err != nil {
		return fmt.Errorf("holding spans for a sampling decision: %w", err)
	}
	return nil
}

// Tick runs the periodic work: emit LLM calls whose trace's app did not
// come in time, expire undecided spans, and deliver the rule-kept spans
// whose release a refused request gave back.
func (p *Pipeline) Tick(ctx context.Context, now time.Time) error {
	if p.Traces != nil {
		p.emit(p.Traces.Expire(now))
	}
	p.Sampler.Expire(now)
	return p.deliver(ctx, p.Sampler.Flush())
}

// ConsumeMetrics re-exposes OTLP metrics on /metrics.
func (p *Pipeline) ConsumeMetrics(_ context.Context, md pmetric.Metrics) error {
	p.OTLP.Consume(md)
	return nil
}

// record feeds every span to the metrics.
func (p *Pipeline) record(td ptrace.Traces) {
	var s llmspan.Span
	b := newBatch(p.Now())
	defer b.release()
	spans.EachResource(td, func(res pcommon.Resource) func(ptrace.Span) {
		r := llmspan.FromResource(res.Attributes())
		return func(span ptrace.Span) {
			llmspan.Decode(r, span, &s)
			p.Metrics.Tally(&b.tally, &s)
			p.collect(b, span.TraceID(), span.ParentSpanID().IsEmpty(), &s)
		}
	})
	p.settle(b)
}

// collect records s's trace-level labels in b and keeps a model call for
// settle. Nothing here reaches the metrics: a request refused before it
// settles (the wire reader validates as it reads) counts nothing.
func (p *Pipeline) collect(b *batch, tid pcommon.TraceID, root bool, s *llmspan.Span) {
	if p.Traces != nil && (s.AppID != "" || root) {
		bt := b.trace(tid, true)
		if bt.labels.AppID == "" {
			bt.labels.AppID, bt.labels.AppName = s.AppID, cmp.Or(bt.labels.AppName, s.AppName)
		}
		bt.root = bt.root || root
	}
	if s.Kind == llmspan.KindLLM || s.Kind == llmspan.KindEmbedding {
		b.calls = append(b.calls, waiting{trace: tid, call: HeldCall{Span: *s}})
	}
}

// settle records the batch: its span counts, then what it told the trace
// cache (releasing calls held by earlier requests), then its own model
// calls, priced and labelled: by their own app, else their trace's in this
// batch, else from the cache (or held there until their app comes).
func (p *Pipeline) settle(b *batch) {
	p.Metrics.Flush(&b.tally)
	for i := range b.traces {
		bt := &b.traces[i]
		p.emit(p.Traces.Observe(bt.id, bt.labels, bt.root, b.now))
	}
	for i := range b.calls {
		w := &b.calls[i]
		c := p.price(&w.call.Span)
		w.call.Cost, w.call.Priced = c.CostUSD, c.Priced
		bt := b.trace(w.trace, false)
		switch {
		case p.Traces == nil:
			p.Metrics.Call(llmmetrics.Call{Span: &w.call.Span, CostUSD: w.call.Cost, Priced: w.call.Priced})
		case w.call.Span.AppID != "":
			p.Metrics.TraceContext(tracectx.Own)
			p.Metrics.Call(llmmetrics.Call{Span: &w.call.Span, CostUSD: w.call.Cost, Priced: w.call.Priced})
		case bt != nil && bt.labels.AppID != "":
			p.record1(w.call, bt.labels, tracectx.Inherited)
		case bt != nil && bt.root:
			p.record1(w.call, bt.labels, tracectx.NoApp)
		default:
			l, outcome, ok := p.Traces.Resolve(w.trace, tracectx.Labels{AppName: w.call.Span.AppName}, w.call, b.now)
			if ok {
				p.record1(w.call, l, outcome)
			}
		}
	}
}

func (p *Pipeline) record1(c HeldCall, l tracectx.Labels, outcome string) {
	c.Span.Inherit(l.AppID, l.AppName)
	p.Metrics.TraceContext(outcome)
	p.Metrics.Call(llmmetrics.Call{Span: &c.Span, CostUSD: c.Cost, Priced: c.Priced})
}

// emit records calls released by the trace cache.
func (p *Pipeline) emit(released []tracectx.Released[HeldCall]) {
	for i := range released {
		p.record1(released[i].Item, released[i].Labels, released[i].Outcome)
	}
}

// price bounds a model call's values (llmspan.Bound: what is out of
// bounds is counted and kept out of the metrics) and prices its usage.
func (p *Pipeline) price(s *llmspan.Span) llmmetrics.Call {
	if why := s.Bound(); why != nil {
		p.Metrics.OutOfBounds(why)
	}
	c := llmmetrics.Call{Span: s}
	price, ok := p.Prices.Lookup(s.Model)
	if !ok {
		return c
	}
	if s.Provider == "" {
		s.Provider = price.Provider // the table knows whose model it is
	}
	c.CostUSD, c.Priced = price.Cost(s.Usage), true
	return c
}

// rejected is the partial-success answer for n spans without ids.
func rejected(n int64) Result {
	if n == 0 {
		return Result{}
	}
	return Result{Rejected: n, Message: fmt.Sprintf("%d spans rejected: trace_id and span_id must be non-zero", n)}
}

// removeInvalid drops spans that no platform would accept and returns how many.
func removeInvalid(td ptrace.Traces) int64 {
	return int64(spans.RemoveIf(td, func(s ptrace.Span) bool { return s.TraceID().IsEmpty() || s.SpanID().IsEmpty() }))
}
