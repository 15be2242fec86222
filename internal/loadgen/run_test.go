package loadgen

import (
	"context"
	"io"
	"net"
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

// With FirstAddress every request opens its own connection to the first
// address, and a refused one is a failure, never retried elsewhere.
func TestFirstAddressOpensAConnectionPerRequestAndNeverRetries(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	res, err := Run(context.Background(), Config{Endpoint: srv.URL, Duration: 200 * time.Millisecond, Concurrency: 2, TracesPerRequest: 1, FirstAddress: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failures != 0 || res.Requests < 2 || conns.Load() != res.Requests {
		t.Fatalf("%d requests over %d connections, %d failed", res.Requests, conns.Load(), res.Failures)
	}
	closed := srv.Listener.Addr().String()
	srv.Close()
	res, _ = Run(context.Background(), Config{Endpoint: "http://" + closed, Duration: 100 * time.Millisecond, TracesPerRequest: 1, FirstAddress: true})
	if res.Requests == 0 || res.Failures != res.Requests {
		t.Fatalf("a refusing address: %d of %d requests failed", res.Failures, res.Requests)
	}
}
