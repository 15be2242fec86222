package delivery

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.yaml.in/yaml/v3"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/platform/platformtest"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
)

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// trace: workflow root (1) > llm (2) > tool (3), with an e-mail in the input.
func trace(traceID byte) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "dify-api")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	add := func(id, parent byte, attrs map[string]any) {
		s := spans.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{traceID, 1})
		s.SetSpanID(pcommon.SpanID{traceID, id})
		if parent != 0 {
			s.SetParentSpanID(pcommon.SpanID{traceID, parent})
		}
		s.SetStartTimestamp(1e9)
		s.SetEndTimestamp(2e9)
		_ = s.Attributes().FromRaw(attrs)
	}
	add(1, 0, map[string]any{"openinference.span.kind": "CHAIN", "input.value": "mail jane@example.com", "output.value": "done", "session.id": "conv-1"})
	add(2, 1, map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.provider.name": "openai",
		"gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 4})
	add(3, 2, map[string]any{"gen_ai.tool.name": "search"})
	return td
}

type harness struct {
	cfg   *exporterconfig.Config
	env   map[string]string
	fakes map[string]*platformtest.Fake
	logs  *syncBuffer
	reg   *prometheus.Registry
}

func newHarness(t *testing.T) *harness {
	c := exporterconfig.Defaults()
	c.Queue.Directory = t.TempDir()
	return &harness{cfg: c, env: map[string]string{}, fakes: map[string]*platformtest.Fake{}, logs: &syncBuffer{}, reg: prometheus.NewRegistry()}
}

// add registers a destination of typ pointing at a new fake accepting key.
func (h *harness) add(t *testing.T, name string, typ platform.Type, cfg platform.Config, key string) *platformtest.Fake {
	sec := platform.Secrets{Key: key}
	if typ == platform.OTLP {
		sec = platform.Secrets{Headers: map[string]string{"authorization": "Bearer " + key}}
	}
	fake := platformtest.New(t, typ, cfg, sec)
	d := exporterconfig.Destination{Name: name, Config: fake.Config}
	if platform.SecretName(typ) != "" {
		d.SecretEnv = strings.ToUpper(name) + "_KEY"
		h.env[d.SecretEnv] = key
	}
	if typ == platform.OTLP {
		env := strings.ToUpper(name) + "_AUTH"
		d.SecretHeaderEnv = map[string]string{"authorization": env}
		h.env[env] = "Bearer " + key
	}
	h.cfg.Destinations = append(h.cfg.Destinations, d)
	h.fakes[name] = fake
	return fake
}

func (h *harness) start(t *testing.T) *Fanout {
	t.Helper()
	return h.startWith(t, func(*exporterconfig.Destination) {})
}

// startWith builds the fan-out with fast retries, after edit has changed
// each destination.
func (h *harness) startWith(t *testing.T, edit func(*exporterconfig.Destination)) *Fanout {
	t.Helper()
	for i := range h.cfg.Destinations {
		d := &h.cfg.Destinations[i]
		d.Retry.Initial, d.Retry.Max = exporterconfig.Duration(20*time.Millisecond), exporterconfig.Duration(200*time.Millisecond)
		edit(d)
	}
	if err := reDefault(h.cfg); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f, err := New(h.cfg, func(k string) string { return h.env[k] }, log, h.reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Stop() })
	return f
}

// reDefault fills destination defaults and validates, as loading a file does.
func reDefault(c *exporterconfig.Config) error {
	data, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	n, err := exporterconfig.Parse(data, "test")
	if err != nil {
		return err
	}
	*c = *n
	return c.Validate()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func spanAttrs(td ptrace.Traces, id byte) (pcommon.Map, ptrace.Span) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			for k := 0; k < sss.At(j).Spans().Len(); k++ {
				if s := sss.At(j).Spans().At(k); s.SpanID()[1] == id {
					return s.Attributes(), s
				}
			}
		}
	}
	return pcommon.NewMap(), ptrace.NewSpan()
}

func get(m pcommon.Map, k string) string {
	if v, ok := m.Get(k); ok {
		return v.AsString()
	}
	return "<absent>"
}

