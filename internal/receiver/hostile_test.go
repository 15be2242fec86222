package receiver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"

	"github.com/llmops/terraform-provider-llmops/internal/llmmetrics"
	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
	"github.com/llmops/terraform-provider-llmops/internal/pricing"
	"github.com/llmops/terraform-provider-llmops/internal/sampling"
)

// realPipeline is the exporter's own chain (metrics recording included)
// with nowhere to deliver, so hostile input reaches client_golang.
func realPipeline(t testing.TB) *pipeline.Pipeline {
	reg := prometheus.NewRegistry()
	prices, err := pricing.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &pipeline.Pipeline{Prices: prices, Metrics: llmmetrics.NewRecorder(reg, 100), OTLP: llmmetrics.NewOTLPStore(reg, 100),
		Sampler: sampling.New(sampling.Config{Rate: 1}, reg), Sink: pipeline.Discard{}, Now: time.Now}
}

func grpcServe(t *testing.T, c Consumer, o Options) *grpc.ClientConn {
	t.Helper()
	srv := NewGRPCServer(c, o)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// invokeRaw sends body as the Export request, bypassing client-side encoding.
func invokeRaw(conn *grpc.ClientConn, body []byte) error {
	return conn.Invoke(context.Background(), "/"+traceService+"/Export", &rawMessage{b: body}, &rawMessage{},
		grpc.ForceCodecV2(rawCodec{proto: encoding.GetCodecV2("proto")}))
}

func utf8Traces() ptrace.Traces {
	td := sampleTraces(1)
	rs := td.ResourceSpans().At(0)
	rs.Resource().Attributes().PutStr("service.name", "svc\xfe")
	s := rs.ScopeSpans().At(0).Spans().At(0)
	s.Attributes().PutStr("gen_ai.request.model", "gpt\xfe")
	s.Attributes().PutStr("gen_ai.operation.name", "chat")
	s.Attributes().PutInt("gen_ai.usage.input_tokens", 3)
	return td
}

func TestInvalidUTF8ModelNameIsRecordedNotFatal(t *testing.T) {
	p := realPipeline(t)
	pb, _ := ptraceotlp.NewExportRequestFromTraces(utf8Traces()).MarshalProto()
	m := NewMetrics(prometheus.NewRegistry())
	if w := post(t, NewHTTPHandler(p, Options{Metrics: m}), "/v1/traces", ctProto, "", pb, nil); w.Code != 200 {
		t.Fatalf("HTTP: %d %s", w.Code, w.Body)
	}
	if err := invokeRaw(grpcServe(t, p, Options{Metrics: m}), pb); err != nil {
		t.Fatalf("gRPC: %v", err)
	}
	if n := testutil.ToFloat64(m.panics.WithLabelValues("http")) + testutil.ToFloat64(m.panics.WithLabelValues("grpc")); n != 0 {
		t.Fatalf("%v panics", n)
	}
}

type panicky struct{}

func (panicky) ConsumeTraces(context.Context, ptrace.Traces) (pipeline.Result, error) {
	panic("a bug in the pipeline")
}
func (panicky) ConsumeMetrics(context.Context, pmetric.Metrics) error { panic("a bug") }

func TestPanicsAreAnsweredAndCounted(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	var logs bytes.Buffer
	o := Options{Metrics: m, Logger: slogTo(&logs)}
	pb, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(1)).MarshalProto()
	if w := post(t, NewHTTPHandler(panicky{}, o), "/v1/traces", ctProto, "", pb, nil); w.Code != 500 {
		t.Fatalf("HTTP: %d", w.Code)
	}
	conn := grpcServe(t, panicky{}, o)
	for range 2 { // the server survives the first
		if err := invokeRaw(conn, pb); status.Code(err) != codes.Internal {
			t.Fatalf("gRPC: %v", err)
		}
	}
	if got := testutil.ToFloat64(m.panics.WithLabelValues("http")); got != 1 {
		t.Fatalf("http panics %v", got)
	}
	if got := testutil.ToFloat64(m.panics.WithLabelValues("grpc")); got != 2 {
		t.Fatalf("grpc panics %v", got)
	}
	if !strings.Contains(logs.String(), "remote=") || !strings.Contains(logs.String(), "a bug in the pipeline") {
		t.Fatalf("log: %s", logs.String())
	}
}

