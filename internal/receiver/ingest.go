package receiver

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/otlpwire"
	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
)

// MaxNesting is the deepest attribute value (maps and arrays inside maps and
// arrays) a request may hold, whatever its encoding. pdata's protobuf
// decoder stops at 100 message frames, which is 32 levels of maps, while its
// JSON decoder has no bound, so a deep JSON request used to be acknowledged
// and then never be deliverable (the platforms' protobuf decoders refuse it
// too). Both encodings are now held to the protobuf bound, which otlpwire
// defines for its reader and for decoded traces alike.
const MaxNesting = otlpwire.MaxNesting

// decodeTraces decodes an OTLP traces request in the encoding ct names and
// refuses what could never be delivered.
func decodeTraces(ct string, body []byte) (ptrace.Traces, error) {
	req := ptraceotlp.NewExportRequest()
	if err := unmarshal(ct, body, req.UnmarshalProto, req.UnmarshalJSON); err != nil {
		return ptrace.Traces{}, fmt.Errorf("cannot decode the OTLP traces request: %w", err)
	}
	td := req.Traces()
	if err := otlpwire.CheckNesting(td); err != nil {
		return ptrace.Traces{}, err
	}
	return td, nil
}

// WireConsumer is a Consumer that can also process a protobuf traces
// request from its bytes, when WireOK says nothing downstream needs the
// decoded data (pipeline.Pipeline: destinations that take bytes, sampling
// without keep rules).
type WireConsumer interface {
	WireOK() bool
	ConsumeWire(ctx context.Context, body []byte) (int, pipeline.Result, error)
}

// consumeTraces hands a traces request to c: straight from its bytes when
// c can take them, else decoded. It returns the request's span count, and
// a decode error (the request is refused as undecodable) apart from a
// processing error.
func consumeTraces(ctx context.Context, c Consumer, ct string, body []byte) (int, pipeline.Result, error, error) {
	if usesWire(c, ct) {
		n, res, err := c.(WireConsumer).ConsumeWire(ctx, body)
		var de *pipeline.DecodeError
		if errors.As(err, &de) {
			return 0, pipeline.Result{}, de, nil
		}
		return n, res, nil, err
	}
	td, err := decodeTraces(ct, body)
	if err != nil {
		return 0, pipeline.Result{}, err, nil
	}
	n := td.SpanCount()
	res, err := c.ConsumeTraces(ctx, td)
	return n, res, nil, err
}

// usesWire reports whether consumeTraces hands c the request as bytes.
func usesWire(c Consumer, ct string) bool {
	wc, ok := c.(WireConsumer)
	return ok && ct == ctProto && wc.WireOK()
}

// bodies are request bodies given back once the wire path consumed them
// (it keeps no reference: see pipeline.WireSink): a body the size of a
// request is then not allocated, and cleared, for every request.
var bodies sync.Pool

// maxPooledBody bounds the bodies kept: a rare huge request's buffer is
// left to the garbage collector.
const maxPooledBody = 4 << 20

func pooledBody() []byte {
	if b, ok := bodies.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return nil
}

func recycleBody(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledBody {
		return
	}
	b = b[:0]
	bodies.Put(&b)
}

// decodeMetrics decodes an OTLP metrics request in the encoding ct names.
func decodeMetrics(ct string, body []byte) (pmetric.Metrics, error) {
	req := pmetricotlp.NewExportRequest()
	if err := unmarshal(ct, body, req.UnmarshalProto, req.UnmarshalJSON); err != nil {
		return pmetric.Metrics{}, fmt.Errorf("cannot decode the OTLP metrics request: %w", err)
	}
	return req.Metrics(), nil
}

// unmarshal decodes body in the encoding its content type names.
func unmarshal(ct string, body []byte, fromProto, fromJSON func([]byte) error) error {
	if ct == ctJSON {
		return fromJSON(body)
	}
	return fromProto(body)
}
