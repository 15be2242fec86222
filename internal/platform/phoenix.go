package platform

import (
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// Arize Phoenix: OTLP/HTTP protobuf at /v1/traces, the project in
// openinference.project.name, a bearer key when auth is on.
var phoenix = &descriptor{
	typ: Phoenix, title: "Arize Phoenix",
	fields: []fieldSpec{
		{name: FieldEndpoint, def: "https://app.phoenix.arize.com", url: anyURL, doc: "Phoenix Cloud serves each space under `/s/<space>`"},
		{name: FieldProject, def: "default"},
	},
	secret:       secretSpec{name: "api_key", doc: "when auth is on"},
	protocols:    []Protocol{HTTPProtobuf},
	gzip:         true,
	export:       phoenixExport,
	probes:       phoenixProbes,
	rejectedHint: "api_key",
	explain:      phoenixSpaceHint,
	mapping:      mapEach(openInference),
}

func phoenixExport(c Config, s Secrets) Export {
	e := Export{
		URL:                c.Endpoint + "/v1/traces",
		ProtobufOnly:       true,
		Headers:            []Header{{Name: "x-project-name", Value: c.Project}},
		ResourceAttributes: map[string]string{"openinference.project.name": c.Project},
	}
	if s.Key != "" {
		e.Headers = append(e.Headers, Header{Name: "Authorization", Value: "Bearer " + s.Key, Secret: true})
	}
	return e
}

func phoenixProbes(c Config, _ Secrets, exp Export) []probe {
	health := get(c.Endpoint + "/healthz")
	health.accept = func(st int, _ string) bool { return st == http.StatusOK }
	return []probe{health, get(c.Endpoint+"/v1/projects?limit=1", onlyHeader(exp.Headers, "Authorization")...)}
}

// phoenixSpaceHint says where the space goes when a check against the bare
// Phoenix Cloud host fails: Phoenix Cloud serves each space under
// /s/<space>, and the host alone has no Phoenix API for it.
func phoenixSpaceHint(c Config, ce *CheckError) {
	u, err := url.Parse(c.Endpoint)
	if err != nil || !strings.EqualFold(u.Hostname(), "app.phoenix.arize.com") || strings.HasPrefix(u.Path, "/s/") ||
		(ce.Problem != WrongURL && ce.Problem != Rejected) {
		return
	}
	ce.Detail += "; Phoenix Cloud serves each space under /s/<space>: set endpoint to https://app.phoenix.arize.com/s/<space>"
}

var openInferenceKind = kindNames{llmspan.KindLLM: "LLM", llmspan.KindEmbedding: "EMBEDDING", llmspan.KindChain: "CHAIN",
	llmspan.KindRetriever: "RETRIEVER", llmspan.KindTool: "TOOL", llmspan.KindAgent: "AGENT", llmspan.KindOther: "CHAIN"}

// openInference adds the attributes Phoenix needs: span kind always, and
// model, provider and token counts on model calls.
func openInference(span ptrace.Span, v llmspan.Span) {
	a := span.Attributes()
	putIfAbsent(a, "openinference.span.kind", openInferenceKind[v.Kind])
	if v.Kind != llmspan.KindLLM && v.Kind != llmspan.KindEmbedding {
		return
	}
	putIfAbsent(a, "llm.model_name", v.Model)
	putIfAbsent(a, "llm.provider", v.Provider)
	putCounts(a, map[string]int64{"llm.token_count.prompt": v.Usage.Input, "llm.token_count.completion": v.Usage.Output,
		"llm.token_count.total": v.Usage.Input + v.Usage.Output, "llm.token_count.prompt_details.cache_read": v.Usage.CacheRead,
		"llm.token_count.completion_details.reasoning": v.Usage.Reasoning})
}
