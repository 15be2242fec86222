// Package delivery moves spans from each destination's durable queue to its
// platform: batching, gzip, retries with exponential backoff and jitter
// (honouring Retry-After), dead letters for permanent failures, and the
// per-destination metrics. Fanout is the pipeline's Sink: it redacts once and
// enqueues each destination's prepared copy.
package delivery

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"golang.org/x/oauth2"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/encoding/gzip" // registers the gzip compressor
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// SendError is a failed export, classified for the retry decision.
type SendError struct {
	Retryable  bool
	Status     string // "HTTP 503", "gRPC Unavailable", "connection"
	RetryAfter time.Duration
	Msg        string
}

func (e *SendError) Error() string { return e.Status + ": " + e.Msg }

// Sender exports one batch: req is a serialized ExportTraceServiceRequest.
// It returns the spans the platform rejected in a partial success, or a
// *SendError.
type Sender interface {
	Send(ctx context.Context, req []byte) (rejected int64, err error)
	Close()
}

// decode parses a serialized request for senders that need the data model.
func decode(req []byte) (ptraceotlp.ExportRequest, error) {
	r := ptraceotlp.NewExportRequest()
	if err := r.UnmarshalProto(req); err != nil {
		return r, &SendError{Status: "decode", Msg: "undecodable queued batch: " + err.Error()}
	}
	return r, nil
}

// NewSender builds the sender for exp. secrets are scrubbed from errors.
func NewSender(exp platform.Export, timeout time.Duration, secrets []string) (Sender, error) {
	if exp.Protocol == platform.GRPC {
		return newGRPCSender(exp, timeout, secrets)
	}
	client := &http.Client{Timeout: timeout}
	if exp.OAuth != nil {
		client = oauthClient(exp.OAuth, timeout)
		secrets = append(secrets, exp.OAuth.ClientSecret)
	}
	return &httpSender{exp: exp, client: client, scrub: newScrubber(secrets)}, nil
}

// oauthClient fetches a bearer token with the client-credentials grant,
// reuses it until it expires, and adds it to every request
// (golang.org/x/oauth2, as the Databricks SDKs do).
func oauthClient(o *platform.OAuthClient, timeout time.Duration) *http.Client {
	cc := o.Config()
	base := &http.Client{Timeout: timeout}
	c := cc.Client(context.WithValue(context.Background(), oauth2.HTTPClient, base))
	c.Timeout = timeout
	return c
}

// tokenError classifies a failed token request: a client the token
// endpoint refuses (400/401/403) is a permanent error, like a rejected key;
// anything else is retried.
func tokenError(err error, display string) *SendError {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return nil
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	return &SendError{Retryable: status == 0 || retryableHTTP[status] || status >= 500, Status: fmt.Sprintf("OAuth token HTTP %d", status),
		Msg: fmt.Sprintf("the token endpoint refused the client (%s) for %s", cmp.Or(re.ErrorCode, http.StatusText(status)), display)}
}

type httpSender struct {
	exp    platform.Export
	client *http.Client
	scrub  *strings.Replacer
}

// retryableHTTP are the statuses the OTLP specification (and each platform)
// asks senders to retry.
var retryableHTTP = map[int]bool{http.StatusTooManyRequests: true, http.StatusBadGateway: true,
	http.StatusServiceUnavailable: true, http.StatusGatewayTimeout: true, http.StatusRequestTimeout: true}

func (s *httpSender) Send(ctx context.Context, body []byte) (int64, error) {
	ct := "application/x-protobuf"
	if s.exp.Protocol == platform.HTTPJSON || len(s.exp.SendTimeResourceAttributes) > 0 {
		req, err := decode(body)
		if err != nil {
			return 0, err
		}
		addResourceAttributes(req, s.exp.SendTimeResourceAttributes)
		if s.exp.Protocol == platform.HTTPJSON {
			ct = "application/json"
			body, err = req.MarshalJSON()
		} else {
			body, err = req.MarshalProto()
		}
		if err != nil {
			return 0, &SendError{Status: "encode", Msg: err.Error()}
		}
	}
	payload := body
	if s.exp.Gzip {
		payload = gzipped(body)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, s.exp.URL, bytes.NewReader(payload))
	if err != nil {
		return 0, &SendError{Status: "request", Msg: s.scrub.Replace(err.Error())}
	}
	hr.Header.Set("Content-Type", ct)
	if s.exp.Gzip {
		hr.Header.Set("Content-Encoding", "gzip")
	}
	hr.Header.Set("User-Agent", "llmops-exporter")
	for _, h := range s.exp.Headers {
		hr.Header.Set(h.Name, h.Value)
	}
	resp, err := s.client.Do(hr)
	if err != nil {
		if te := tokenError(err, s.exp.DisplayURL); te != nil {
			return 0, te
		}
		var ue interface{ Unwrap() error }
		msg := err.Error()
		if errors.As(err, &ue) {
			msg = ue.Unwrap().Error() // drop the URL: Aliyun's holds the token
		}
		return 0, &SendError{Retryable: true, Status: "connection", Msg: s.scrub.Replace(msg) + " (" + s.exp.DisplayURL + ")"}
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return partialSuccess(respBody, resp.Header.Get("Content-Type")), nil
	}
	se := &SendError{
		Retryable: retryableHTTP[resp.StatusCode], Status: fmt.Sprintf("HTTP %d", resp.StatusCode),
		RetryAfter: retryAfter(resp.Header.Get("Retry-After")),
		Msg:        s.scrub.Replace(fmt.Sprintf("POST %s: %s", s.exp.DisplayURL, snippet(respBody))),
	}
	switch {
	case resp.StatusCode == http.StatusForbidden && s.exp.SuspendedOn403:
		// Keys that were ever accepted do not turn wrong; a suspended
		// ingestion comes back when the usage limit resets.
		se.Retryable, se.Status = true, "HTTP 403 suspended"
		se.RetryAfter = max(se.RetryAfter, suspendedBackoff)
	case resp.StatusCode == http.StatusInternalServerError && s.exp.Retry500:
		se.Retryable = true
	}
	return 0, se
}

