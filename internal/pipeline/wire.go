package pipeline

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
	"github.com/llmops/terraform-provider-llmops/internal/otlpwire"
)

// interners are reused across requests: the label values they hold (models,
// providers, apps) repeat, so a warm interner allocates nothing.
var interners = sync.Pool{New: func() any { return new(llmspan.Interner) }}

// WireOK reports whether ConsumeWire may stand in for decoding and
// ConsumeTraces: nothing after the metrics needs the spans (no destination,
// and sampling keeps every span, so it only counts them).
func (p *Pipeline) WireOK() bool {
	_, discard := p.Sink.(Discard)
	return discard && p.Sampler.KeepsAll()
}

// DecodeError is a body ConsumeWire refused before processing anything.
type DecodeError struct{ Err error }

func (e *DecodeError) Error() string { return e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

// ConsumeWire processes an OTLP/protobuf traces request straight from its
// bytes, as ConsumeTraces processes the decoded request when WireOK: the
// same validation (pdata's, and the nesting bound; a refusal is a
// *DecodeError), the same rejection of spans without ids, the same metrics.
// It returns the number of spans the request held.
func (p *Pipeline) ConsumeWire(_ context.Context, body []byte) (int, Result, error) {
	if err := otlpwire.Validate(body); err != nil {
		return 0, Result{}, &DecodeError{fmt.Errorf("cannot decode the OTLP traces request: %w", err)}
	}
	in := interners.Get().(*llmspan.Interner)
	defer interners.Put(in)
	var s llmspan.Span
	b := batch{now: p.Now()}
	total, invalid := 0, 0
	otlpwire.EachResource(body, func(res otlpwire.Resource) func(*otlpwire.Span) {
		r := llmspan.FromWireResource(res)
		return func(sp *otlpwire.Span) {
			total++
			if sp.TraceID == ([16]byte{}) || sp.SpanID == ([8]byte{}) {
				invalid++
				return
			}
			llmspan.DecodeWire(r, sp, &s)
			s.Own(in) // label values and held calls outlive the body
			p.Metrics.Span(&s)
			p.collect(&b, pcommon.TraceID(sp.TraceID), sp.ParentSpanID == [8]byte{}, &s)
		}
	})
	p.settle(&b)
	p.Sampler.KeptAll(total - invalid)
	return total, rejected(int64(invalid)), nil
}
