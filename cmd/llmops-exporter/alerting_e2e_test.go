package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.yaml.in/yaml/v3"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
)

// TestE2EP95AlertReachesWebhookThroughRealPrometheusAndAlertmanager runs
// Debian's Prometheus and Alertmanager against a running exporter fed with
// slow model calls: the p95_latency preset fires, and Alertmanager, loaded
// with the rendered contact point and route fragments, delivers it to a
// webhook in this test.
func TestE2EP95AlertReachesWebhookThroughRealPrometheusAndAlertmanager(t *testing.T) {
	prom, am := lookTool(t, "prometheus"), lookTool(t, "prometheus-alertmanager")
	exp := startExporter(t, "")
	dir := t.TempDir()

	hook := newAlertHook(t)
	amAddr := freePort(t)
	writeYAML(t, filepath.Join(dir, "alertmanager.yml"), alertmanagerConfig(t, hook.URL))
	startProc(t, am, "http://"+amAddr+"/-/ready", "--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "am"), "--web.listen-address="+amAddr, "--cluster.listen-address=")

	one := time.Duration(0)
	g, errs := alerting.Resolve("llm-e2e", 10*time.Second, []alerting.Spec{{Preset: alerting.P95Latency, For: &one}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rules, err := alerting.RulesYAML(g)
	if err != nil {
		t.Fatal(err)
	}
	// Evaluate every second: 10 s is the smallest interval Grafana accepts,
	// and the test need not wait for it.
	rules = bytes.Replace(rules, []byte("interval: 10s"), []byte("interval: 1s"), 1)
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), rules, 0o600); err != nil {
		t.Fatal(err)
	}
	promAddr := freePort(t)
	writeYAML(t, filepath.Join(dir, "prometheus.yml"), map[string]any{
		"global":         map[string]any{"scrape_interval": "1s", "evaluation_interval": "1s"},
		"rule_files":     []string{filepath.Join(dir, "rules.yml")},
		"alerting":       map[string]any{"alertmanagers": []any{map[string]any{"static_configs": []any{map[string]any{"targets": []string{amAddr}}}}}},
		"scrape_configs": []any{map[string]any{"job_name": "llmops-exporter", "static_configs": []any{map[string]any{"targets": []string{exp.metricsAddr}}}}},
	})
	startProc(t, prom, "http://"+promAddr+"/-/ready", "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"), "--web.listen-address="+promAddr)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sendSlowModelCalls(ctx, t, exp.httpAddr, 7*time.Second)

	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if a, ok := hook.firing("LLMP95LatencyHigh"); ok {
			if a.Labels["severity"] != "warning" || a.Labels["model"] != "gpt-4o-mini" || !strings.Contains(a.Annotations["summary"], "P95 model latency") {
				t.Fatalf("alert delivered with wrong labels or annotations: %+v", a)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no firing LLMP95LatencyHigh reached the webhook in 60 s; received: %s", hook.dump())
}

func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("SKIPPED LOUDLY: %s not found; .ci/run installs it (apt-get install prometheus prometheus-alertmanager)", name)
	}
	return p
}

// alertmanagerConfig merges the rendered fragments into a minimal config,
// as the guide tells users to.
func alertmanagerConfig(t *testing.T, hookURL string) map[string]any {
	t.Helper()
	cp := alerting.ContactPoint{Name: "e2e-hook", Type: alerting.Webhook, URL: hookURL}
	recv, err := cp.AlertmanagerReceiver()
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := alerting.ParseMatchers([]string{`alertname="LLMP95LatencyHigh"`})
	route, err := alerting.Route{Receiver: cp.Name, Matchers: ms, GroupWait: time.Second, GroupInterval: time.Second}.AlertmanagerRoute()
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ Receivers []any }
	var rt struct{ Routes []any }
	if err := yaml.Unmarshal(recv, &r); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(route, &rt); err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"route":     map[string]any{"receiver": "default", "group_wait": "1s", "group_interval": "1s", "routes": rt.Routes},
		"receivers": append([]any{map[string]any{"name": "default"}}, r.Receivers...),
	}
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// startProc runs a server until the test ends and waits for its readiness URL.
func startProc(t *testing.T, bin, ready string, args ...string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	t.Fatalf("%s not ready in 20 s:\n%s", filepath.Base(bin), out.String())
}

// sendSlowModelCalls posts OTel GenAI chat spans of duration d until ctx ends.
func sendSlowModelCalls(ctx context.Context, t *testing.T, addr string, d time.Duration) {
	for ctx.Err() == nil {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", "support-bot")
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		now := time.Now()
		for i := 0; i < 5; i++ {
			s := spans.AppendEmpty()
			s.SetTraceID(pcommon.TraceID([16]byte{byte(now.UnixNano()), byte(i), 1}))
			s.SetSpanID(pcommon.SpanID([8]byte{byte(i), 1}))
			s.SetName("chat gpt-4o-mini")
			s.SetKind(ptrace.SpanKindClient)
			s.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-d)))
			s.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
			a := s.Attributes()
			a.PutStr("gen_ai.operation.name", "chat")
			a.PutStr("gen_ai.provider.name", "openai")
			a.PutStr("gen_ai.request.model", "gpt-4o-mini")
			a.PutInt("gen_ai.usage.input_tokens", 100)
			a.PutInt("gen_ai.usage.output_tokens", 20)
		}
		body, _ := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/v1/traces", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("Authorization", "Bearer e2e-token")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			if resp.StatusCode != http.StatusOK {
				t.Logf("export answered %d", resp.StatusCode)
			}
			resp.Body.Close()
		}
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
		}
	}
}

type amAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

type alertHook struct {
	*httptest.Server
	mu     sync.Mutex
	alerts []amAlert
}

// newAlertHook is a webhook receiver that checks Alertmanager's payload
// shape (version 4, JSON) as a real receiver would.
func newAlertHook(t *testing.T) *alertHook {
	h := &alertHook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			Version string    `json:"version"`
			Alerts  []amAlert `json:"alerts"`
		}
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &msg) != nil || msg.Version != "4" {
			http.Error(w, fmt.Sprintf("not an Alertmanager v4 webhook: %s", b), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.alerts = append(h.alerts, msg.Alerts...)
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *alertHook) firing(name string) (amAlert, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range h.alerts {
		if a.Status == "firing" && a.Labels["alertname"] == name {
			return a, true
		}
	}
	return amAlert{}, false
}

func (h *alertHook) dump() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, _ := json.Marshal(h.alerts)
	return string(b)
}
