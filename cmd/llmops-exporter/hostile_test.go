package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/llmops/terraform-provider-llmops/internal/delivery"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/platform/platformtest"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
)

func sinkConfig(queueDir, url string) string {
	return fmt.Sprintf(`queue: {directory: %q, fsync: true}
destinations:
  - name: sink
    type: otlp
    endpoint: %q
    retry: {initial: 50ms, max: 200ms}
`, queueDir, url)
}

// A model name with invalid UTF-8 over gRPC used to end the process.
func TestE2EInvalidUTF8OverGRPCIsRecorded(t *testing.T) {
	p := startExporter(t, "")
	conn, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc\xfe")
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{1})
	s.SetSpanID(pcommon.SpanID{1})
	s.Attributes().PutStr("gen_ai.request.model", "gpt\xfe")
	s.Attributes().PutStr("gen_ai.operation.name", "chat")
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer e2e-token")
	for range 3 {
		if _, err := ptraceotlp.NewGRPCClient(conn).Export(ctx, ptraceotlp.NewExportRequestFromTraces(td)); err != nil {
			t.Fatalf("export: %v\n%s", err, p.logs)
		}
	}
	if got := p.scrape(t)[`llm_requests_total{app="",model="gpt`+"\uFFFD"+`",operation="chat",provider="unknown",service="svc`+"\uFFFD"+`",status="ok"}`]; got != 3 {
		t.Fatalf("requests recorded %v", got)
	}
}

// ready reads /ready's JSON.
func ready(t *testing.T, p *exporterProc) map[string]any {
	t.Helper()
	resp, err := http.Get("http://" + p.metricsAddr + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/ready: %d %v", resp.StatusCode, err)
	}
	return out
}

// A queue file whose meta pages were zeroed crashed every start; now the
// exporter starts, says so, and keeps the file for inspection.
func TestE2EDamagedQueueFileIsMovedAside(t *testing.T) {
	fake := platformtest.New(t, platform.OTLP, platform.Config{}, platform.Secrets{})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, delivery.QueueFile), make([]byte, 32<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, sinkConfig(dir, fake.URL))
	rd := ready(t, p)
	qc, ok := rd["queue_corruption"].(map[string]any)
	if !ok || !strings.Contains(fmt.Sprint(qc["moved_to"]), "queue.db.corrupt-") {
		t.Fatalf("/ready does not report the damage: %v", rd)
	}
	if _, err := os.Stat(fmt.Sprint(qc["moved_to"])); err != nil {
		t.Fatalf("the damaged file was not kept: %v", err)
	}
	if got := p.scrape(t)["llmops_exporter_queue_corruptions_total"]; got != 1 {
		t.Fatalf("corruptions counted %v", got)
	}
	if !strings.Contains(p.logs.String(), "moved aside") {
		t.Fatalf("no ERROR line:\n%s", p.logs)
	}
	body, _ := batch(1)
	if code := post(t, p.httpAddr, mustTraces(t, body)); code != 200 {
		t.Fatalf("the fresh queue does not take data: %d", code)
	}
	waitUntil(t, "delivery through the fresh queue", func() bool { _, n := receivedIDs(fake); return n == 10 })
}

func mustTraces(t *testing.T, body []byte) ptrace.Traces {
	t.Helper()
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		t.Fatal(err)
	}
	return req.Traces()
}

