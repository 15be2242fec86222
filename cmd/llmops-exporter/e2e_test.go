package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// exporterBin is the real llmops-exporter, built once for the e2e tests.
var exporterBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "llmops-e2e")
	if err != nil {
		panic(err)
	}
	exporterBin = filepath.Join(dir, "llmops-exporter")
	build := exec.Command("go", "build", "-o", exporterBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the exporter: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type exporterProc struct {
	cmd                 *exec.Cmd
	cfgPath             string
	httpAddr, grpcAddr  string
	metricsAddr, stderr string
	logs                *lockedLog
}

// lockedLog collects the exporter's stderr from the reading goroutine while
// a test may print it.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitUntil polls cond until it holds or 30 s pass (a loaded CI machine is slow): asynchronous state is
// never read just once.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// startExporter runs the exporterBin with a config on free loopback ports and
// waits for /ready.
func startExporter(t *testing.T, extraYAML string) *exporterProc {
	t.Helper()
	return startExporterOTLP(t, "", extraYAML)
}

// startExporterOTLP is startExporter with otlpYAML added under
// receivers.otlp (indented four spaces).
func startExporterOTLP(t *testing.T, otlpYAML, extraYAML string) *exporterProc {
	t.Helper()
	p := &exporterProc{httpAddr: freePort(t), grpcAddr: freePort(t), metricsAddr: freePort(t), logs: &lockedLog{}}
	cfg := fmt.Sprintf("receivers:\n  otlp:\n    http: {endpoint: %q}\n    grpc: {endpoint: %q}\n    auth: {bearer_token: e2e-token}\n%smetrics: {endpoint: %q}\n%s",
		p.httpAddr, p.grpcAddr, otlpYAML, p.metricsAddr, extraYAML)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p.cfgPath = path
	p.cmd = exec.Command(exporterBin, "run", "-c", path)
	stderr, _ := p.cmd.StderrPipe()
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.logs.WriteString(sc.Text() + "\n")
		}
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() })
	for time.Since(start) < 30*time.Second {
		resp, err := http.Get("http://" + p.metricsAddr + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Logf("exporter ready in %s", time.Since(start).Round(time.Millisecond))
				return p
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("exporter not ready after 30s; logs:\n%s", p.logs)
	return nil
}

func (p *exporterProc) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + p.metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// emit sends one Dify-like trace with the real OTel Go SDK.
func emit(t *testing.T, exp sdktrace.SpanExporter, service string) {
	t.Helper()
	ctx := context.Background()
	res := resource.NewSchemaless(attribute.String("service.name", service), attribute.String("dify.app_id", "app-42"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSyncer(exp))
	tr := tp.Tracer("e2e")
	ctx, root := tr.Start(ctx, "workflow", oteltrace.WithAttributes(attribute.String("openinference.span.kind", "CHAIN")))
	_, llm := tr.Start(ctx, "chat gpt-4o", oteltrace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"), attribute.String("gen_ai.provider.name", "openai"),
		attribute.String("gen_ai.request.model", "gpt-4o"), attribute.Int("gen_ai.usage.input_tokens", 1000),
		attribute.Int("gen_ai.usage.output_tokens", 500), attribute.Float64("gen_ai.response.time_to_first_chunk", 0.05)))
	time.Sleep(30 * time.Millisecond)
	llm.End()
	_, bad := tr.Start(ctx, "chat qwen", oteltrace.WithAttributes(
		attribute.String("openinference.span.kind", "LLM"), attribute.String("llm.model_name", "qwen:14b"),
		attribute.String("llm.provider", "ollama"), attribute.Int("llm.token_count.prompt", 70), attribute.Int("llm.token_count.completion", 30)))
	bad.SetStatus(codes.Error, "upstream timeout")
	bad.SetAttributes(attribute.String("error.type", "timeout"))
	bad.End()
	root.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("SDK export failed: %v", err)
	}
}

