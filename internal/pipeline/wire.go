package pipeline

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
	"github.com/llmops/terraform-provider-llmops/internal/otlpwire"
)

// interners are reused across requests: the label values they hold (models,
// providers, apps) repeat, so a warm interner allocates nothing.
var interners = sync.Pool{New: func() any { return new(llmspan.Interner) }}

// WireSink is a Sink that also takes a request as its protobuf bytes, so
// that a destination that wants the request unchanged gets the bytes as
// received, never decoded nor re-encoded.
type WireSink interface {
	Sink
	// ConsumeWire takes a valid request (otlpwire.Read accepted it) of n spans,
	// every one with its ids. body is only valid during the call.
	ConsumeWire(ctx context.Context, body []byte, n int) error
}

// WireOK reports whether ConsumeWire may stand in for decoding and
// ConsumeTraces: sampling keeps every span, or decides by trace ID alone
// (no keep rule must look at a span, nothing is buffered), and the Sink
// needs no spans (no destination) or takes bytes.
func (p *Pipeline) WireOK() bool {
	if !p.Sampler.KeepsAll() && !p.Sampler.HeadOnly() {
		return false
	}
	switch p.Sink.(type) {
	case Discard, WireSink:
		return true
	}
	return false
}

// DecodeError is a body ConsumeWire refused: none of it was counted or
// delivered.
type DecodeError struct{ Err error }

func (e *DecodeError) Error() string { return e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

// ConsumeWire processes an OTLP/protobuf traces request straight from its
// bytes, as ConsumeTraces processes the decoded request when WireOK: the
// same validation (pdata's, and the nesting bound; a refusal is a
// *DecodeError), the same rejection of spans without ids, the same metrics,
// the same delivery. It returns the number of spans the request held.
func (p *Pipeline) ConsumeWire(ctx context.Context, body []byte) (int, Result, error) {
	in := interners.Get().(*llmspan.Interner)
	defer interners.Put(in)
	var s llmspan.Span
	b := newBatch(p.Now())
	defer b.release()
	total, invalid, kept := 0, 0, 0
	// One pass validates and reads. Until Read returns nil, what the spans
	// told stays in b (collect defers every model call to settle), so a
	// refused request counts nothing.
	err := otlpwire.Read(body, func(res otlpwire.Resource) func(*otlpwire.Span) {
		r := llmspan.FromWireResource(res)
		return func(sp *otlpwire.Span) {
			total++
			if sp.TraceID == ([16]byte{}) || sp.SpanID == ([8]byte{}) {
				invalid++
				return
			}
			if p.Sampler.HeadKeep(pcommon.TraceID(sp.TraceID)) {
				kept++
			}
			llmspan.DecodeWire(r, sp, &s)
			s.Own(in) // label values and held calls outlive the body
			p.Metrics.Tally(&b.tally, &s)
			p.collect(b, pcommon.TraceID(sp.TraceID), sp.ParentSpanID == [8]byte{}, &s)
		}
	})
	if err != nil {
		return 0, Result{}, &DecodeError{fmt.Errorf("cannot decode the OTLP traces request: %w", err)}
	}
	p.settle(b)
	if p.Sampler.KeepsAll() {
		p.Sampler.KeptAll(total - invalid)
		return total, rejected(int64(invalid)), p.deliverWire(ctx, body, total, invalid)
	}
	p.Sampler.Decided(kept, total-invalid-kept)
	return total, rejected(int64(invalid)), p.deliverSampled(ctx, body, total, kept)
}

// deliverSampled hands the Sink the spans head sampling kept: the request
// itself when it kept all of them, else the request cut to them at the wire
// level (otlpwire.Filter), never decoded.
func (p *Pipeline) deliverSampled(ctx context.Context, body []byte, total, kept int) error {
	ws, ok := p.Sink.(WireSink)
	if !ok || kept == 0 {
		return nil // Discard (WireOK allows no other Sink)
	}
	if kept == total {
		return ws.ConsumeWire(ctx, body, total)
	}
	cut, n := otlpwire.Filter(body, func(sp *otlpwire.Span) bool {
		return sp.TraceID != [16]byte{} && sp.SpanID != [8]byte{} && p.Sampler.HeadKeep(pcommon.TraceID(sp.TraceID))
	})
	return ws.ConsumeWire(ctx, cut, n)
}

// deliverWire hands the request to the Sink: as bytes when every span has
// its ids, else decoded, without the spans that have none (rare: a broken
// sender), as ConsumeTraces does.
func (p *Pipeline) deliverWire(ctx context.Context, body []byte, total, invalid int) error {
	if _, discard := p.Sink.(Discard); discard || total == invalid {
		return nil
	}
	if ws, ok := p.Sink.(WireSink); ok && invalid == 0 {
		return ws.ConsumeWire(ctx, body, total)
	}
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return fmt.Errorf("decoding a request the wire reader accepted: %w", err)
	}
	td := req.Traces()
	removeInvalid(td)
	return p.Sink.ConsumeTraces(ctx, td)
}
