package delivery

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/destination"
	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
	"github.com/llmops/terraform-provider-llmops/internal/llmspan/llmspantest"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/platform/platformtest"
)

// capture is what one platform must receive for that span: the request
// line, headers (exact values), body encoding, resource attributes, and
// span attributes holding the model and its tokens.
type capture struct {
	cfg         platform.Config
	sec         platform.Secrets
	method      string
	path        string
	headers     map[string]string
	gzip        bool
	resource    map[string]string
	model       [3]string // model, input tokens, output tokens attribute keys
	spanExtra   map[string]string
	hasProvider string // attribute that carries the provider, when the convention has one
	oauth       bool   // the export is preceded by one token request
}

func captures() map[string]capture {
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	genai := [3]string{"gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"}
	app := map[string]string{"service.name": "chatbot"}
	return map[string]capture{
		"langfuse": {cfg: platform.Config{Type: platform.Langfuse, PublicKey: "pk-lf-1"}, sec: platform.Secrets{Key: "sk-lf-GOOD"},
			method: "POST", path: "/api/public/otel/v1/traces", gzip: true, resource: app,
			headers: map[string]string{"Authorization": basic("pk-lf-1", "sk-lf-GOOD"), "X-Langfuse-Ingestion-Version": "4"},
			// Langfuse reads every convention itself; the observation type is added.
			spanExtra: map[string]string{"langfuse.observation.type": "generation"}},
		"langsmith": {cfg: platform.Config{Type: platform.LangSmith, Project: "demo", Workspace: "ws-1"}, sec: platform.Secrets{Key: "lsv2_GOOD"},
			method: "POST", path: "/otel/v1/traces", resource: app, model: genai, hasProvider: "gen_ai.system",
			headers:   map[string]string{"X-Api-Key": "lsv2_GOOD", "Langsmith-Project": "demo", "X-Tenant-Id": "ws-1"},
			spanExtra: map[string]string{"langsmith.span.kind": "llm"}},
		"phoenix": {cfg: platform.Config{Type: platform.Phoenix, Project: "dify"}, sec: platform.Secrets{Key: "px-GOOD"},
			method: "POST", path: "/v1/traces", gzip: true, hasProvider: "llm.provider",
			headers:  map[string]string{"Authorization": "Bearer px-GOOD", "X-Project-Name": "dify"},
			resource: map[string]string{"service.name": "chatbot", "openinference.project.name": "dify"},
			model:    [3]string{"llm.model_name", "llm.token_count.prompt", "llm.token_count.completion"}, spanExtra: map[string]string{"openinference.span.kind": "LLM"}},
		"weave": {cfg: platform.Config{Type: platform.Weave, Entity: "team", Project: "app"}, sec: platform.Secrets{Key: "wb-GOOD"},
			method: "POST", path: "/otel/v1/traces", model: genai,
			headers:  map[string]string{"Wandb-Api-Key": "wb-GOOD", "Project_id": "team/app"},
			resource: map[string]string{"service.name": "chatbot", "wandb.entity": "team", "wandb.project": "app"}},
		"aliyun": {cfg: platform.Config{Type: platform.Aliyun}, sec: platform.Secrets{Key: "arms-GOOD"},
			method: "POST", path: "/adapt_arms-GOOD/api/otlp/traces", model: genai, hasProvider: "gen_ai.provider.name",
			headers:   map[string]string{},
			resource:  map[string]string{"service.name": "dify_app", "acs.arms.service.feature": "genai_app"},
			spanExtra: map[string]string{"gen_ai.span.kind": "LLM", "gen_ai.framework": "dify"}},
		"opik": {cfg: platform.Config{Type: platform.Opik, Workspace: "ws"}, sec: platform.Secrets{Key: "opik-GOOD"},
			method: "POST", path: "/api/v1/private/otel/v1/traces", gzip: true, resource: app, model: genai,
			headers: map[string]string{"Authorization": "opik-GOOD", "Comet-Workspace": "ws", "Projectname": "Default Project"}},
		"tencent": {cfg: platform.Config{Type: platform.Tencent}, sec: platform.Secrets{Key: "tc-GOOD"},
			method: "gRPC", path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export", model: genai,
			headers:  map[string]string{"Authorization": "Bearer tc-GOOD"},
			resource: map[string]string{"service.name": "dify_app", "token": "tc-GOOD"}},
		"mlflow": {cfg: platform.Config{Type: platform.MLflow, ExperimentID: "7", Username: "bot"}, sec: platform.Secrets{Key: "mlflow-GOOD"},
			method: "POST", path: "/v1/traces", resource: app, model: genai,
			headers: map[string]string{"Authorization": basic("bot", "mlflow-GOOD"), "X-Mlflow-Experiment-Id": "7", "Content-Type": "application/x-protobuf"}},
		"databricks-pat": {cfg: platform.Config{Type: platform.Databricks, ExperimentID: "1234"}, sec: platform.Secrets{Key: "dapi-GOOD"},
			method: "POST", path: "/api/2.0/otel/v1/traces", resource: app, model: genai,
			headers: map[string]string{"Authorization": "Bearer dapi-GOOD", "X-Mlflow-Experiment-Id": "1234"}},
		// A service principal: the sender fetches its token first (the
		// token request is the fake's first request).
		"databricks-oauth": {cfg: platform.Config{Type: platform.Databricks, ExperimentID: "1234", ClientID: "sp-1"}, sec: platform.Secrets{Key: "dose-GOOD"},
			method: "POST", path: "/api/2.0/otel/v1/traces", resource: app, model: genai, oauth: true,
			headers: map[string]string{"Authorization": "Bearer dbx-oauth-c3AtMQ", "X-Mlflow-Experiment-Id": "1234"}},
		"otlp-http": {cfg: platform.Config{Type: platform.OTLP, Headers: map[string]string{"x-scope-orgid": "t1"}},
			sec:    platform.Secrets{Headers: map[string]string{"authorization": "Bearer GOOD"}},
			method: "POST", path: "/v1/traces", gzip: true, resource: app,
			headers: map[string]string{"Authorization": "Bearer GOOD", "X-Scope-Orgid": "t1"}},
		"otlp-grpc-tls": {cfg: platform.Config{Type: platform.OTLP, Protocol: platform.GRPC, Endpoint: "https://placeholder",
			Headers: map[string]string{"x-scope-orgid": "t1"}}, sec: platform.Secrets{Headers: map[string]string{"authorization": "Bearer GOOD"}},
			method: "gRPC", path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export", resource: app,
			headers: map[string]string{"Authorization": "Bearer GOOD", "X-Scope-Orgid": "t1"}},
	}
}

