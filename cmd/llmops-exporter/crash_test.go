package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/delivery"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/platform/platformtest"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
)

var be = binary.BigEndian

// batch builds request n: 10 spans with IDs that encode (n, i). Even
// requests carry a prompt per span, so that their data is queued in a
// segment, odd ones inline (queue.inlineMax is 4 KB).
func batch(n uint32) ([]byte, []uint64) {
	prompt := ""
	if n%2 == 0 {
		prompt = strings.Repeat("tell me about tracing. ", 30)
	}
	return spansWithPrompt(n, prompt)
}

// spansWithPrompt is request n: 10 spans with IDs that encode (n, i), each
// with prompt as gen_ai.prompt when it is not empty, and the span IDs.
func spansWithPrompt(n uint32, prompt string) ([]byte, []uint64) {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	var ids []uint64
	for i := uint32(0); i < 10; i++ {
		s := spans.AppendEmpty()
		var tid pcommon.TraceID
		be.PutUint32(tid[:], n+1)
		s.SetTraceID(tid)
		var sid pcommon.SpanID
		be.PutUint32(sid[:], n+1)
		be.PutUint32(sid[4:], i+1)
		s.SetSpanID(sid)
		s.SetName("llm")
		s.Attributes().PutStr("gen_ai.request.model", "gpt-4o")
		if prompt != "" {
			s.Attributes().PutStr("gen_ai.prompt", prompt)
		}
		ids = append(ids, be.Uint64(sid[:]))
	}
	body, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	return body, ids
}

func receivedIDs(f *platformtest.Fake) (map[uint64]int, int) {
	td := f.Received()
	out := map[uint64]int{}
	total := 0
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			for k := 0; k < sss.At(j).Spans().Len(); k++ {
				id := sss.At(j).Spans().At(k).SpanID()
				out[be.Uint64(id[:])]++
				total++
			}
		}
	}
	return out, total
}

