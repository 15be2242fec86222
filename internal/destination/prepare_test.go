package destination

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
	"github.com/llmops/terraform-provider-llmops/internal/llmspan/llmspantest"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

// difyTrace: workflow root (1) > llm (2), retriever (3); llm (2) > tool (4).
func difyTrace() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "dify-api")
	rs.Resource().Attributes().PutStr("dify.app_id", "app-1")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	add := func(id, parent byte, attrs map[string]any) {
		s := spans.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{9})
		s.SetSpanID(pcommon.SpanID{id})
		if parent != 0 {
			s.SetParentSpanID(pcommon.SpanID{parent})
		}
		_ = s.Attributes().FromRaw(attrs)
	}
	add(1, 0, map[string]any{"openinference.span.kind": "CHAIN", "input.value": `{"q":"hi"}`, "output.value": "hello", "session.id": "conv-7", "user.id": "u-1"})
	add(2, 1, map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.provider.name": "openai",
		"gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 5, "input.value": "prompt"})
	add(3, 1, map[string]any{"openinference.span.kind": "RETRIEVER"})
	add(4, 2, map[string]any{"gen_ai.tool.name": "search"})
	return td
}

func attrs(td ptrace.Traces, id byte) pcommon.Map {
	var out pcommon.Map
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			for k := 0; k < sss.At(j).Spans().Len(); k++ {
				if s := sss.At(j).Spans().At(k); s.SpanID() == (pcommon.SpanID{id}) {
					out = s.Attributes()
				}
			}
		}
	}
	return out
}

func str(m pcommon.Map, k string) string {
	if v, ok := m.Get(k); ok {
		return v.AsString()
	}
	return "<absent>"
}

func spanIDs(td ptrace.Traces) map[byte]bool {
	out := map[byte]bool{}
	spans.Each(td, func(_ pcommon.Resource, s ptrace.Span) { out[s.SpanID()[0]] = true })
	return out
}

func TestLangfuseMapping(t *testing.T) {
	p := NewPreparer(platform.Langfuse, nil, nil, nil, false)
	in := difyTrace()
	out, n := prepare(p, in)
	if n != 4 {
		t.Fatalf("%d spans", n)
	}
	root, llm, tool := attrs(out, 1), attrs(out, 2), attrs(out, 4)
	if str(root, "langfuse.observation.input") != `{"q":"hi"}` || str(root, "langfuse.observation.output") != "hello" {
		t.Errorf("root input/output: %v", root.AsRaw())
	}
	if str(llm, "langfuse.observation.input") != "<absent>" {
		t.Error("only the root gets langfuse.observation.input")
	}
	for _, a := range []pcommon.Map{root, llm, tool} {
		if str(a, "session.id") != "conv-7" || str(a, "user.id") != "u-1" || str(a, "langfuse.trace.metadata.app_id") != "app-1" {
			t.Errorf("trace-level attributes must be on every span: %v", a.AsRaw())
		}
	}
	if str(llm, "langfuse.observation.type") != "generation" || str(tool, "langfuse.observation.type") != "tool" {
		t.Errorf("observation types: %s %s", str(llm, "langfuse.observation.type"), str(tool, "langfuse.observation.type"))
	}
	if str(attrs(in, 2), "session.id") != "<absent>" {
		t.Fatal("Prepare modified its input")
	}
}

func TestPhoenixMapping(t *testing.T) {
	p := NewPreparer(platform.Phoenix, map[string]string{"openinference.project.name": "dify"}, nil, nil, false)
	out, _ := prepare(p, difyTrace())
	llm := attrs(out, 2)
	want := map[string]string{"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o", "llm.provider": "openai",
		"llm.token_count.prompt": "10", "llm.token_count.completion": "5", "llm.token_count.total": "15"}
	for k, v := range want {
		if str(llm, k) != v {
			t.Errorf("%s = %s, want %s", k, str(llm, k), v)
		}
	}
	if str(attrs(out, 4), "openinference.span.kind") != "TOOL" || str(attrs(out, 1), "openinference.span.kind") != "CHAIN" {
		t.Error("kinds")
	}
	if v, _ := out.ResourceSpans().At(0).Resource().Attributes().Get("openinference.project.name"); v.Str() != "dify" {
		t.Error("resource attribute")
	}
}

