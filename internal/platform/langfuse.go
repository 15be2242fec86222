package platform

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// Langfuse: OTLP/HTTP at /api/public/otel (v3.22+), HTTP Basic with the
// public and secret keys (Dify's LangfuseConfig: host default
// https://cloud.langfuse.com).
var langfuse = &descriptor{
	typ: Langfuse, title: "Langfuse",
	fields: []fieldSpec{
		{name: FieldHost, def: "https://cloud.langfuse.com", url: anyURL, doc: "any path prefix of a self-hosted instance is kept"},
		{name: FieldPublicKey, required: true, doc: "the `pk-lf-...` key"},
	},
	secret:       secretSpec{name: "secret_key", doc: "the `sk-lf-...` key", required: true},
	protocols:    []Protocol{HTTPProtobuf, HTTPJSON},
	gzip:         true,
	export:       langfuseExport,
	validate:     langfuseValidate,
	probes:       langfuseProbes,
	rejectedHint: "public_key and secret_key (and that they belong to this host's region)",
	mapping:      langfuseMapping,
}

func langfuseExport(c Config, s Secrets) Export {
	return Export{
		// 403 is the usage limit (ingestion suspended); 500 a failed
		// publish to its queue: both pass.
		SuspendedOn403: true, Retry500: true,
		URL: c.Host + "/api/public/otel/v1/traces",
		Headers: []Header{
			{Name: "Authorization", Value: basic(c.PublicKey, s.Key), Secret: true},
			// Without it Langfuse v4 shows the data ~10 minutes late.
			{Name: "x-langfuse-ingestion-version", Value: "4"},
		},
	}
}

func langfuseValidate(c Config) Errors {
	// The message must not echo the value: it is probably a secret.
	if strings.HasPrefix(c.PublicKey, "sk-lf-") {
		return Errors{{FieldPublicKey, "holds a Langfuse secret key (it starts with sk-lf-); put the pk-lf- key here and the sk-lf- key in secret_key"}}
	}
	return nil
}

// langfuseProbes: the REST check, then an empty OTLP export: a self-hosted
// Langfuse older than v3.22 has the REST API but no OTLP endpoint (404).
func langfuseProbes(c Config, _ Secrets, exp Export) []probe {
	return []probe{get(c.Host+"/api/public/projects", onlyHeader(exp.Headers, "Authorization")...), emptyExport(exp)}
}

var langfuseType = kindNames{llmspan.KindLLM: "generation", llmspan.KindEmbedding: "embedding", llmspan.KindChain: "chain",
	llmspan.KindRetriever: "retriever", llmspan.KindTool: "tool", llmspan.KindAgent: "agent", llmspan.KindOther: "span"}

// langfuseTraceLevel reports whether a key is a Langfuse trace-level
// attribute, which Langfuse v4 wants on every span of the trace.
func langfuseTraceLevel(k string) bool {
	switch k {
	case "langfuse.user.id", "user.id", "langfuse.session.id", "session.id", "langfuse.trace.tags", "langfuse.trace.name",
		"langfuse.trace.public", "langfuse.release", "langfuse.version", "langfuse.environment":
		return true
	}
	return strings.HasPrefix(k, "langfuse.trace.metadata.")
}

// langfuseMapping copies trace-level attributes to every span of their
// trace, puts the root's input and output where Langfuse v4 reads them, and
// sets the observation type from the span kind.
func langfuseMapping(td ptrace.Traces, views llmspan.Views) {
	traceAttrs := map[pcommon.TraceID]map[string]pcommon.Value{}
	attrsOf := func(id pcommon.TraceID) map[string]pcommon.Value {
		m := traceAttrs[id]
		if m == nil {
			m = map[string]pcommon.Value{}
			traceAttrs[id] = m
		}
		return m
	}
	eachSpan(td, func(s ptrace.Span) {
		s.Attributes().Range(func(k string, v pcommon.Value) bool {
			if langfuseTraceLevel(k) {
				if m := attrsOf(s.TraceID()); !hasKey(m, k) {
					m[k] = v
				}
			}
			return true
		})
		if app := views[s.SpanID()].AppID; app != "" {
			attrsOf(s.TraceID())["langfuse.trace.metadata.app_id"] = pcommon.NewValueStr(app)
		}
	})
	eachSpan(td, func(s ptrace.Span) {
		a := s.Attributes()
		for k, v := range traceAttrs[s.TraceID()] {
			if _, ok := a.Get(k); !ok {
				v.CopyTo(a.PutEmpty(k))
			}
		}
		putIfAbsent(a, "langfuse.observation.type", langfuseType[views.Kind(s.SpanID())])
		if s.ParentSpanID().IsEmpty() {
			copyFirst(a, "langfuse.observation.input", "input.value", "gen_ai.input.messages", "gen_ai.prompt", "traceloop.entity.input")
			copyFirst(a, "langfuse.observation.output", "output.value", "gen_ai.output.messages", "gen_ai.completion", "traceloop.entity.output")
		}
	})
}

func hasKey(m map[string]pcommon.Value, k string) bool {
	_, ok := m[k]
	return ok
}