func TestDeliverToEveryPlatform(t *testing.T) {
	h := newHarness(t)
	h.add(t, "langfuse", platform.Langfuse, platform.Config{PublicKey: "pk-lf-1"}, "sk-lf-SECRET1")
	h.add(t, "langsmith", platform.LangSmith, platform.Config{Project: "demo"}, "lsv2-SECRET2")
	h.add(t, "phoenix", platform.Phoenix, platform.Config{Project: "dify"}, "px-SECRET3")
	h.add(t, "weave", platform.Weave, platform.Config{Entity: "team", Project: "app"}, "wb-SECRET4")
	h.add(t, "aliyun", platform.Aliyun, platform.Config{}, "arms-SECRET5")
	h.add(t, "opik", platform.Opik, platform.Config{Workspace: "ws"}, "opik-SECRET6")
	h.add(t, "tencent", platform.Tencent, platform.Config{}, "tc-SECRET7")
	h.add(t, "tempo", platform.OTLP, platform.Config{Protocol: platform.GRPC}, "SECRET8")
	h.add(t, "jaeger", platform.OTLP, platform.Config{Protocol: platform.HTTPJSON}, "SECRET9")
	h.cfg.Destinations = append(h.cfg.Destinations, exporterconfig.Destination{Name: "debug", Config: platform.Config{Type: exporterconfig.Console}})
	f := h.start(t)
	if err := f.ConsumeTraces(context.Background(), trace(7)); err != nil {
		t.Fatal(err)
	}
	f.Start()
	for name, fake := range h.fakes {
		waitFor(t, name+" to receive 3 spans", func() bool { return fake.ReceivedSpans() == 3 })
	}

	lf := h.fakes["langfuse"].Received()
	root, _ := spanAttrs(lf, 1)
	llm, llmSpan := spanAttrs(lf, 2)
	if get(root, "langfuse.observation.input") != "mail jane@example.com" || get(llm, "session.id") != "conv-1" || get(llm, "langfuse.observation.type") != "generation" {
		t.Errorf("langfuse mapping: root %v llm %v", root.AsRaw(), llm.AsRaw())
	}
	if llmSpan.ParentSpanID() != (pcommon.SpanID{7, 1}) {
		t.Error("hierarchy lost")
	}
	px := h.fakes["phoenix"].Received()
	pl, _ := spanAttrs(px, 2)
	if get(pl, "openinference.span.kind") != "LLM" || get(pl, "llm.model_name") != "gpt-4o" || get(pl, "llm.token_count.total") != "14" {
		t.Errorf("phoenix mapping: %v", pl.AsRaw())
	}
	if v, _ := px.ResourceSpans().At(0).Resource().Attributes().Get("openinference.project.name"); v.Str() != "dify" {
		t.Error("phoenix project resource attribute")
	}
	ls, _ := spanAttrs(h.fakes["langsmith"].Received(), 3)
	if get(ls, "langsmith.span.kind") != "tool" {
		t.Errorf("langsmith kind %v", ls.AsRaw())
	}
	if v, _ := h.fakes["weave"].Received().ResourceSpans().At(0).Resource().Attributes().Get("wandb.entity"); v.Str() != "team" {
		t.Error("weave entity")
	}
	al, _ := spanAttrs(h.fakes["aliyun"].Received(), 2)
	if get(al, "gen_ai.span.kind") != "LLM" {
		t.Errorf("aliyun kind %v", al.AsRaw())
	}
	headers := func(name string) map[string]string {
		for _, r := range h.fakes[name].Requests() {
			if r.Method == "POST" || r.Method == "gRPC" {
				return map[string]string{"ct": r.Header.Get("Content-Type"), "ce": r.Header.Get("Content-Encoding"),
					"lf": r.Header.Get("x-langfuse-ingestion-version"), "ls": r.Header.Get("Langsmith-Project"),
					"ws": r.Header.Get("Comet-Workspace"), "proj": r.Header.Get("projectName")}
			}
		}
		return nil
	}
	if hd := headers("langfuse"); hd["lf"] != "4" || hd["ce"] != "gzip" || hd["ct"] != "application/x-protobuf" {
		t.Errorf("langfuse headers %v", hd)
	}
	if hd := headers("langsmith"); hd["ls"] != "demo" {
		t.Errorf("langsmith headers %v", hd)
	}
	if hd := headers("opik"); hd["ws"] != "ws" || hd["proj"] != "Default Project" {
		t.Errorf("opik headers %v", hd)
	}
	if hd := headers("jaeger"); hd["ct"] != "application/json" {
		t.Errorf("otlp http/json content type %v", hd)
	}
	// Tencent's token as a resource attribute, added only as the batch is
	// sent (the queued copy never holds it).
	if v, _ := h.fakes["tencent"].Received().ResourceSpans().At(0).Resource().Attributes().Get("token"); v.Str() != "tc-SECRET7" {
		t.Errorf("tencent token resource attribute %q", v.Str())
	}
	// The console worker and the metric bump run after the fake has already
	// answered: wait for them instead of reading once.
	waitFor(t, "the console destination to log the trace", func() bool {
		return strings.Contains(h.logs.String(), "trace_id=07010000")
	})
	waitFor(t, "the exported metric to reach 3", func() bool {
		return testutil.ToFloat64(f.metrics.spans.WithLabelValues("langfuse", "exported")) == 3
	})
}

