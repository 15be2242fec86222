// Package receiver implements the OTLP receivers (HTTP on :4318, gRPC on
// :4317) on top of pdata's ptraceotlp/pmetricotlp, without the collector
// runtime. Both share optional bearer-token auth and a request size limit,
// and answer with the status codes the OTLP specification gives senders for
// their retry decisions.
package receiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/llmops/terraform-provider-llmops/internal/logthrottle"
	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
)

// Consumer is what receivers feed.
type Consumer interface {
	ConsumeTraces(ctx context.Context, td ptrace.Traces) (pipeline.Result, error)
	ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error
}

// Options are shared by both receivers.
type Options struct {
	// Token, when set, is required as "Authorization: Bearer <token>".
	Token string
	// MaxBytes bounds a request body after decompression.
	MaxBytes int64
	// Admission bounds the request bytes in memory over both receivers
	// (nil: unbounded).
	Admission *Admission
	Logger    *slog.Logger
	Metrics   *Metrics
	// gRPC connection limits (zero: the defaults below).
	MaxConcurrentStreams uint32
	IdleTimeout          time.Duration
	// HandshakeTimeout closes a gRPC connection that has not completed its
	// HTTP/2 preface in time.
	HandshakeTimeout time.Duration
	// Langfuse, when set, also serves Langfuse's ingest API (see Langfuse).
	Langfuse *Langfuse
	// throttle limits the log lines of failures that repeat per request.
	throttle *logthrottle.Throttle
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 16 << 20
	}
	if o.MaxConcurrentStreams == 0 {
		o.MaxConcurrentStreams = 100
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 2 * time.Minute
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 10 * time.Second
	}
	if o.throttle == nil {
		o.throttle = logthrottle.New(10 * time.Second)
	}
	return o
}

const (
	ctProto = "application/x-protobuf"
	ctJSON  = "application/json"
)

// NewHTTPHandler serves POST /v1/traces and POST /v1/metrics, and Dify's
// Aliyun path .../adapt_{token}/api/otlp/traces as an alias of /v1/traces.
// A panic while serving is answered 500, logged and counted, never a crash.
func NewHTTPHandler(c Consumer, o Options) http.Handler {
	o = o.withDefaults()
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/traces", func(w http.ResponseWriter, r *http.Request) { handleTraces(c, o, w, r) })
	mux.HandleFunc("/v1/metrics", func(w http.ResponseWriter, r *http.Request) { handleMetrics(c, o, w, r) })
	mux.HandleFunc("/", aliyunTraces(c, o))
	if o.Langfuse != nil {
		langfuseRoutes(mux, c, o)
	}
	return Recover(mux, "http", o.Logger, o.Metrics)
}

// httpError is a refusal with its HTTP status and the reason label.
type httpError struct {
	status int
	reason string
	msg    string
}

func handleTraces(c Consumer, o Options, w http.ResponseWriter, r *http.Request) {
	body, ct, release, herr := readRequest(o, r)
	defer release()
	if herr != nil {
		o.Metrics.refused("http", herr.reason, 0)
		refuseUnread(w, ct, herr)
		return
	}
	if usesWire(c, ct) {
		// Read from its bytes, the body is not referenced once consumed.
		defer recycleBody(body)
	}
	done := o.Admission.Process()
	defer done()
	n, res, decodeErr, err := consumeTraces(pipeline.WithYield(r.Context(), done), c, ct, body)
	done()
	if decodeErr != nil {
		o.Metrics.refused("http", "decode", 0)
		writeStatus(w, ct, &httpError{http.StatusBadRequest, "decode", decodeErr.Error()})
		return
	}
	if err != nil {
		writeConsumeError(o, w, ct, n, err)
		return
	}
	o.Metrics.received("http", n, res.Rejected)
	resp := ptraceotlp.NewExportResponse()
	if res.Rejected > 0 {
		resp.PartialSuccess().SetRejectedSpans(res.Rejected)
		resp.PartialSuccess().SetErrorMessage(res.Message)
	}
	writeResponse(w, ct, resp.MarshalProto, resp.MarshalJSON)
}

