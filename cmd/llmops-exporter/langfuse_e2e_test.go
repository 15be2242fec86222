package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/platform/platformtest"
)

func langfuseCall(t *testing.T, method, url, user, pass string, body []byte, ct string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestE2ELangfuseIngestAsDifyUsesIt: Dify's Langfuse provider with host =
// the exporter: its settings check, its legacy ingestion batches, and the
// OTLP route of its newest versions, all with Basic pk:sk.
func TestE2ELangfuseIngestAsDifyUsesIt(t *testing.T) {
	// Two destinations: what Dify sent as Langfuse events fans out as spans.
	jaeger := platformtest.New(t, platform.OTLP, platform.Config{}, platform.Secrets{})
	tempo := platformtest.New(t, platform.OTLP, platform.Config{}, platform.Secrets{})
	dests := fmt.Sprintf(`queue: {directory: %q}
destinations:
  - {name: jaeger, type: otlp, endpoint: %q, retry: {initial: 50ms, max: 200ms}}
  - {name: tempo, type: otlp, endpoint: %q, retry: {initial: 50ms, max: 200ms}}
`, t.TempDir(), jaeger.URL, tempo.URL)
	p := startExporterOTLP(t, "    langfuse: {enabled: true, public_key: pk-lf-exporter}\n", dests)
	base := "http://" + p.httpAddr
	if code, _ := langfuseCall(t, "GET", base+"/api/public/health", "", "", nil, ""); code != 200 {
		t.Fatalf("health %d", code)
	}
	if code, _ := langfuseCall(t, "GET", base+"/api/public/projects", "pk-lf-exporter", "wrong", nil, ""); code != 401 {
		t.Fatalf("projects with a wrong secret: %d", code)
	}
	code, out := langfuseCall(t, "GET", base+"/api/public/projects", "pk-lf-exporter", "e2e-token", nil, "")
	if data, _ := out["data"].([]any); code != 200 || len(data) != 1 || data[0].(map[string]any)["id"] == "" {
		t.Fatalf("projects: %d %v", code, out)
	}
	batch, err := os.ReadFile("testdata/dify-langfuse-message-batch.json")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := langfuseCall(t, "POST", base+"/api/public/ingestion", "pk-lf-exporter", "nope", batch, "application/json"); code != 401 {
		t.Fatalf("ingestion with a wrong secret: %d", code)
	}
	code, out = langfuseCall(t, "POST", base+"/api/public/ingestion", "pk-lf-exporter", "e2e-token", batch, "application/json")
	if code != 207 || len(out["successes"].([]any)) != 4 || len(out["errors"].([]any)) != 1 {
		t.Fatalf("ingestion: %d %v", code, out)
	}
	// Dify's newest provider: OTLP protobuf to /api/public/otel/v1/traces.
	td := traceOf(9, map[string]any{"service.name": "dify-api"}, difySpan{id: 1, name: "chat", attrs: map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": int64(10), "dify.app_id": "app-otel"}})
	body, _ := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if code, _ := langfuseCall(t, "POST", base+"/api/public/otel/v1/traces", "pk-lf-exporter", "e2e-token", body, "application/x-protobuf"); code != 200 {
		t.Fatalf("otel route: %d", code)
	}
	var m map[string]float64
	waitUntil(t, "the generation's metrics", func() bool {
		m = p.scrape(t)
		return sumWhere(m, "llm_requests_total", `app="app-lf",model="gpt-4o-mini"`) == 1 && sumWhere(m, "llm_requests_total", `app="app-otel"`) == 1
	})
	// The ingested calls have a service: the trace's Dify app name (not
	// unknown_service, which would merge every Langfuse-traced app).
	if got := sumWhere(m, "llm_requests_total", `app="app-lf",model="gpt-4o-mini",operation="chat",provider="openai",service="Support"`); got != 1 {
		t.Errorf("llm_requests_total with service=\"Support\": %v", got)
	}
	if got := sumWhere(m, "llm_tokens_total", `app="app-lf",model="gpt-4o-mini",type="input"`); got != 1000 {
		t.Errorf("input tokens %v", got)
	}
	if got := sumWhere(m, "gen_ai_server_time_to_first_token_seconds_count", `app="app-lf"`); got != 1 {
		t.Errorf("ttft count %v", got)
	}
	if got := sumWhere(m, "llm_cost_usd_total", `app="app-lf",model="gpt-4o-mini"`); got < 0.00026 || got > 0.00028 {
		t.Errorf("cost %v", got)
	}
	// Each destination receives the batch's three spans (trace, generation,
	// retrieval) and the OTLP route's one, as ordinary OTLP spans.
	for name, f := range map[string]*platformtest.Fake{"jaeger": jaeger, "tempo": tempo} {
		waitUntil(t, name+" to receive 4 spans", func() bool { return f.ReceivedSpans() == 4 })
		var gen, root ptrace.Span
		rss := f.Received().ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			sss := rss.At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				for k := 0; k < sss.At(j).Spans().Len(); k++ {
					switch sp := sss.At(j).Spans().At(k); sp.Name() {
					case "generation_7c9e6679":
						gen = sp
						if v, _ := rss.At(i).Resource().Attributes().Get("service.name"); v.Str() != "Support" {
							t.Errorf("%s received the generation with service.name %q, want Support", name, v.Str())
						}
					case "message_7c9e6679":
						root = sp
					}
				}
			}
		}
		if v, _ := gen.Attributes().Get("langfuse.observation.model.name"); v.Str() != "gpt-4o-mini" ||
			gen.TraceID().String() != "7c9e6679742540de944be07fc1f90ae7" {
			t.Errorf("%s received generation %v (trace %s)", name, gen.Attributes().AsRaw(), gen.TraceID())
		}
		if v, _ := gen.Attributes().Get("gen_ai.request.model"); v.Str() != "gpt-4o-mini" {
			t.Errorf("%s received a generation without gen_ai.request.model: %v", name, gen.Attributes().AsRaw())
		}
		// Dify sent trace-create after its children ended (10:00:03.2):
		// the forwarded root still spans them (10:00:00.1 to 10:00:03).
		if root.StartTimestamp() > gen.StartTimestamp() || root.EndTimestamp() < gen.EndTimestamp() ||
			root.StartTimestamp().AsTime().UTC().Format("15:04:05.000") != "10:00:00.100" {
			t.Errorf("%s received the root from %s to %s, around its generation from %s to %s", name,
				root.StartTimestamp().AsTime().UTC(), root.EndTimestamp().AsTime().UTC(), gen.StartTimestamp().AsTime().UTC(), gen.EndTimestamp().AsTime().UTC())
		}
	}
}
