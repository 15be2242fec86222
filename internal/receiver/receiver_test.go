package receiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
)

// recorder is a Consumer that keeps what it got and can fail on demand.
type recorder struct {
	mu       sync.Mutex
	spans    int
	metrics  int
	rejected int64
	err      error
}

func (r *recorder) ConsumeTraces(_ context.Context, td ptrace.Traces) (pipeline.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return pipeline.Result{}, r.err
	}
	r.spans += td.SpanCount()
	return pipeline.Result{Rejected: r.rejected, Message: "bad ids"}, nil
}

func (r *recorder) ConsumeMetrics(_ context.Context, md pmetric.Metrics) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.metrics += md.DataPointCount()
	return nil
}

func sampleTraces(n int) ptrace.Traces {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < n; i++ {
		s := spans.AppendEmpty()
		s.SetTraceID([16]byte{1, byte(i)})
		s.SetSpanID([8]byte{2, byte(i)})
		s.SetName("llm")
		s.Attributes().PutStr("gen_ai.request.model", "gpt-4o")
	}
	return td
}

func post(t *testing.T, h http.Handler, path, ct, enc string, body []byte, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if enc != "" {
		req.Header.Set("Content-Encoding", enc)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestHTTPTraces(t *testing.T) {
	rec := &recorder{}
	h := NewHTTPHandler(rec, Options{MaxBytes: 64 << 10})
	req := ptraceotlp.NewExportRequestFromTraces(sampleTraces(3))
	pb, _ := req.MarshalProto()
	js, _ := req.MarshalJSON()

	if w := post(t, h, "/v1/traces", "application/x-protobuf", "", pb, nil); w.Code != 200 || w.Header().Get("Content-Type") != "application/x-protobuf" {
		t.Fatalf("protobuf: %d %s", w.Code, w.Body)
	}
	if w := post(t, h, "/v1/traces", "application/json", "", js, nil); w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("json: %d %s", w.Code, w.Body)
	}
	if w := post(t, h, "/v1/traces", "application/x-protobuf", "gzip", gz(pb), nil); w.Code != 200 {
		t.Fatalf("gzip: %d %s", w.Code, w.Body)
	}
	if rec.spans != 9 {
		t.Fatalf("consumer got %d spans, want 9", rec.spans)
	}
}

func TestHTTPPartialSuccess(t *testing.T) {
	rec := &recorder{rejected: 2}
	h := NewHTTPHandler(rec, Options{})
	pb, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(3)).MarshalProto()
	w := post(t, h, "/v1/traces", "application/x-protobuf", "", pb, nil)
	resp := ptraceotlp.NewExportResponse()
	if err := resp.UnmarshalProto(w.Body.Bytes()); err != nil || w.Code != 200 {
		t.Fatalf("%d %v", w.Code, err)
	}
	if resp.PartialSuccess().RejectedSpans() != 2 || resp.PartialSuccess().ErrorMessage() != "bad ids" {
		t.Fatalf("partial success: %d %q", resp.PartialSuccess().RejectedSpans(), resp.PartialSuccess().ErrorMessage())
	}
}

func decodeStatus(t *testing.T, w *httptest.ResponseRecorder) *spb.Status {
	t.Helper()
	st := &spb.Status{}
	if err := proto.Unmarshal(w.Body.Bytes(), st); err != nil {
		t.Fatalf("error body is not a google.rpc.Status: %v", err)
	}
	return st
}