func handleMetrics(c Consumer, o Options, w http.ResponseWriter, r *http.Request) {
	body, ct, release, herr := readRequest(o, r)
	defer release()
	if herr != nil {
		o.Metrics.refused("http", herr.reason, 0)
		refuseUnread(w, ct, herr)
		return
	}
	md, err := decodeMetrics(ct, body)
	if err != nil {
		o.Metrics.refused("http", "decode", 0)
		writeStatus(w, ct, &httpError{http.StatusBadRequest, "decode", err.Error()})
		return
	}
	if err := c.ConsumeMetrics(r.Context(), md); err != nil {
		writeStatus(w, ct, &httpError{http.StatusServiceUnavailable, "overloaded", err.Error()})
		return
	}
	resp := pmetricotlp.NewExportResponse()
	writeResponse(w, ct, resp.MarshalProto, resp.MarshalJSON)
}

// readRequest checks method, auth, content type, size and the memory budget,
// all before reading the body, then returns the decompressed body, the
// content type to answer in, and the function that gives the body's bytes
// back to the budget (always safe to call).
func readRequest(o Options, r *http.Request) ([]byte, string, func(), *httpError) {
	noop := func() {}
	ct := ctProto
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == ctJSON {
		ct = ctJSON
	}
	if r.Method != http.MethodPost {
		return nil, ct, noop, &httpError{http.StatusMethodNotAllowed, "method", "only POST is allowed"}
	}
	if !authorizedRequest(o.Token, r) {
		return nil, ct, noop, &httpError{http.StatusUnauthorized, "auth", "missing or invalid bearer token"}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != ctProto && mt != ctJSON) {
		return nil, ct, noop, &httpError{http.StatusUnsupportedMediaType, "content_type",
			fmt.Sprintf("unsupported Content-Type %q; use %s or %s", r.Header.Get("Content-Type"), ctProto, ctJSON)}
	}
	if r.ContentLength > o.MaxBytes {
		return nil, ct, noop, tooLarge(o.MaxBytes)
	}
	cr := &chargedReader{r: http.MaxBytesReader(nil, r.Body, o.MaxBytes), adm: o.Admission}
	if r.ContentLength > 0 {
		if !o.Admission.TryAcquire(r.ContentLength) {
			return nil, ct, noop, overBudget()
		}
		cr.reserved = r.ContentLength
	}
	release := func() { o.Admission.Release(cr.reserved) }
	body, err := readBody(r, cr, o.MaxBytes)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) {
			return nil, ct, release, he
		}
		return nil, ct, release, &httpError{http.StatusBadRequest, "read", "cannot read the request body: " + err.Error()}
	}
	return body, ct, release, nil
}

func (e *httpError) Error() string { return e.msg }

func tooLarge(max int64) *httpError {
	return &httpError{http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body exceeds %d bytes", max)}
}

func overBudget() *httpError {
	return &httpError{http.StatusTooManyRequests, "memory", errOverBudget.Error() + "; retry later"}
}

// refuseUnread answers a request whose body was not read and closes the
// connection: net/http would otherwise read up to 256 KiB of the unread body
// to keep the connection alive, which under overload is work for nothing.
func refuseUnread(w http.ResponseWriter, ct string, e *httpError) {
	w.Header().Set("Connection", "close")
	writeStatus(w, ct, e)
}

// readBody reads the (possibly gzip) body from cr, which bounds and charges
// the compressed bytes; decompressed bytes are bounded by max and charged
// as well.
func readBody(r *http.Request, cr *chargedReader, max int64) ([]byte, error) {
	var rd io.Reader = cr
	size := r.ContentLength
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(cr)
		if err != nil {
			return nil, bodyError(err, "invalid gzip body: ")
		}
		defer zr.Close()
		// Decompressed bytes are charged too: a small gzip body can expand a lot.
		inner := &chargedReader{r: zr, adm: cr.adm}
		defer func() { cr.reserved += inner.reserved }()
		rd, size = inner, -1
	default:
		return nil, &httpError{http.StatusUnsupportedMediaType, "content_encoding", fmt.Sprintf("unsupported Content-Encoding %q; use gzip", enc)}
	}
	buf := bytes.NewBuffer(pooledBody())
	if size > 0 {
		// One allocation, not ReadAll's doublings. ReadFrom grows the buffer
		// whenever less than MinRead bytes are free, even for the read that
		// only finds EOF, so a buffer of exactly Content-Length bytes was
		// allocated, cleared and copied a second time for every request.
		buf.Grow(int(size) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(rd, max+1))
	if err != nil {
		return nil, bodyError(err, "cannot read the request body: ")
	}
	if int64(buf.Len()) > max {
		return nil, tooLarge(max)
	}
	return buf.Bytes(), nil
}

// bodyError maps a read failure to its refusal.
func bodyError(err error, prefix string) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, errOverBudget):
		return overBudget()
	case errors.As(err, &mbe):
		return tooLarge(mbe.Limit)
	}
	return &httpError{http.StatusBadRequest, "read", prefix + err.Error()}
}