func TestRedactedBeforeDisk(t *testing.T) {
	h := newHarness(t)
	h.add(t, "otlp", platform.OTLP, platform.Config{}, "k")
	h.cfg.Redaction.Presets = []string{"email"}
	f := h.start(t)
	if err := f.ConsumeTraces(context.Background(), trace(1)); err != nil {
		t.Fatal(err)
	}
	// Not started: the spans sit in the queue file (or its segments).
	var raw []byte
	err := filepath.WalkDir(h.cfg.Queue.Directory, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		raw = append(raw, b...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("jane@example.com")) {
		t.Fatal("unredacted content reached the disk")
	}
	if !bytes.Contains(raw, []byte("mail [EMAIL]")) {
		t.Fatal("the redacted span is not in the queue file; the check proves nothing")
	}
}

func TestOutageRetriesAndIsolation(t *testing.T) {
	h := newHarness(t)
	down := h.add(t, "down", platform.OTLP, platform.Config{}, "a")
	up := h.add(t, "up", platform.LangSmith, platform.Config{Project: "p"}, "b")
	down.Outage(503, 0)
	f := h.start(t)
	f.Start()
	for i := byte(1); i <= 20; i++ {
		if err := f.ConsumeTraces(context.Background(), trace(i)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the healthy destination to get everything during the outage", func() bool { return up.ReceivedSpans() == 60 })
	waitFor(t, "retries", func() bool { return testutil.ToFloat64(f.metrics.retries.WithLabelValues("down")) >= 2 })
	if down.ReceivedSpans() != 0 {
		t.Fatal("outage fake accepted spans")
	}
	down.Recover()
	waitFor(t, "everything queued to arrive after recovery", func() bool { return down.ReceivedSpans() == 60 })
	if n := testutil.ToFloat64(f.metrics.failures.WithLabelValues("down", "HTTP 503")); n < 2 {
		t.Fatalf("503 failures counted %v", n)
	}
}

func TestOverflowPolicies(t *testing.T) {
	h := newHarness(t)
	refuse := h.add(t, "refuse", platform.OTLP, platform.Config{}, "a")
	refuse.Outage(503, 0)
	h.cfg.Destinations[0].Queue.MaxBytes = 8192
	f := h.start(t)
	f.Start()
	var err error
	for i := 0; i < 200 && err == nil; i++ {
		err = f.ConsumeTraces(context.Background(), trace(byte(i)))
	}
	if !errors.Is(err, pipeline.ErrOverloaded) {
		t.Fatalf("a full refuse queue must ask the sender to retry, got %v", err)
	}

	h2 := newHarness(t)
	drop := h2.add(t, "drop", platform.OTLP, platform.Config{}, "a")
	drop.Outage(503, 0)
	h2.cfg.Destinations[0].Queue = exporterconfig.DestinationQueue{MaxBytes: 8192, Overflow: queue.DropOldest}
	f2 := h2.start(t)
	for i := 0; i < 200; i++ {
		if err := f2.ConsumeTraces(context.Background(), trace(byte(i))); err != nil {
			t.Fatalf("drop_oldest never refuses: %v", err)
		}
	}
	if n := testutil.ToFloat64(f2.metrics.spans.WithLabelValues("drop", "dropped")); n == 0 {
		t.Fatal("dropped spans not counted")
	}
	if st := f2.dests[0].q.Stats(); st.Bytes > 8192+1024 {
		t.Fatalf("queue grew past its bound: %d bytes", st.Bytes)
	}
}

func TestRejectedCredentialsGoToDeadLetters(t *testing.T) {
	h := newHarness(t)
	fake := h.add(t, "lf", platform.Langfuse, platform.Config{PublicKey: "pk-lf-1"}, "sk-lf-RIGHT")
	h.env["LF_KEY"] = "sk-lf-WRONG-SECRET-VALUE"
	f := h.start(t)
	f.Start()
	if err := f.ConsumeTraces(context.Background(), trace(3)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a dead letter", func() bool { n, _ := f.dests[0].q.DeadLetterCount(); return n == 1 })
	dls, _ := f.Store().DeadLetters("lf")
	if len(dls) != 1 || !strings.Contains(dls[0].Reason, "HTTP 401") || !strings.Contains(dls[0].Reason, "permanent") {
		t.Fatalf("dead letter %+v", dls)
	}
	basic := base64.StdEncoding.EncodeToString([]byte("pk-lf-1:sk-lf-WRONG-SECRET-VALUE"))
	for _, text := range []string{dls[0].Reason, h.logs.String()} {
		if strings.Contains(text, "WRONG-SECRET") || strings.Contains(text, basic) {
			t.Fatalf("a secret leaked: %s", text)
		}
	}
	// The log line follows the commit that waitFor observed.
	waitFor(t, "a log line for the dead letter", func() bool { return strings.Contains(h.logs.String(), "dead-letter") })
	if fake.ReceivedSpans() != 0 {
		t.Fatal("the fake accepted a wrong key")
	}
	// Fix the key and replay: delivered.
	f.Stop()
	h2 := &harness{cfg: h.cfg, env: map[string]string{"LF_KEY": "sk-lf-RIGHT"}, logs: &syncBuffer{}, reg: prometheus.NewRegistry()}
	f2 := h2.start(t)
	if n, err := f2.Replay("lf"); n != 1 || err != nil {
		t.Fatalf("replay %d %v", n, err)
	}
	f2.Start()
	waitFor(t, "replayed spans", func() bool { return fake.ReceivedSpans() == 3 })
}

func TestRetryAfterIsHonoured(t *testing.T) {
	if d := retryAfter("2"); d != 2*time.Second {
		t.Fatal(d)
	}
	if d := retryAfter(time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)); d < time.Second || d > 3*time.Second {
		t.Fatal(d)
	}
	if retryAfter("soon") != 0 {
		t.Fatal("garbage")
	}
}

func TestMain(m *testing.M) {
	cleanup, err := platformtest.TrustTLSFakes()
	if err != nil {
		panic(err)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// Concatenated OTLP requests are one valid request holding every span.
func TestConcatIsAValidRequest(t *testing.T) {
	var items []queue.Item
	for i := byte(1); i <= 3; i++ {
		b, _ := ptraceotlp.NewExportRequestFromTraces(trace(i)).MarshalProto()
		items = append(items, queue.Item{Data: b, Spans: 3})
	}
	body, spans := concat(items)
	req, err := decode(body)
	if err != nil || spans != 9 || req.Traces().SpanCount() != 9 || req.Traces().ResourceSpans().Len() != 3 {
		t.Fatalf("%v %d %d", err, spans, req.Traces().SpanCount())
	}
}

// TestSendTimeSecretsNeverQueued: Tencent's token, a resource attribute
// of what is sent, is not in the durable queue's file.
func TestSendTimeSecretsNeverQueued(t *testing.T) {
	h := newHarness(t)
	h.add(t, "tencent", platform.Tencent, platform.Config{}, "tc-NEVER-ON-DISK")
	f := h.start(t)
	if err := f.ConsumeTraces(context.Background(), trace(3)); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(h.cfg.Queue.Directory, "*"))
	if len(files) == 0 {
		t.Fatal("no queue file")
	}
	prepared := false // the check can see what preparation adds (service.name)
	for _, name := range files {
		b, _ := os.ReadFile(name)
		if bytes.Contains(b, []byte("tc-NEVER-ON-DISK")) {
			t.Fatalf("the token is in %s", name)
		}
		prepared = prepared || bytes.Contains(b, []byte("dify_app"))
	}
	if !prepared {
		t.Fatal("queued data not found in the queue files: the check proves nothing")
	}
	f.Start()
	waitFor(t, "tencent to receive the spans", func() bool { return h.fakes["tencent"].ReceivedSpans() == 3 })
}