// TestCaptureEveryPlatformEveryConvention sends one LLM span in each
// convention the way a destination does (Preparer, then the platform's
// sender) to each platform's fake, and checks what the fake received.
func TestCaptureEveryPlatformEveryConvention(t *testing.T) {
	for name, want := range captures() {
		for conv, attrs := range llmspantest.Conventions() {
			t.Run(name+"/"+conv, func(t *testing.T) {
				t.Parallel()
				fake := platformtest.New(t, want.cfg.Type, want.cfg, want.sec)
				norm, err := platform.Normalize(fake.Config)
				if err != nil {
					t.Fatal(err)
				}
				exp := platform.ExportFor(norm, want.sec)
				td := ptrace.NewTraces()
				rs := td.ResourceSpans().AppendEmpty()
				rs.Resource().Attributes().PutStr("service.name", "chatbot")
				s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
				s.SetTraceID(pcommon.TraceID{1, 2})
				s.SetSpanID(pcommon.SpanID{3})
				s.SetName("llm")
				if err := s.Attributes().FromRaw(attrs); err != nil {
					t.Fatal(err)
				}
				out, _ := destination.NewPreparer(want.cfg.Type, exp.ResourceAttributes, nil, nil, false).Prepare(td, llmspan.DecodeTraces(td), time.Now())
				body, err := ptraceotlp.NewExportRequestFromTraces(out).MarshalProto()
				if err != nil {
					t.Fatal(err)
				}
				sender, err := NewSender(exp, 10*time.Second, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer sender.Close()
				if _, err := sender.Send(context.Background(), body); err != nil {
					t.Fatalf("send: %v", err)
				}
				checkRequest(t, fake.Requests(), want)
				checkReceived(t, fake.Received(), want, attrs, conv)
			})
		}
	}
}

func checkRequest(t *testing.T, reqs []platformtest.Request, want capture) {
	t.Helper()
	if want.oauth {
		if len(reqs) != 2 || reqs[0].Path != "/oidc/v1/token" {
			t.Fatalf("fake saw %d requests, want a token request then the export", len(reqs))
		}
		reqs = reqs[1:]
	}
	if len(reqs) != 1 {
		t.Fatalf("fake saw %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != want.method || r.Path != want.path {
		t.Errorf("request %s %s, want %s %s", r.Method, r.Path, want.method, want.path)
	}
	for k, v := range want.headers {
		if got := r.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if want.method == "gRPC" {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		t.Errorf("Content-Type %q", ct)
	}
	if enc, wantEnc := r.Header.Get("Content-Encoding"), map[bool]string{true: "gzip"}[want.gzip]; enc != wantEnc {
		t.Errorf("Content-Encoding %q, want %q", enc, wantEnc)
	}
}

func checkReceived(t *testing.T, got ptrace.Traces, want capture, sent map[string]any, conv string) {
	t.Helper()
	if got.SpanCount() != 1 {
		t.Fatalf("fake accepted %d spans", got.SpanCount())
	}
	rs := got.ResourceSpans().At(0)
	res := rs.Resource().Attributes()
	if res.Len() != len(want.resource) {
		t.Errorf("resource attributes %v, want %v", res.AsRaw(), want.resource)
	}
	for k, v := range want.resource {
		if a, ok := res.Get(k); !ok || a.AsString() != v {
			t.Errorf("resource %s = %v, want %q", k, a.AsRaw(), v)
		}
	}
	span := rs.ScopeSpans().At(0).Spans().At(0)
	a := span.Attributes()
	for k, v := range sent {
		if g, ok := a.Get(k); !ok || g.AsString() != anyString(v) {
			t.Errorf("the app's %s was changed or dropped: %v", k, g.AsRaw())
		}
	}
	wantAttr := map[string]string{}
	if want.model[0] != "" {
		wantAttr[want.model[0]], wantAttr[want.model[1]], wantAttr[want.model[2]] = "gpt-4o", "10", "4"
	}
	if want.hasProvider != "" && conv != "langfuse" {
		wantAttr[want.hasProvider] = "openai"
	}
	for k, v := range want.spanExtra {
		wantAttr[k] = v
	}
	for k, v := range wantAttr {
		if g, ok := a.Get(k); !ok || g.AsString() != v {
			t.Errorf("span %s = %q (present %v), want %q", k, g.AsString(), ok, v)
		}
	}
	if want.model[0] == "" && want.cfg.Type == platform.OTLP && a.Len() != len(sent) {
		t.Errorf("plain OTLP must forward the span as sent: %v", a.AsRaw())
	}
}

func anyString(v any) string {
	val := pcommon.NewValueEmpty()
	_ = val.FromRaw(v)
	return val.AsString()
}

// TestTencentNeedsTheTokenResourceAttribute: Tencent's fake, like Tencent's
// access guide, wants token=<token> on the resource; the header alone is
// refused, so the send-time attribute is what gets the data in.
func TestTencentNeedsTheTokenResourceAttribute(t *testing.T) {
	sec := platform.Secrets{Key: "tc-GOOD"}
	fake := platformtest.New(t, platform.Tencent, platform.Config{}, sec)
	norm, err := platform.Normalize(fake.Config)
	if err != nil {
		t.Fatal(err)
	}
	exp := platform.ExportFor(norm, sec)
	exp.SendTimeResourceAttributes = nil
	sender, err := NewSender(exp, 10*time.Second, []string{sec.Key})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	body, _ := ptraceotlp.NewExportRequestFromTraces(trace(1)).MarshalProto()
	_, err = sender.Send(context.Background(), body)
	var se *SendError
	if !errors.As(err, &se) || se.Status != "gRPC Unauthenticated" || se.Retryable {
		t.Fatalf("want a permanent Unauthenticated, got %v", err)
	}
}
