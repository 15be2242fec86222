package platformtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// grpcTraces is an OTLP trace service that checks the caller's metadata.
type grpcTraces struct {
	ptraceotlp.UnimplementedGRPCServer
	fake *Fake
	want map[string]string
}

func (g *grpcTraces) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	hdr := http.Header{}
	for k, vs := range md {
		for _, v := range vs {
			hdr.Add(k, v)
		}
	}
	body, _ := req.MarshalProto()
	g.fake.mu.Lock()
	g.fake.requests = append(g.fake.requests, Request{Method: "gRPC", Path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export", Header: hdr, Body: body})
	g.fake.mu.Unlock()
	for k, v := range g.want {
		if got := md.Get(k); len(got) != 1 || got[0] != v {
			return ptraceotlp.NewExportResponse(), status.Error(codes.Unauthenticated, "missing or wrong "+k)
		}
	}
	g.fake.mu.Lock()
	outage := g.fake.outage
	g.fake.mu.Unlock()
	if outage != 0 {
		return ptraceotlp.NewExportResponse(), status.Error(codes.Unavailable, "outage")
	}
	if check := fakes[g.fake.Type].checkTraces; check != nil {
		if msg := check(g.fake, req.Traces()); msg != "" {
			return ptraceotlp.NewExportResponse(), status.Error(codes.Unauthenticated, msg)
		}
	}
	td := ptrace.NewTraces()
	req.Traces().CopyTo(td)
	g.fake.accept(td)
	return ptraceotlp.NewExportResponse(), nil
}

// startGRPC serves OTLP/gRPC on loopback, requiring the headers the
// platform's export carries (Tencent: authorization Bearer; Aliyun:
// Authentication; generic OTLP: every configured header). It speaks TLS
// (the httptest certificate, see TrustTLSFakes) when cfg.Endpoint is
// https://, and plain text otherwise, as ARMS (port 8090) and Tencent do.
func (f *Fake) startGRPC(t testing.TB, cfg platform.Config) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var opts []grpc.ServerOption
	scheme := "http://"
	if strings.HasPrefix(cfg.Endpoint, "https://") {
		scheme = "https://"
		opts = append(opts, grpc.Creds(credentials.NewServerTLSFromCert(testCertificate())))
	}
	cfg.Endpoint = scheme + lis.Addr().String()
	norm, err := platform.Normalize(cfg)
	if err != nil {
		t.Fatalf("fake config: %v", err)
	}
	want := map[string]string{}
	for _, h := range platform.ExportFor(norm, f.Secrets).Headers {
		want[strings.ToLower(h.Name)] = h.Value
	}
	srv := grpc.NewServer(opts...)
	ptraceotlp.RegisterGRPCServer(srv, &grpcTraces{fake: f, want: want})
	go func() { _ = srv.Serve(lis) }()
	f.URL, f.close = cfg.Endpoint, srv.Stop
	t.Cleanup(srv.Stop)
	f.Config = cfg
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func readBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	return b
}

func newBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