// A record damaged on disk is dead-lettered as corrupt and its bytes never
// reach the platform; the intact records around it are delivered.
func TestE2ECorruptRecordNeverReachesThePlatform(t *testing.T) {
	fake := platformtest.New(t, platform.OTLP, platform.Config{}, platform.Secrets{})
	dir := t.TempDir()
	path := filepath.Join(dir, delivery.QueueFile)
	st, err := queue.Open(path, true, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.Queue("sink", 1<<30, queue.Refuse, nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := uint32(0); n < 3; n++ {
		body, _ := batch(n)
		if n == 1 {
			td := mustTraces(t, body)
			td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).SetName("DAMAGE-ME")
			body, _ = ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		}
		if err := q.Enqueue(body, 10); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte("DAMAGE-ME")) {
		t.Fatal("marker not found in the queue file")
	}
	// One byte flipped on disk, as a failing sector would: in every copy,
	// since pages an earlier commit left behind may hold stale ones.
	data = bytes.ReplaceAll(data, []byte("DAMAGE-ME"), []byte("XAMAGE-ME"))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	p := startExporter(t, sinkConfig(dir, fake.URL))
	waitUntil(t, "the two intact batches", func() bool { _, n := receivedIDs(fake); return n == 20 })
	var out []byte
	waitUntil(t, "the damaged record in the dead letters", func() bool {
		out, err = exec.Command(exporterBin, "deadletter", "list", "-c", p.cfgPath).CombinedOutput()
		return err == nil && bytes.Contains(out, []byte("corrupt: "))
	})
	got, _ := receivedIDs(fake)
	for id := range got {
		if uint32(id>>32) == 2 { // batch 1's spans carry n+1 = 2
			t.Fatal("a span of the damaged record reached the platform")
		}
	}
}

// Slow and silent clients are cut off after the configured timeouts.
func TestE2ESlowAndIdleConnectionsAreClosed(t *testing.T) {
	p := startExporterOTLP(t, "    read_timeout: 1s\n    idle_timeout: 1s\n", "")
	closedWithin := func(what string, c net.Conn, limit time.Duration) {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(limit))
		start := time.Now()
		_, err := io.Copy(io.Discard, c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%s: still open after %s", what, limit)
		}
		t.Logf("%s: closed after %s", what, time.Since(start).Round(100*time.Millisecond))
	}
	// A body dripped byte by byte.
	drip, err := net.Dial("tcp", p.httpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer drip.Close()
	fmt.Fprintf(drip, "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nAuthorization: Bearer e2e-token\r\nContent-Length: 1000\r\n\r\n")
	go func() {
		for range 50 {
			if _, err := drip.Write([]byte{0x0a}); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	closedWithin("a dripping body", drip, 4*time.Second)

	// An idle keep-alive connection after one request.
	idle, err := net.Dial("tcp", p.httpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	body, _ := batch(7)
	fmt.Fprintf(idle, "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nAuthorization: Bearer e2e-token\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	buf := make([]byte, 4096)
	if n, err := idle.Read(buf); err != nil || !bytes.HasPrefix(buf[:n], []byte("HTTP/1.1 200")) {
		t.Fatalf("keep-alive request: %v %q", err, buf[:n])
	}
	closedWithin("an idle keep-alive connection", idle, 4*time.Second)

	// A gRPC connection that never speaks.
	silent, err := net.Dial("tcp", p.grpcAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	closedWithin("a silent gRPC connection", silent, 4*time.Second)
}

// The dead-letter endpoints hold trace content and change state: with
// receiver auth on, they take the same token.
func TestE2EAdminEndpointsNeedTheToken(t *testing.T) {
	fake := platformtest.New(t, platform.OTLP, platform.Config{}, platform.Secrets{})
	p := startExporter(t, sinkConfig(t.TempDir(), fake.URL))
	for _, c := range []struct {
		method, path, auth string
		code               int
	}{
		{"GET", "/deadletters", "", 401},
		{"GET", "/deadletters", "Bearer wrong", 401},
		{"POST", "/deadletters/replay?destination=sink", "", 401},
		{"GET", "/deadletters", "Bearer e2e-token", 200},
		{"POST", "/deadletters/replay?destination=sink", "Bearer e2e-token", 200},
	} {
		req, _ := http.NewRequest(c.method, "http://"+p.metricsAddr+c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("%s %s with %q: %d, want %d", c.method, c.path, c.auth, resp.StatusCode, c.code)
		}
	}
}

// Dify's Aliyun provider, as it really calls: a HEAD settings check, then
// OTLP posts to /adapt_{license_key}/api/otlp/traces with no other auth.
func TestE2EDifyAliyunPath(t *testing.T) {
	p := startExporter(t, "")
	url := "http://" + p.httpAddr + "/adapt_e2e-token/api/otlp/traces"
	req, _ := http.NewRequest(http.MethodHead, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("HEAD: %v %v", err, resp)
	}
	resp.Body.Close()
	body, _ := batch(3)
	resp, err = http.Post(url, "application/x-protobuf", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST: %v %v", err, resp)
	}
	resp.Body.Close()
	if got := p.scrape(t)[`llmops_exporter_spans_received_total{transport="http"}`]; got != 10 {
		t.Fatalf("spans received %v", got)
	}
}
