// Package receiver implements the OTLP receivers (HTTP on :4318, gRPC on
// :4317) on top of pdata's ptraceotlp/pmetricotlp, without the collector
// runtime. Both share optional bearer-token auth and a request size limit,
// and answer with the status codes the OTLP specification gives senders for
// their retry decisions.
package receiver

import (
	"compress/gzip"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

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
	Logger   *slog.Logger
	Metrics  *Metrics
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 16 << 20
	}
	return o
}

const (
	ctProto = "application/x-protobuf"
	ctJSON  = "application/json"
)

// NewHTTPHandler serves POST /v1/traces and POST /v1/metrics.
func NewHTTPHandler(c Consumer, o Options) http.Handler {
	o = o.withDefaults()
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/traces", func(w http.ResponseWriter, r *http.Request) { handleTraces(c, o, w, r) })
	mux.HandleFunc("/v1/metrics", func(w http.ResponseWriter, r *http.Request) { handleMetrics(c, o, w, r) })
	return mux
}

// httpError is a refusal with its HTTP status and the reason label.
type httpError struct {
	status int
	reason string
	msg    string
}

func handleTraces(c Consumer, o Options, w http.ResponseWriter, r *http.Request) {
	body, ct, herr := readRequest(o, r)
	if herr != nil {
		o.Metrics.refused("http", herr.reason, 0)
		writeStatus(w, ct, herr)
		return
	}
	req := ptraceotlp.NewExportRequest()
	if err := unmarshal(ct, body, req.UnmarshalProto, req.UnmarshalJSON); err != nil {
		o.Metrics.refused("http", "decode", 0)
		writeStatus(w, ct, &httpError{http.StatusBadRequest, "decode", "cannot decode the OTLP traces request: " + err.Error()})
		return
	}
	td := req.Traces()
	n := td.SpanCount()
	res, err := c.ConsumeTraces(r.Context(), td)
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
	body, ct, herr := readRequest(o, r)
	if herr != nil {
		o.Metrics.refused("http", herr.reason, 0)
		writeStatus(w, ct, herr)
		return
	}
	req := pmetricotlp.NewExportRequest()
	if err := unmarshal(ct, body, req.UnmarshalProto, req.UnmarshalJSON); err != nil {
		writeStatus(w, ct, &httpError{http.StatusBadRequest, "decode", "cannot decode the OTLP metrics request: " + err.Error()})
		return
	}
	if err := c.ConsumeMetrics(r.Context(), req.Metrics()); err != nil {
		writeStatus(w, ct, &httpError{http.StatusServiceUnavailable, "overloaded", err.Error()})
		return
	}
	resp := pmetricotlp.NewExportResponse()
	writeResponse(w, ct, resp.MarshalProto, resp.MarshalJSON)
}

// unmarshal decodes body in the encoding its content type names.
func unmarshal(ct string, body []byte, fromProto, fromJSON func([]byte) error) error {
	if ct == ctJSON {
		return fromJSON(body)
	}
	return fromProto(body)
}

// readRequest checks method, auth, content type and size, and returns the
// decompressed body and the content type to answer in.
func readRequest(o Options, r *http.Request) ([]byte, string, *httpError) {
	ct := ctProto
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == ctJSON {
		ct = ctJSON
	}
	if r.Method != http.MethodPost {
		return nil, ct, &httpError{http.StatusMethodNotAllowed, "method", "only POST is allowed"}
	}
	if !authorized(o.Token, r.Header.Get("Authorization")) {
		return nil, ct, &httpError{http.StatusUnauthorized, "auth", "missing or invalid bearer token"}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != ctProto && mt != ctJSON) {
		return nil, ct, &httpError{http.StatusUnsupportedMediaType, "content_type",
			fmt.Sprintf("unsupported Content-Type %q; use %s or %s", r.Header.Get("Content-Type"), ctProto, ctJSON)}
	}
	body, err := readBody(r, o.MaxBytes)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) {
			return nil, ct, he
		}
		return nil, ct, &httpError{http.StatusBadRequest, "read", "cannot read the request body: " + err.Error()}
	}
	return body, ct, nil
}

func (e *httpError) Error() string { return e.msg }

func readBody(r *http.Request, max int64) ([]byte, error) {
	tooLarge := &httpError{http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body exceeds %d bytes", max)}
	var rd io.Reader = http.MaxBytesReader(nil, r.Body, max)
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, &httpError{http.StatusBadRequest, "decode", "invalid gzip body: " + err.Error()}
		}
		defer zr.Close()
		rd = zr
	default:
		return nil, &httpError{http.StatusUnsupportedMediaType, "content_encoding", fmt.Sprintf("unsupported Content-Encoding %q; use gzip", enc)}
	}
	// Bound the decompressed size too: a small gzip body can expand a lot.
	body, err := io.ReadAll(io.LimitReader(rd, max+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), int64(len(body)) > max:
		return nil, tooLarge
	case err != nil:
		return nil, &httpError{http.StatusBadRequest, "read", "cannot read the request body: " + err.Error()}
	}
	return body, nil
}

func authorized(token, header string) bool {
	if token == "" {
		return true
	}
	scheme, value, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(value)), []byte(token)) == 1
}

func writeConsumeError(o Options, w http.ResponseWriter, ct string, n int, err error) {
	if errors.Is(err, pipeline.ErrOverloaded) {
		o.Metrics.refused("http", "overloaded", n)
		w.Header().Set("Retry-After", "1")
		writeStatus(w, ct, &httpError{http.StatusTooManyRequests, "overloaded", err.Error()})
		return
	}
	o.Metrics.refused("http", "internal", n)
	o.Logger.Error("processing traces failed", "err", err)
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
