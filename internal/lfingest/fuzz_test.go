package lfingest

import (
	"encoding/json"
	"testing"
)

// FuzzConvert: any batch, however malformed, converts without panicking,
// every event gets exactly one result, and every span has valid ids.
func FuzzConvert(f *testing.F) {
	f.Add(difyMessageBatch)
	f.Add(difyWorkflowBatch)
	f.Add(`{"batch":[{"id":"a","type":"span-update","body":{"id":"x","traceId":"t","endTime":"nope"}}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var req struct{ Batch []Event }
		if json.Unmarshal([]byte(s), &req) != nil {
			return
		}
		td, res := Convert(req.Batch)
		if len(res) != len(req.Batch) {
			t.Fatalf("%d results for %d events", len(res), len(req.Batch))
		}
		spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		for i := 0; i < spans.Len(); i++ {
			if sp := spans.At(i); sp.TraceID().IsEmpty() || sp.SpanID().IsEmpty() {
				t.Fatalf("span %q without ids", sp.Name())
			}
		}
	})
}
