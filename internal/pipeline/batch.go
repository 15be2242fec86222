package pipeline

import (
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/llmops/terraform-provider-llmops/internal/llmmetrics"
	"github.com/llmops/terraform-provider-llmops/internal/tracectx"
)

// batch is what one request tells about its traces, so that a trace whose
// spans all came together (the common case) never touches the shared
// trace cache, and nothing reaches the metrics before the request settles.
// Batches are pooled: a warm one allocates nothing.
type batch struct {
	now   time.Time
	tally llmmetrics.SpanTally // llm_spans_total, flushed by settle
	// traces are the request's traces that named an app or had a root
	// span; index finds them.
	traces []batchTrace
	index  map[pcommon.TraceID]int32
	calls  []waiting
	// last is 1 + the index of the previous span's trace (0: none): spans
	// of one trace usually come together, so most lookups skip the map.
	last int32
}

type batchTrace struct {
	id     pcommon.TraceID
	labels tracectx.Labels
	root   bool
}

type waiting struct {
	trace pcommon.TraceID
	call  HeldCall
}

var batches = sync.Pool{New: func() any { return &batch{index: map[pcommon.TraceID]int32{}} }}

// maxPooled bounds what a pooled batch keeps: a batch that served an
// unusually large request is left to the garbage collector.
const maxPooled = 4096

func newBatch(now time.Time) *batch {
	b := batches.Get().(*batch)
	b.now = now
	return b
}

// release empties b (dropping the strings it points to) and pools it.
func (b *batch) release() {
	if len(b.traces) > maxPooled || len(b.calls) > maxPooled {
		return
	}
	clear(b.index)
	clear(b.traces)
	clear(b.calls)
	b.traces, b.calls, b.last = b.traces[:0], b.calls[:0], 0
	batches.Put(b)
}

// trace returns the batch's record of tid, creating it when create (nil
// when it has none). The pointer is valid until the next creation.
func (b *batch) trace(tid pcommon.TraceID, create bool) *batchTrace {
	if b.last > 0 && b.traces[b.last-1].id == tid {
		return &b.traces[b.last-1]
	}
	i, ok := b.index[tid]
	if !ok {
		if !create {
			return nil
		}
		b.traces = append(b.traces, batchTrace{id: tid})
		i = int32(len(b.traces) - 1)
		b.index[tid] = i
	}
	b.last = i + 1
	return &b.traces[i]
}