// Authorized checks "Bearer <token>" exactly (the scheme is
// case-insensitive, as RFC 9110 says; the token is not trimmed). Both sides
// are hashed first, so the comparison takes the same time whatever the
// length or content of what was sent.
func Authorized(token, header string) bool {
	if token == "" {
		return true
	}
	scheme, value, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return TokenEqual(value, token)
}

// TokenEqual compares a presented token with the expected one in constant
// time over fixed-length SHA-256 digests.
func TokenEqual(presented, expected string) bool {
	a, b := sha256.Sum256([]byte(presented)), sha256.Sum256([]byte(expected))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// noRoomMessage is what a sender is told when the queue's volume is full
// (the volume's path and the OS error are in the log, not in the answer).
const noRoomMessage = "the exporter's durable queue has no room left on its volume; retry later"

func writeConsumeError(o Options, w http.ResponseWriter, ct string, n int, err error) {
	if errors.Is(err, pipeline.ErrOverloaded) {
		o.Metrics.refused("http", "overloaded", n)
		writeStatus(w, ct, &httpError{http.StatusTooManyRequests, "overloaded", err.Error()})
		return
	}
	if errors.Is(err, pipeline.ErrNoRoom) {
		o.Metrics.refused("http", "queue_disk_full", n)
		o.throttle.Log(o.Logger, slog.LevelError, "no-room", "request refused: the queue's volume is full", "transport", "http", "err", err)
		writeStatus(w, ct, &httpError{http.StatusServiceUnavailable, "queue_disk_full", noRoomMessage})
		return
	}
	o.Metrics.refused("http", "internal", n)
	o.throttle.Log(o.Logger, slog.LevelError, "http", "processing traces failed", "transport", "http", "err", err)
	writeStatus(w, ct, &httpError{http.StatusServiceUnavailable, "internal", "temporary failure, retry later"})
}

// writeStatus answers with a google.rpc.Status body, as OTLP/HTTP specifies.
func writeStatus(w http.ResponseWriter, ct string, e *httpError) {
	code := codes.InvalidArgument
	switch e.status {
	case http.StatusUnauthorized:
		code = codes.Unauthenticated
		w.Header().Set("WWW-Authenticate", `Bearer realm="llmops-exporter"`)
	case http.StatusTooManyRequests:
		code = codes.ResourceExhausted
		w.Header().Set("Retry-After", "1")
	case http.StatusServiceUnavailable:
		code = codes.Unavailable
	}
	// Decode errors may quote the request's bytes; protobuf strings must be
	// valid UTF-8, or the Status would not marshal and the body be empty.
	st := status.New(code, strings.ToValidUTF8(e.msg, "\uFFFD")).Proto()
	marshal := func() ([]byte, error) { return proto.Marshal(st) }
	if ct == ctJSON {
		marshal = func() ([]byte, error) { return protojson.Marshal(st) }
	}
	body, err := marshal()
	if err != nil {
		ct, body = "text/plain; charset=utf-8", []byte(st.GetMessage())
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

func writeResponse(w http.ResponseWriter, ct string, asProto, asJSON func() ([]byte, error)) {
	marshal := asProto
	if ct == ctJSON {
		marshal = asJSON
	}
	body, err := marshal()
	if err != nil {
		http.Error(w, "cannot encode the response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(body)
}