// TestE2ECrashLosesNothingAcknowledged: every span whose request got an OK
// is delivered after a kill -9 and a restart (at-least-once; duplicates are
// counted and reported).
func TestE2ECrashLosesNothingAcknowledged(t *testing.T) {
	fake := platformtest.New(t, platform.OTLP, platform.Config{}, platform.Secrets{})
	queueDir := t.TempDir()
	dest := fmt.Sprintf(`queue: {directory: %q, fsync: true}
destinations:
  - name: sink
    type: otlp
    endpoint: %q
    retry: {initial: 50ms, max: 200ms}
`, queueDir, fake.URL)
	p := startExporter(t, dest)

	var mu sync.Mutex
	acked := map[uint64]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var n uint32
	var nmu sync.Mutex
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 2 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				nmu.Lock()
				id := n
				n++
				nmu.Unlock()
				body, ids := batch(id)
				req, _ := http.NewRequest(http.MethodPost, "http://"+p.httpAddr+"/v1/traces", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-protobuf")
				req.Header.Set("Authorization", "Bearer e2e-token")
				resp, err := client.Do(req)
				if err != nil {
					continue // the exporter is gone: not acknowledged
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					for _, x := range ids {
						acked[x] = true
					}
					mu.Unlock()
				}
			}
		}()
	}
	ackedCount := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	// Wait for load rather than sleep for it: a busy machine is slower, not
	// a reason to fail.
	waitUntil(t, "500 spans acknowledged", func() bool { return ackedCount() >= 500 })
	fake.Outage(http.StatusServiceUnavailable, 0) // what is acknowledged from now on waits on disk
	atOutage := ackedCount()
	waitUntil(t, "500 more spans acknowledged during the outage", func() bool { return ackedCount() >= atOutage+500 })
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	// The backlog is in both stores: bbolt records and segment data.
	segs, _ := filepath.Glob(filepath.Join(queue.SegmentsDir(filepath.Join(queueDir, delivery.QueueFile)), "*.seg"))
	var segBytes int64
	for _, f := range segs {
		if st, err := os.Stat(f); err == nil {
			segBytes += st.Size()
		}
	}
	if segBytes == 0 {
		t.Fatal("no queued data in segments at the kill: the test does not cover them")
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	mu.Lock()
	ackedN := len(acked)
	mu.Unlock()
	before, _ := receivedIDs(fake)

	fake.Recover()
	restarted := startExporter(t, dest)
	_ = restarted
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, total := receivedIDs(fake)
		missing := 0
		for id := range acked {
			if got[id] == 0 {
				missing++
			}
		}
		if missing == 0 {
			dups := total - len(got)
			t.Logf("acknowledged %d spans; %d delivered before the kill, %d in total after restart; %d duplicates (at-least-once)",
				ackedN, len(before), total, dups)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged spans never arrived after restart", missing, ackedN)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestE2EVerifyAndDeadletterCommands runs `verify` and `deadletter` against
// fakes and a running exporter.
func TestE2EVerifyAndDeadletterCommands(t *testing.T) {
	good := platformtest.New(t, platform.Phoenix, platform.Config{}, platform.Secrets{Key: "px-GOOD"})
	bad := platformtest.New(t, platform.Opik, platform.Config{Workspace: "ws"}, platform.Secrets{Key: "opik-GOOD"})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	yaml := fmt.Sprintf(`queue: {directory: %q}
destinations:
  - {name: phoenix, type: phoenix, endpoint: %q, secret_env: PX_KEY}
  - {name: opik, type: opik, url: %q, workspace: ws, secret_env: OPIK_KEY, retry: {initial: 10ms, max: 20ms}}
`, filepath.Join(dir, "q"), good.URL, bad.URL+"/api/")
	os.WriteFile(cfg, []byte(yaml), 0o600)
	cmd := exec.Command(exporterBin, "verify", "-c", cfg)
	cmd.Env = append(os.Environ(), "PX_KEY=px-GOOD", "OPIK_KEY=opik-TYPO")
	out, err := cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("phoenix: ok")) || !bytes.Contains(out, []byte("opik: credentials rejected")) {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("TYPO")) {
		t.Fatalf("verify printed a secret:\n%s", out)
	}

	// No exporter running: deadletter reads the queue file directly.
	cmd = exec.Command(exporterBin, "deadletter", "list", "-c", cfg)
	if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("no dead letters")) {
		t.Fatalf("deadletter list (stopped): %v\n%s", err, out)
	}

	// With the exporter running (it holds the queue file), a rejected key
	// becomes a dead letter that list and replay reach over the metrics port.
	t.Setenv("OPIK_KEY", "opik-TYPO")
	t.Setenv("PX_KEY", "px-GOOD")
	p := startExporter(t, yaml)
	body, _ := batch(1)
	req, _ := http.NewRequest(http.MethodPost, "http://"+p.httpAddr+"/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Authorization", "Bearer e2e-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("send: %v", err)
	}
	resp.Body.Close()
	var list []byte
	for i := 0; i < 200; i++ {
		list, err = exec.Command(exporterBin, "deadletter", "list", "-c", p.cfgPath).CombinedOutput()
		if bytes.Contains(list, []byte("opik")) {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if err != nil || !bytes.Contains(list, []byte("HTTP 401")) || !bytes.Contains(list, []byte("10 spans")) || bytes.Contains(list, []byte("TYPO")) {
		t.Fatalf("deadletter list (running): %v\n%s", err, list)
	}
	waitUntil(t, "the healthy destination to get 10 spans", func() bool { return good.ReceivedSpans() == 10 })
	out, err = exec.Command(exporterBin, "deadletter", "replay", "-c", p.cfgPath, "-destination", "opik").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(`"replayed":1`)) {
		t.Fatalf("deadletter replay (running): %v\n%s", err, out)
	}
}

// post sends one OTLP/HTTP request and returns its status.
func post(t *testing.T, addr string, td ptrace.Traces) int {
	t.Helper()
	body, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Authorization", "Bearer e2e-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestE2EKeepRulesSurviveKill: spans held for a keep-rule decision were
// acknowledged, so they survive kill -9 and are delivered when a later span
// of their trace is kept by the rule.
func TestE2EKeepRulesSurviveKill(t *testing.T) {
	fake := platformtest.New(t, platform.OTLP, platform.Config{}, platform.Secrets{})
	cfg := fmt.Sprintf(`queue: {directory: %q, fsync: true}
sampling: {rate: 0, keep_errors: true, decision_wait: 1m}
destinations:
  - name: sink
    type: otlp
    endpoint: %q
    retry: {initial: 50ms, max: 200ms}
`, t.TempDir(), fake.URL)
	p := startExporter(t, cfg)
	healthy := ptrace.NewTraces()
	spans := healthy.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i := byte(1); i <= 3; i++ {
		s := spans.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{9, 9})
		s.SetSpanID(pcommon.SpanID{9, i})
		s.SetName("workflow step")
	}
	if code := post(t, p.httpAddr, healthy); code != 200 {
		t.Fatalf("healthy spans: %d", code)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	if _, n := receivedIDs(fake); n != 0 {
		t.Fatalf("%d undecided spans were delivered", n)
	}

	restarted := startExporter(t, cfg)
	failing := ptrace.NewTraces()
	s := failing.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{9, 9})
	s.SetSpanID(pcommon.SpanID{9, 4})
	s.SetName("llm")
	s.Status().SetCode(ptrace.StatusCodeError)
	if code := post(t, restarted.httpAddr, failing); code != 200 {
		t.Fatalf("error span: %d", code)
	}
	waitUntil(t, "the 3 acknowledged spans held before the kill and the error span", func() bool {
		got, _ := receivedIDs(fake)
		return len(got) == 4
	})
}