func TestGRPCMalformedIsInvalidArgument(t *testing.T) {
	rec := &recorder{}
	conn := grpcServe(t, rec, Options{})
	if err := invokeRaw(conn, []byte{0x0a, 0xff, 0xff, 0xff}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("garbage: %v", err)
	}
	pb, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(3)).MarshalProto()
	if err := invokeRaw(conn, pb); err != nil || rec.spans != 3 {
		t.Fatalf("valid request after garbage: %v, %d spans", err, rec.spans)
	}
}

// countingBody records whether the handler read the body.
type countingBody struct {
	r    io.Reader
	read int
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

func TestAdmissionRefusesBeforeReading(t *testing.T) {
	rec := &recorder{}
	adm := NewAdmission(64 << 10)
	h := NewHTTPHandler(rec, Options{Admission: adm})
	pb, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(10)).MarshalProto()
	if !adm.TryAcquire(60 << 10) { // another request holds most of the budget
		t.Fatal("acquire")
	}
	for _, chunked := range []bool{false, true} {
		body := &countingBody{r: bytes.NewReader(bytes.Repeat(pb, 100))}
		req := httptest.NewRequest(http.MethodPost, "/v1/traces", body)
		req.Header.Set("Content-Type", ctProto)
		req.ContentLength = int64(100 * len(pb))
		if chunked {
			req.ContentLength = -1
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
			t.Fatalf("chunked=%v: %d %v", chunked, w.Code, w.Header())
		}
		if !chunked && body.read != 0 {
			t.Fatalf("%d bytes read before refusing", body.read)
		}
		if chunked && body.read > chargeStep+64<<10 {
			t.Fatalf("%d bytes read before refusing a chunked body", body.read)
		}
	}
	if adm.InFlight() != 60<<10 {
		t.Fatalf("refused requests kept %d bytes of budget", adm.InFlight()-60<<10)
	}
	adm.Release(60 << 10)
	if w := post(t, h, "/v1/traces", ctProto, "", pb, nil); w.Code != 200 || adm.InFlight() != 0 {
		t.Fatalf("after release: %d, %d in flight", w.Code, adm.InFlight())
	}
	// gRPC: refused before the message is read while the budget is spent.
	conn := grpcServe(t, rec, Options{Admission: adm})
	adm.TryAcquire(64 << 10)
	if err := invokeRaw(conn, pb); status.Code(err) != codes.ResourceExhausted || len(status.Convert(err).Details()) != 1 {
		t.Fatalf("gRPC over budget: %v", err)
	}
}

// nested builds one span whose attribute is a map nested depth levels deep.
func nested(depth int) ptrace.Traces {
	td := sampleTraces(1)
	m := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	for i := 0; i < depth; i++ {
		m = m.PutEmptyMap("k")
	}
	m.PutStr("leaf", "v")
	return td
}

func TestNestingBoundIsTheSameForJSONAndProtobuf(t *testing.T) {
	h := NewHTTPHandler(&recorder{}, Options{})
	for depth, code := range map[int]int{MaxNesting: 200, MaxNesting + 1: 400, 5000: 400} {
		req := ptraceotlp.NewExportRequestFromTraces(nested(depth))
		pb, _ := req.MarshalProto()
		js, _ := req.MarshalJSON()
		for ct, body := range map[string][]byte{ctProto: pb, ctJSON: js} {
			if w := post(t, h, "/v1/traces", ct, "", body, nil); w.Code != code {
				t.Errorf("%s nested %d deep: %d, want %d", ct, depth, w.Code, code)
			}
		}
	}
}