func TestLangSmithAndAliyunKinds(t *testing.T) {
	out, _ := prepare(NewPreparer(platform.LangSmith, nil, nil, nil, false), difyTrace())
	if str(attrs(out, 2), "langsmith.span.kind") != "llm" || str(attrs(out, 3), "langsmith.span.kind") != "retriever" {
		t.Error("langsmith kinds")
	}
	out, _ = prepare(NewPreparer(platform.Aliyun, nil, nil, nil, false), difyTrace())
	if str(attrs(out, 2), "gen_ai.span.kind") != "LLM" || str(attrs(out, 1), "gen_ai.span.kind") != "CHAIN" {
		t.Error("aliyun kinds")
	}
}

func TestIncludeKeepsAncestors(t *testing.T) {
	p := NewPreparer(platform.OTLP, nil, []string{"tool"}, nil, false)
	out, n := prepare(p, difyTrace())
	ids := spanIDs(out)
	// tool (4) plus its ancestors llm (2) and root (1); not the retriever.
	if n != 3 || !ids[4] || !ids[2] || !ids[1] || ids[3] {
		t.Fatalf("kept %v", ids)
	}
	out, _ = prepare(NewPreparer(platform.OTLP, nil, nil, []string{"retriever", "tool"}, false), difyTrace())
	if ids := spanIDs(out); ids[3] || ids[4] || !ids[1] || !ids[2] {
		t.Fatalf("exclude: %v", ids)
	}
}

func TestAncestorsAcrossBatches(t *testing.T) {
	p := NewPreparer(platform.OTLP, nil, []string{"llm"}, nil, false)
	full := difyTrace()
	// Batch 1: only the LLM span (children end first); batch 2: its parent.
	first, second := ptrace.NewTraces(), ptrace.NewTraces()
	full.CopyTo(first)
	full.CopyTo(second)
	keepOnly := func(td ptrace.Traces, id byte) {
		td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().RemoveIf(func(s ptrace.Span) bool { return s.SpanID()[0] != id })
	}
	keepOnly(first, 2)
	keepOnly(second, 1)
	if _, n := prepare(p, first); n != 1 {
		t.Fatal("llm span dropped")
	}
	if _, n := prepare(p, second); n != 1 {
		t.Fatal("the root arrived later and must be kept as the llm span's ancestor")
	}
}

func TestDropContentPerDestination(t *testing.T) {
	out, _ := prepare(NewPreparer(platform.OTLP, nil, nil, nil, true), difyTrace())
	if str(attrs(out, 1), "input.value") != "<absent>" || str(attrs(out, 2), "gen_ai.usage.input_tokens") != "10" {
		t.Fatal("content must go, token counts stay")
	}
}

// TestGenAIForARMSTencentAndLangSmith: an OpenInference LLM span (what
// Dify's Phoenix provider emits) reaches ARMS, Tencent and LangSmith with
// the GenAI attributes they read; what the span had is kept.
func TestGenAIForARMSTencentAndLangSmith(t *testing.T) {
	oi := func() ptrace.Traces {
		td := ptrace.NewTraces()
		s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.SetTraceID(pcommon.TraceID{3})
		s.SetSpanID(pcommon.SpanID{7})
		_ = s.Attributes().FromRaw(map[string]any{"openinference.span.kind": "LLM", "llm.model_name": "claude-3-5-sonnet-20241022",
			"llm.provider": "langgenius/anthropic/anthropic", "llm.token_count.prompt": 300, "llm.token_count.completion": 100,
			"gen_ai.operation.name": "text_completion"})
		return td
	}
	for _, typ := range []platform.Type{platform.Aliyun, platform.Tencent, platform.LangSmith} {
		out, _ := prepare(NewPreparer(typ, nil, nil, nil, false), oi())
		a := attrs(out, 7)
		want := map[string]string{"gen_ai.request.model": "claude-3-5-sonnet-20241022", "gen_ai.provider.name": "anthropic",
			"gen_ai.system": "anthropic", "gen_ai.operation.name": "text_completion", "gen_ai.usage.input_tokens": "300",
			"gen_ai.usage.output_tokens": "100", "gen_ai.usage.total_tokens": "400"}
		for k, v := range want {
			if str(a, k) != v {
				t.Errorf("%s: %s = %s, want %s", typ, k, str(a, k), v)
			}
		}
	}
	// Spans that are not model calls get none.
	out, _ := prepare(NewPreparer(platform.Aliyun, nil, nil, nil, false), difyTrace())
	if str(attrs(out, 3), "gen_ai.request.model") != "<absent>" {
		t.Error("retriever got GenAI model attributes")
	}
}