func (s *httpSender) Close() { s.client.CloseIdleConnections() }

func partialSuccess(body []byte, ct string) int64 {
	if len(body) == 0 {
		return 0
	}
	resp := ptraceotlp.NewExportResponse()
	var err error
	if strings.HasPrefix(ct, "application/json") {
		err = resp.UnmarshalJSON(body)
	} else {
		err = resp.UnmarshalProto(body)
	}
	if err != nil {
		return 0 // platforms such as Langfuse answer {} or plain text
	}
	return resp.PartialSuccess().RejectedSpans()
}

// suspendedBackoff is the wait after a platform said ingestion is
// suspended: long, so a usage limit is not hammered.
const suspendedBackoff = 5 * time.Minute

// maxRetryAfter bounds what a platform can ask for (and keeps huge values
// from overflowing time.Duration).
const maxRetryAfter = time.Hour

// retryAfter parses seconds or an HTTP date; 0 when absent, invalid or past.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 {
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), maxRetryAfter)
	}
	return 0
}

func snippet(b []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "?"))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// newScrubber replaces every secret value with "***" in error texts.
func newScrubber(secrets []string) *strings.Replacer {
	var pairs []string
	for _, s := range secrets {
		if len(s) >= 4 {
			pairs = append(pairs, s, "***")
		}
	}
	return strings.NewReplacer(pairs...)
}

type grpcSender struct {
	conn    *grpc.ClientConn
	client  ptraceotlp.GRPCClient
	md      metadata.MD
	timeout time.Duration
	scrub   *strings.Replacer
	display string
	// sendAttrs are resource attributes added at send time (secrets).
	sendAttrs map[string]string
}

func newGRPCSender(exp platform.Export, timeout time.Duration, secrets []string) (*grpcSender, error) {
	creds := credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
	if exp.Insecure {
		creds = insecure.NewCredentials()
	}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	if exp.Gzip {
		opts = append(opts, grpc.WithDefaultCallOptions(grpc.UseCompressor("gzip")))
	}
	conn, err := grpc.NewClient(exp.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("gRPC client for %s: %w", exp.DisplayURL, err)
	}
	md := metadata.MD{}
	for _, h := range exp.Headers {
		md.Append(strings.ToLower(h.Name), h.Value)
	}
	return &grpcSender{conn: conn, client: ptraceotlp.NewGRPCClient(conn), md: md, timeout: timeout, scrub: newScrubber(secrets), display: exp.DisplayURL,
		sendAttrs: exp.SendTimeResourceAttributes}, nil
}

// retryableGRPC follows the OTLP specification.
var retryableGRPC = map[codes.Code]bool{codes.Canceled: true, codes.DeadlineExceeded: true, codes.Aborted: true,
	codes.OutOfRange: true, codes.Unavailable: true, codes.DataLoss: true}

func (s *grpcSender) Send(ctx context.Context, body []byte) (int64, error) {
	req, err := decode(body)
	if err != nil {
		return 0, err
	}
	addResourceAttributes(req, s.sendAttrs)
	ctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(ctx, s.md), s.timeout)
	defer cancel()
	resp, err := s.client.Export(ctx, req)
	if err == nil {
		return resp.PartialSuccess().RejectedSpans(), nil
	}
	st := status.Convert(err)
	e := &SendError{Retryable: retryableGRPC[st.Code()], Status: "gRPC " + st.Code().String(), Msg: s.scrub.Replace(st.Message()) + " (" + s.display + ")"}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			// RESOURCE_EXHAUSTED is retryable only when the server says when.
			e.Retryable, e.RetryAfter = true, ri.GetRetryDelay().AsDuration()
		}
	}
	return 0, e
}

func (s *grpcSender) Close() { _ = s.conn.Close() }

// addResourceAttributes sets attrs on every resource of req, in memory only.
func addResourceAttributes(req ptraceotlp.ExportRequest, attrs map[string]string) {
	if len(attrs) == 0 {
		return
	}
	rss := req.Traces().ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		a := rss.At(i).Resource().Attributes()
		for k, v := range attrs {
			a.PutStr(k, v)
		}
	}
}

// gzipWriters are reused: a new compressor costs more to allocate and
// clear than compressing a batch. The output is not pooled: the HTTP
// transport may still read a request body after the response came back.
var gzipWriters = sync.Pool{New: func() any {
	// Fastest level: on loopback-to-LAN links CPU, not bandwidth, is
	// scarce, and level 1 still shrinks OTLP protobuf several times.
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// gzipped is body compressed.
func gzipped(body []byte) []byte {
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	// Level 1 shrinks Dify-shaped OTLP about three times: half the input
	// is room enough that the buffer is not grown and copied.
	buf := bytes.NewBuffer(make([]byte, 0, len(body)/2+64))
	w.Reset(buf)
	_, _ = w.Write(body) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	return buf.Bytes()
}
