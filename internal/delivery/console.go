package delivery

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

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
