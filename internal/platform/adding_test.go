package platform

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// TestAddingAPlatform follows ARCHITECTURE.md's "Adding a platform" for a
// made-up platform: one descriptor and one registry entry, and nothing
// else changes, yet settings, defaults, the export, the credential check
// and the attribute mapping all work for it.
func TestAddingAPlatform(t *testing.T) {
	const Example Type = "example"
	example := &descriptor{
		typ: Example, title: "Example Tracing",
		fields: []fieldSpec{
			{name: FieldEndpoint, required: true, url: anyURL},
			{name: FieldProject, def: "default"},
		},
		secret:    secretSpec{name: "api_key", required: true},
		protocols: []Protocol{HTTPProtobuf},
		export: func(c Config, s Secrets) Export {
			return Export{URL: c.Endpoint + "/v1/traces", Headers: []Header{
				{Name: "Authorization", Value: "Bearer " + s.Key, Secret: true}, {Name: "X-Project", Value: c.Project}}}
		},
		rejectedHint: "api_key",
		mapping:      mapEach(genAI),
	}
	registry = append(registry, example) // the one registry line
	byType[Example] = example
	t.Cleanup(func() {
		registry = registry[:len(registry)-1]
		delete(byType, Example)
	})

	if !slices.Contains(Types(), Example) || SecretName(Example) != "api_key" || URLField(Example) != FieldEndpoint {
		t.Fatalf("not registered: types %v secret %q url field %q", Types(), SecretName(Example), URLField(Example))
	}
	if _, err := Normalize(Config{Type: Example}); err == nil || err.Error() != `endpoint: is required for type "example"` {
		t.Fatalf("missing endpoint: %v", err)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer right" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c, err := Normalize(Config{Type: Example, Endpoint: srv.URL + "/"})
	if err != nil || c.Project != "default" || c.Protocol != HTTPProtobuf {
		t.Fatalf("Normalize: %+v, %v", c, err)
	}
	if exp := ExportFor(c, Secrets{Key: "right"}); exp.URL != srv.URL+"/v1/traces" || len(exp.HeaderNames()) != 2 {
		t.Fatalf("ExportFor: %+v", exp)
	}
	if err := Check(context.Background(), c, Secrets{Key: "right"}, CheckOptions{}); err != nil {
		t.Fatalf("Check with the right key: %v", err)
	}
	var ce *CheckError
	if err := Check(context.Background(), c, Secrets{Key: "wrong"}, CheckOptions{}); !errors.As(err, &ce) || ce.Problem != Rejected || ce.Detail != "api_key" {
		t.Fatalf("Check with a wrong key: %v", err)
	}

	td := ptrace.NewTraces()
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetSpanID([8]byte{1})
	s.Attributes().PutStr("openinference.span.kind", "LLM")
	s.Attributes().PutStr("llm.model_name", "gpt-4o")
	MapAttributes(Example, td, llmspan.DecodeTraces(td))
	if v, ok := s.Attributes().Get("gen_ai.request.model"); !ok || v.Str() != "gpt-4o" {
		t.Fatalf("mapping: %v", s.Attributes().AsRaw())
	}
}