func TestHTTPRefusals(t *testing.T) {
	rec := &recorder{}
	h := NewHTTPHandler(rec, Options{Token: "tok", MaxBytes: 2048})
	auth := map[string]string{"Authorization": "Bearer tok"}
	pb, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(1)).MarshalProto()
	big, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(200)).MarshalProto()
	bomb := gz(bytes.Repeat([]byte{0}, 1<<20)) // small on the wire, 1 MiB inflated

	cases := []struct {
		name, ct, enc string
		body          []byte
		hdr           map[string]string
		code          int
		text          string
	}{
		{"no token", "application/x-protobuf", "", pb, nil, 401, "bearer token"},
		{"wrong token", "application/x-protobuf", "", pb, map[string]string{"Authorization": "Bearer nope"}, 401, "bearer token"},
		{"basic scheme", "application/x-protobuf", "", pb, map[string]string{"Authorization": "Basic dG9r"}, 401, "bearer token"},
		{"too large", "application/x-protobuf", "", big, auth, 413, "exceeds 2048 bytes"},
		{"gzip bomb", "application/x-protobuf", "gzip", bomb, auth, 413, "exceeds 2048 bytes"},
		{"bad gzip", "application/x-protobuf", "gzip", []byte("not gzip"), auth, 400, "invalid gzip"},
		{"zstd", "application/x-protobuf", "zstd", pb, auth, 415, "Content-Encoding"},
		{"text/plain", "text/plain", "", pb, auth, 415, "Content-Type"},
		{"garbage protobuf", "application/x-protobuf", "", []byte{0xff, 0xff, 0xff}, auth, 400, "cannot decode"},
		{"garbage json", "application/json", "", []byte(`{"resourceSpans": 7}`), auth, 400, "cannot decode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := post(t, h, "/v1/traces", c.ct, c.enc, c.body, c.hdr)
			if w.Code != c.code {
				t.Fatalf("status %d, want %d (%s)", w.Code, c.code, w.Body)
			}
			var msg string
			if c.ct == "application/json" {
				msg = w.Body.String()
			} else {
				msg = decodeStatus(t, w).GetMessage()
			}
			if !strings.Contains(msg, c.text) {
				t.Fatalf("message %q lacks %q", msg, c.text)
			}
		})
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/traces", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 405 {
		t.Fatalf("GET: %d", w.Code)
	}
	if rec.spans != 0 {
		t.Fatalf("refused requests reached the consumer: %d spans", rec.spans)
	}
}

func TestHTTPOverloadedIsRetryable(t *testing.T) {
	h := NewHTTPHandler(&recorder{err: errors.Join(pipeline.ErrOverloaded, errors.New("queue full"))}, Options{})
	pb, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(1)).MarshalProto()
	w := post(t, h, "/v1/traces", "application/x-protobuf", "", pb, nil)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	h = NewHTTPHandler(&recorder{err: errors.New("boom")}, Options{})
	if w := post(t, h, "/v1/traces", "application/x-protobuf", "", pb, nil); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("internal error: %d", w.Code)
	}
}

func TestHTTPMetrics(t *testing.T) {
	rec := &recorder{}
	h := NewHTTPHandler(rec, Options{})
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("http.server.response.count")
	m.SetEmptySum().DataPoints().AppendEmpty().SetIntValue(1)
	var buf bytes.Buffer
	body, _ := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	buf.Write(body)
	if w := post(t, h, "/v1/metrics", "application/x-protobuf", "", buf.Bytes(), nil); w.Code != 200 || rec.metrics != 1 {
		t.Fatalf("%d, %d points", w.Code, rec.metrics)
	}
}

func TestGRPC(t *testing.T) {
	rec := &recorder{}
	srv := NewGRPCServer(rec, Options{Token: "tok"})
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(lis)
	defer srv.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := ptraceotlp.NewGRPCClient(conn)
	req := ptraceotlp.NewExportRequestFromTraces(sampleTraces(4))

	_, err = client.Export(context.Background(), req)
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no token: %v", err)
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer tok")
	if _, err := client.Export(ctx, req); err != nil || rec.spans != 4 {
		t.Fatalf("export: %v, %d spans", err, rec.spans)
	}
	rec.err = pipeline.ErrOverloaded
	_, err = client.Export(ctx, req)
	if status.Code(err) != codes.ResourceExhausted || len(status.Convert(err).Details()) != 1 {
		t.Fatalf("overloaded: %v", err)
	}
}

// FuzzHTTPTraces: malformed input gets 400 (or 413/415) with a message, never
// a crash or a 5xx.
func FuzzHTTPTraces(f *testing.F) {
	pb, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(2)).MarshalProto()
	js, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(2)).MarshalJSON()
	f.Add(pb, false)
	f.Add(js, true)
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}`), true)
	f.Add([]byte{0x0a, 0x80, 0x80, 0x80, 0x80, 0x10}, false)
	h := NewHTTPHandler(&recorder{}, Options{MaxBytes: 1 << 20, Logger: nil})
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		ct := "application/x-protobuf"
		if isJSON {
			ct = "application/json"
		}
		w := post(t, h, "/v1/traces", ct, "", body, nil)
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("status %d for fuzzed body: %s", w.Code, w.Body)
		}
		if w.Code == 400 && w.Body.Len() == 0 {
			t.Fatal("400 without a message")
		}
		_, _ = io.Copy(io.Discard, w.Body)
	})
}
