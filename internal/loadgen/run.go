package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// Config is one load run.
type Config struct {
	// Endpoint is http://host:port for HTTP, host:port for gRPC.
	Endpoint string
	// Protocol is "http/protobuf" or "grpc".
	Protocol string
	// SpansPerSecond is the target rate; 0 sends as fast as possible.
	SpansPerSecond int
	Duration       time.Duration
	Concurrency    int
	// TracesPerRequest sets the batch size (SpansPerTrace spans each).
	TracesPerRequest int
	Token            string
	Seed             uint64
	// PromptBytes is the largest prompt of an LLM call (0: no content).
	PromptBytes int
	// FirstAddress dials, for every request, only the first address the
	// host resolves to, on a new connection, and never retries (HTTP only):
	// the client that sees each moment a name points at a replica that
	// cannot answer, as during a rollout.
	FirstAddress bool
}

// Result summarises a run.
type Result struct {
	Spans, Requests, Failures int64
	Elapsed                   time.Duration
	FirstError                string
}

// SpansPerSec is the achieved rate.
func (r Result) SpansPerSec() float64 { return float64(r.Spans) / r.Elapsed.Seconds() }

func (r Result) String() string {
	s := fmt.Sprintf("sent %d spans in %d requests over %s: %.0f spans/s, %d failed requests",
		r.Spans, r.Requests, r.Elapsed.Round(time.Millisecond), r.SpansPerSec(), r.Failures)
	if r.FirstError != "" {
		s += " (first error: " + r.FirstError + ")"
	}
	return s
}

type sender func(ctx context.Context, req ptraceotlp.ExportRequest) error

// requestTimeout bounds one request.
const requestTimeout = 30 * time.Second

// Run sends load until cfg.Duration passes or ctx ends.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if cfg.TracesPerRequest < 1 {
		cfg.TracesPerRequest = 20
	}
	send, closeFn, err := newSender(cfg)
	if err != nil {
		return Result{}, err
	}
	defer closeFn()
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()

	perReq := cfg.TracesPerRequest * SpansPerTrace
	var interval time.Duration
	if cfg.SpansPerSecond > 0 {
		interval = time.Duration(float64(time.Second) * float64(perReq) / float64(cfg.SpansPerSecond))
	}
	var res Result
	var slot atomic.Int64
	var mu sync.Mutex
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			g := NewGenerator(cfg.Seed + uint64(w)*7919)
			g.PromptBytes = cfg.PromptBytes
			for ctx.Err() == nil {
				if interval > 0 { // a global schedule: request i leaves at start + i*interval
					at := start.Add(time.Duration(slot.Add(1)-1) * interval)
					if d := time.Until(at); d > 0 {
						select {
						case <-time.After(d):
						case <-ctx.Done():
							return
						}
					}
				}
				req := ptraceotlp.NewExportRequestFromTraces(g.Traces(cfg.TracesPerRequest))
				// A request that has left is finished whatever the run's
				// deadline: cutting it would leave spans the exporter
				// counted and the run did not.
				rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
				err := send(rctx, req)
				rcancel()
				mu.Lock()
				res.Requests++
				if err != nil {
					res.Failures++
					if res.FirstError == "" {
						res.FirstError = err.Error()
					}
				} else {
					res.Spans += int64(perReq)
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res, nil
}

func newSender(cfg Config) (sender, func(), error) {
	switch cfg.Protocol {
	case "grpc":
		conn, err := grpc.NewClient(strings.TrimPrefix(cfg.Endpoint, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, nil, err
		}
		client := ptraceotlp.NewGRPCClient(conn)
		return func(ctx context.Context, req ptraceotlp.ExportRequest) error {
			if cfg.Token != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+cfg.Token)
			}
			_, err := client.Export(ctx, req)
			return err
		}, func() { conn.Close() }, nil
	case "http/protobuf", "http", "":
		url := strings.TrimRight(cfg.Endpoint, "/")
		if !strings.HasSuffix(url, "/v1/traces") {
			url += "/v1/traces"
		}
		tr := &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency}
		if cfg.FirstAddress {
			tr.DisableKeepAlives, tr.DialContext = true, dialFirstAddress
		}
		client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
		return func(ctx context.Context, req ptraceotlp.ExportRequest) error {
			body, err := req.MarshalProto()
			if err != nil {
				return err
			}
			r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
			if err != nil {
				return err
			}
			r.Header.Set("Content-Type", "application/x-protobuf")
			if cfg.Token != "" {
				r.Header.Set("Authorization", "Bearer "+cfg.Token)
			}
			resp, err := client.Do(r)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("HTTP %d", resp.StatusCode)
			}
			return nil
		}, func() { client.CloseIdleConnections() }, nil
	}
	return nil, nil, fmt.Errorf("protocol %q: use http/protobuf or grpc", cfg.Protocol)
}

// dialFirstAddress resolves host afresh and dials its first address only:
// Go's dialer would otherwise try the next address when one refuses.
func dialFirstAddress(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, network, net.JoinHostPort(addrs[0], port))
}