func TestBearerIsExact(t *testing.T) {
	h := NewHTTPHandler(&recorder{}, Options{Token: "tok"})
	pb, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(1)).MarshalProto()
	for hdr, code := range map[string]int{"Bearer tok": 200, "bearer tok": 200, "Bearer tok ": 401, "Bearer  tok": 401, "Bearer to": 401, "Bearer tokk": 401} {
		if w := post(t, h, "/v1/traces", ctProto, "", pb, map[string]string{"Authorization": hdr}); w.Code != code {
			t.Errorf("%q: %d, want %d", hdr, w.Code, code)
		}
	}
}

// FuzzHTTPThroughMetrics feeds fuzzed requests through the real pipeline,
// metrics recording included: 200 or 400, never a panic or a 5xx.
func FuzzHTTPThroughMetrics(f *testing.F) {
	pb, _ := ptraceotlp.NewExportRequestFromTraces(utf8Traces()).MarshalProto()
	js, _ := ptraceotlp.NewExportRequestFromTraces(utf8Traces()).MarshalJSON()
	f.Add(pb, false)
	f.Add(js, true)
	m := NewMetrics(prometheus.NewRegistry())
	h := NewHTTPHandler(realPipeline(f), Options{MaxBytes: 1 << 20, Metrics: m})
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		ct := ctProto
		if isJSON {
			ct = ctJSON
		}
		if w := post(t, h, "/v1/traces", ct, "", body, nil); w.Code != 200 && w.Code != 400 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if n := testutil.ToFloat64(m.panics.WithLabelValues("http")); n != 0 {
			t.Fatal("a request panicked")
		}
	})
}

// FuzzGRPCThroughMetrics is the same over gRPC: OK or InvalidArgument.
func FuzzGRPCThroughMetrics(f *testing.F) {
	pb, _ := ptraceotlp.NewExportRequestFromTraces(utf8Traces()).MarshalProto()
	f.Add(pb)
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00})
	m := NewMetrics(prometheus.NewRegistry())
	srv := NewGRPCServer(realPipeline(f), Options{MaxBytes: 1 << 20, Metrics: m})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		f.Fatal(err)
	}
	defer conn.Close()
	f.Fuzz(func(t *testing.T, body []byte) {
		if c := status.Code(invokeRaw(conn, body)); c != codes.OK && c != codes.InvalidArgument {
			t.Fatalf("code %v", c)
		}
		if n := testutil.ToFloat64(m.panics.WithLabelValues("grpc")); n != 0 {
			t.Fatal("a request panicked")
		}
	})
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// Dify's Aliyun provider posts to {endpoint}/adapt_{license_key}/api/otlp/traces
// and saves its settings only when a HEAD there answers 405.
func TestAliyunPathIsAnAliasOfV1Traces(t *testing.T) {
	rec := &recorder{}
	h := NewHTTPHandler(rec, Options{Token: "b63f@fa77_b63f@53df"})
	pb, _ := ptraceotlp.NewExportRequestFromTraces(sampleTraces(2)).MarshalProto()
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, "/adapt_b63f@fa77_b63f@53df/api/otlp/traces", nil))
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" {
			t.Fatalf("%s: %d %v, want 405 like ARMS", method, w.Code, w.Header())
		}
	}
	for path, code := range map[string]int{
		"/adapt_b63f@fa77_b63f@53df/api/otlp/traces":             200, // the path's token is the credential
		"/some/prefix/adapt_b63f@fa77_b63f@53df/api/otlp/traces": 200, // under an endpoint with a path
		"/adapt_wrong/api/otlp/traces":                           401,
		"/adapt_b63f@fa77_b63f@53df/api/otlp/metrics":            404,
		"/v2/traces": 404,
	} {
		if w := post(t, h, path, ctProto, "", pb, nil); w.Code != code {
			t.Errorf("POST %s: %d, want %d (%s)", path, w.Code, code, w.Body)
		}
	}
	if rec.spans != 4 {
		t.Fatalf("%d spans reached the pipeline, want 4", rec.spans)
	}
	// With no token configured the path token is not checked.
	open := NewHTTPHandler(&recorder{}, Options{})
	if w := post(t, open, "/adapt_anything/api/otlp/traces", ctProto, "", pb, nil); w.Code != 200 {
		t.Fatalf("no auth: %d", w.Code)
	}
}
