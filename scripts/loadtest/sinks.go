package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/llmops/terraform-provider-llmops/internal/otlpwire"
)

// sink is an OTLP/HTTP destination that validates and counts spans, and can
// be switched into an outage (503).
type sink struct {
	url    string
	spans  atomic.Int64
	outage atomic.Bool
}

func startSink(addr string) (*sink, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &sink{url: "http://" + l.Addr().String()}
	go func() {
		_ = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s.outage.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			var rd io.Reader = r.Body
			if r.Header.Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(r.Body)
				if err != nil {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				rd = zr
			}
			body, _ := io.ReadAll(rd)
			// pdata's acceptance rules, at a fraction of its cost (one
			// pass, counting as it checks): the sinks share a core with
			// the load generator.
			n := int64(0)
			err := otlpwire.Read(body, func(otlpwire.Resource) func(*otlpwire.Span) {
				return func(*otlpwire.Span) { n++ }
			})
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			s.spans.Add(n)
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.WriteHeader(http.StatusOK)
		}))
	}()
	return s, nil
}

// destinationsYAML points n destinations at the sinks, with durable queues.
func destinationsYAML(dir string, sinks []*sink) string {
	var b strings.Builder
	fmt.Fprintf(&b, "queue: {directory: %q, fsync: true}\ndestinations:\n", dir)
	for i, s := range sinks {
		fmt.Fprintf(&b, "  - {name: sink%d, type: otlp, endpoint: %q, retry: {initial: 100ms, max: 1s}, queue: {max_bytes: 2147483648}}\n", i, s.url)
	}
	return b.String()
}

// metric sums the exporter's series of name whose labels contain match.
func metric(addr, name, match string) float64 {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, name+"{") && strings.Contains(line, match) {
			var v float64
			fmt.Sscanf(line[strings.LastIndexByte(line, ' ')+1:], "%g", &v)
			sum += v
		}
	}
	return sum
}

// drain measures how fast destination name empties its queue once its
// platform is back: spans drained per second.
func drain(addr, name string, s *sink, limit time.Duration) (spans float64, took time.Duration, err error) {
	backlog := metric(addr, "llmops_exporter_destination_queue_spans", `destination="`+name+`"`)
	start := time.Now()
	s.outage.Store(false)
	for time.Since(start) < limit {
		if metric(addr, "llmops_exporter_destination_queue_spans", `destination="`+name+`"`) == 0 {
			return backlog, time.Since(start), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return backlog, 0, fmt.Errorf("queue of %s not drained within %s", name, limit)
}

// serveSink runs one sink until killed, printing the spans it received
// every second.
func serveSink(addr string) {
	s, err := startSink(addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for last := int64(-1); ; time.Sleep(time.Second) {
		if n := s.spans.Load(); n != last {
			fmt.Printf("sink %s: %d spans\n", addr, n)
			last = n
		}
	}
}