func TestE2EHTTPAndGRPCWithRealSDK(t *testing.T) {
	p := startExporter(t, "")
	ctx := context.Background()
	httpExp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(p.httpAddr), otlptracehttp.WithInsecure(),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer e2e-token"}))
	if err != nil {
		t.Fatal(err)
	}
	emit(t, httpExp, "dify-api")
	grpcExp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(p.grpcAddr), otlptracegrpc.WithInsecure(),
		otlptracegrpc.WithHeaders(map[string]string{"authorization": "Bearer e2e-token"}))
	if err != nil {
		t.Fatal(err)
	}
	emit(t, grpcExp, "dify-worker")

	m := p.scrape(t)
	base := `app="app-42",model="gpt-4o",operation="chat",provider="openai",service="dify-api"`
	want := map[string]float64{
		`llmops_exporter_spans_received_total{transport="http"}`:      3,
		`llmops_exporter_spans_received_total{transport="grpc"}`:      3,
		`llm_tokens_total{` + base + `,type="input"}`:                 1000,
		`llm_tokens_total{` + base + `,type="output"}`:                500,
		`llm_requests_total{` + base + `,status="ok"}`:                1,
		`llm_cost_usd_total{` + base + `}`:                            0.0075, // 1000*2.5/1M + 500*10/1M
		`llm_request_duration_seconds_count{` + base + `}`:            1,
		`llm_request_duration_seconds_bucket{` + base + `,le="0.01"}`: 0,
		`llm_request_duration_seconds_bucket{` + base + `,le="120"}`:  1,
		`gen_ai_server_time_to_first_token_seconds_bucket{app="app-42",gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o",service="dify-api",le="0.06"}`:           1,
		`gen_ai_server_time_to_first_token_seconds_bucket{app="app-42",gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o",service="dify-api",le="0.04"}`:           0,
		`gen_ai_client_token_usage_bucket{app="app-42",gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o",gen_ai_token_type="input",service="dify-api",le="1024"}`: 1,
		`gen_ai_client_token_usage_bucket{app="app-42",gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o",gen_ai_token_type="input",service="dify-api",le="256"}`:  0,
		`llm_unpriced_tokens_total{app="app-42",model="qwen:14b",operation="chat",provider="ollama",service="dify-worker",type="input"}`:                                                                 70,
		`llm_unpriced_tokens_total{app="app-42",model="qwen:14b",operation="chat",provider="ollama",service="dify-worker",type="output"}`:                                                                30,
		`llm_errors_total{app="app-42",error_type="timeout",model="qwen:14b",operation="chat",provider="ollama",service="dify-api"}`:                                                                     1,
		`llm_spans_total{app="app-42",kind="chain",service="dify-worker",status="ok"}`:                                                                                                                   1,
	}
	for k, v := range want {
		got, ok := m[k]
		if !ok {
			t.Errorf("missing series %s", k)
			continue
		}
		if diff := got - v; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	// An unpriced model has unpriced tokens and no cost series at all.
	for k := range m {
		if strings.HasPrefix(k, "llm_cost_usd_total{") && strings.Contains(k, `model="qwen:14b"`) {
			t.Errorf("unpriced model has a cost series: %s", k)
		}
	}
	// The 30 ms LLM span lands in the 0.04 s bucket of the semconv histogram.
	dur := `gen_ai_client_operation_duration_seconds_bucket{app="app-42",error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o",service="dify-api",le="0.04"}`
	if m[dur] != 1 {
		t.Errorf("%s = %v, want 1", dur, m[dur])
	}
}

func TestE2EAuthRefusedAndGracefulShutdown(t *testing.T) {
	p := startExporter(t, "")
	req, _ := http.NewRequest(http.MethodPost, "http://"+p.httpAddr+"/v1/traces", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	// healthcheck sub-command, as the container healthcheck runs it.
	if out, err := exec.Command(exporterBin, "healthcheck", "-addr", p.metricsAddr).CombinedOutput(); err != nil {
		t.Fatalf("healthcheck: %v %s", err, out)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.logs)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop within 10s of SIGTERM")
	}
	if out, err := exec.Command(exporterBin, "healthcheck", "-addr", p.metricsAddr, "-timeout", "500ms").CombinedOutput(); err == nil {
		t.Fatalf("healthcheck passed against a stopped exporter: %s", out)
	}
}

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("sampling: {rate: 0.1}\n"), 0o600)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("sampling:\n  rate: 0.1\n  rat: 2\n"), 0o600)
	if out, err := exec.Command(exporterBin, "validate", "-c", good).CombinedOutput(); err != nil || !strings.Contains(string(out), "valid") {
		t.Fatalf("good: %v %s", err, out)
	}
	out, err := exec.Command(exporterBin, "validate", "-c", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `line 3: unknown key "rat" in sampling`) {
		t.Fatalf("bad: %v %s", err, out)
	}
}