// TestEveryConventionReachesEveryPlatformsFields: one LLM span in each
// convention apps send, and the fields each platform reads for the model
// and its tokens after preparation.
func TestEveryConventionReachesEveryPlatformsFields(t *testing.T) {
	conventions := llmspantest.Conventions()
	// The attributes each platform reads for model, input and output tokens.
	fields := map[platform.Type][3]string{
		platform.Phoenix:   {"llm.model_name", "llm.token_count.prompt", "llm.token_count.completion"},
		platform.Aliyun:    {"gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"},
		platform.Tencent:   {"gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"},
		platform.LangSmith: {"gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"},
	}
	for conv, a := range conventions {
		for typ, f := range fields {
			t.Run(conv+"/"+string(typ), func(t *testing.T) {
				td := ptrace.NewTraces()
				s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
				s.SetTraceID(pcommon.TraceID{5})
				s.SetSpanID(pcommon.SpanID{1})
				_ = s.Attributes().FromRaw(a)
				views := llmspan.DecodeTraces(td)
				platform.MapAttributes(typ, td, views)
				got := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
				if str(got, f[0]) != "gpt-4o" || str(got, f[1]) != "10" || str(got, f[2]) != "4" {
					t.Errorf("%s=%s %s=%s %s=%s (kind %s)", f[0], str(got, f[0]), f[1], str(got, f[1]), f[2], str(got, f[2]), views.Kind(s.SpanID()))
				}
			})
		}
	}
}

// Untouched must agree with the platform's mapping: a platform said not to be mapped
// gets every convention's model call unchanged, one said to be mapped has
// at least one call changed; and any filter, added attribute or content
// drop makes a destination touched.
func TestUntouchedAgreesWithTheMapping(t *testing.T) {
	for _, typ := range platform.Types() {
		changed := false
		for _, a := range llmspantest.Conventions() {
			td := ptrace.NewTraces()
			s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
			s.SetTraceID(pcommon.TraceID{5})
			s.SetSpanID(pcommon.SpanID{1})
			_ = s.Attributes().FromRaw(a)
			before := s.Attributes().AsRaw()
			platform.MapAttributes(typ, td, llmspan.DecodeTraces(td))
			after := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().AsRaw()
			changed = changed || len(after) != len(before)
		}
		if untouched := NewPreparer(typ, nil, nil, nil, false).Untouched(); untouched == changed {
			t.Errorf("%s: Untouched() = %v, but the mapping changed a call: %v", typ, untouched, changed)
		}
	}
	for name, p := range map[string]*Preparer{
		"include":       NewPreparer(platform.OTLP, nil, []string{"llm"}, nil, false),
		"exclude":       NewPreparer(platform.OTLP, nil, nil, []string{"tool"}, false),
		"content none":  NewPreparer(platform.OTLP, nil, nil, nil, true),
		"resource attr": NewPreparer(platform.OTLP, map[string]string{"k": "v"}, nil, nil, false),
		"default svc":   withDefaultService(NewPreparer(platform.OTLP, nil, nil, nil, false), "bot"),
	} {
		if p.Untouched() {
			t.Errorf("%s: must not be untouched", name)
		}
	}
}

func withDefaultService(p *Preparer, name string) *Preparer {
	p.DefaultService = name
	return p
}

// Dify's Phoenix provider sends no service.name: default_service_name fills
// it on the forwarded copy, and never replaces one the app set.
func TestDefaultServiceName(t *testing.T) {
	p := withDefaultService(NewPreparer(platform.OTLP, nil, nil, nil, false), "support-bot")
	td := difyTrace()
	res := td.ResourceSpans().At(0).Resource().Attributes()
	res.Remove("service.name")
	out, _ := prepare(p, td)
	if v, _ := out.ResourceSpans().At(0).Resource().Attributes().Get("service.name"); v.Str() != "support-bot" {
		t.Fatalf("service.name %q on a resource that had none", v.Str())
	}
	for set, want := range map[string]string{"unknown_service:python": "support-bot", "dify-api": "dify-api"} {
		res.PutStr("service.name", set)
		out, _ = prepare(p, td)
		if v, _ := out.ResourceSpans().At(0).Resource().Attributes().Get("service.name"); v.Str() != want {
			t.Errorf("service.name %q became %q, want %q", set, v.Str(), want)
		}
	}
}

// prepare is Prepare as the fan-out calls it: td decoded once.
func prepare(p *Preparer, td ptrace.Traces) (ptrace.Traces, int) {
	return p.Prepare(td, llmspan.DecodeTraces(td), time.Now())
}
