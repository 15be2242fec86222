package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// Every span the receiver accepted is counted as sent, including requests
// in flight when the run's time is up.
func TestCountsWhatWasAccepted(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		time.Sleep(20 * time.Millisecond) // many requests straddle the deadline
		got.Add(int64(req.Traces().SpanCount()))
		w.Header().Set("Content-Type", "application/x-protobuf")
		b, _ := ptraceotlp.NewExportResponse().MarshalProto()
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{Endpoint: srv.URL, Protocol: "http/protobuf", Duration: 250 * time.Millisecond, Concurrency: 8, TracesPerRequest: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Spans == 0 || res.Spans != got.Load() || res.Failures != 0 {
		t.Fatalf("loadgen counted %d spans (%d failures), the receiver %d", res.Spans, res.Failures, got.Load())
	}
}
