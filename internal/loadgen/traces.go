// Package loadgen sends realistic Dify-shaped traces to an OTLP endpoint at
// a fixed rate, for benchmarks and demos.
package loadgen

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// SpansPerTrace is the size of one generated trace.
const SpansPerTrace = 5

type model struct{ provider, name string }

// The model mix: several providers, one model that no price table knows.
var models = []model{
	{"openai", "gpt-4o-mini"}, {"anthropic", "claude-3-5-sonnet-20241022"}, {"gcp.gemini", "gemini-2.5-flash"},
	{"deepseek", "deepseek-chat"}, {"ollama", "qwen:14b"},
}

var apps = [][2]string{{"a1f0c2d4", "support-bot"}, {"b7e19a33", "doc-qa"}, {"c3d4e5f6", "sales-agent"}, {"d9c8b7a6", "summariser"}}

// Generator builds traces. It is not safe for concurrent use: give each
// sender its own.
type Generator struct {
	rng *rand.Rand
	// ErrorRate is the fraction of LLM calls marked as failed.
	ErrorRate float64
	// PromptBytes, when positive, gives each LLM call a prompt of
	// PromptBytes/8 to PromptBytes bytes of text and a completion a quarter
	// of that, as apps that record content send them (input.value and
	// output.value for OpenInference, gen_ai.input.messages and
	// gen_ai.output.messages for GenAI).
	PromptBytes int
}

// corpus is the text prompts are cut from: realistic bytes (words,
// spaces, punctuation) without paying for random text per span.
var corpus = strings.Repeat("You are a helpful support assistant for Acme Cloud. Answer using the retrieved documents only; "+
	"cite each source as [doc-n]. If the answer is not in the documents, say so and offer to open a ticket. ", 128)

// content returns n bytes of text at a random offset.
func (g *Generator) content(n int) string {
	n = min(n, len(corpus)/2)
	off := g.rng.IntN(len(corpus) - n)
	return corpus[off : off+n]
}

// NewGenerator seeds a generator.
func NewGenerator(seed uint64) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x5bd1e995)), ErrorRate: 0.02}
}

// Traces builds n traces in one request, as Dify's API process would batch
// them: one resource (service dify-api), spans of several apps.
func (g *Generator) Traces(n int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	ra := rs.Resource().Attributes()
	ra.PutStr("service.name", "dify-api")
	ra.PutStr("service.version", "dify-1.10.0")
	ra.PutStr("deployment.environment", "loadtest")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("dify.workflow")
	now := time.Now()
	for i := 0; i < n; i++ {
		g.trace(ss.Spans(), now)
	}
	return td
}

func (g *Generator) trace(spans ptrace.SpanSlice, now time.Time) {
	var tid pcommon.TraceID
	g.fill(tid[:])
	app := apps[g.rng.IntN(len(apps))]
	start := now.Add(-10 * time.Second)
	total := time.Duration(2+g.rng.IntN(6)) * time.Second

	root := g.span(spans, tid, pcommon.SpanID{}, "workflow", start, total)
	ra := root.Attributes()
	ra.PutStr("openinference.span.kind", "CHAIN")
	ra.PutStr("dify.app_id", app[0])
	ra.PutStr("dify.app_name", app[1])
	ra.PutStr("input.value", `{"query":"How do I reset my password?"}`)
	ra.PutStr("session.id", "conv-"+app[0])

	t := start.Add(50 * time.Millisecond)
	ret := g.span(spans, tid, root.SpanID(), "knowledge-retrieval", t, 120*time.Millisecond)
	ret.Attributes().PutStr("openinference.span.kind", "RETRIEVER")
	ret.Attributes().PutStr("dify.app_id", app[0])
	t = t.Add(150 * time.Millisecond)

	for k := 0; k < 2; k++ {
		m := models[g.rng.IntN(len(models))]
		d := time.Duration(300+g.rng.IntN(3000)) * time.Millisecond
		llm := g.span(spans, tid, root.SpanID(), "llm", t, d)
		a := llm.Attributes()
		a.PutStr("dify.app_id", app[0])
		in, out := int64(200+g.rng.IntN(3000)), int64(20+g.rng.IntN(800))
		if k == 0 { // OTel GenAI, as Dify's OTEL instrumentation and SDKs send
			a.PutStr("gen_ai.operation.name", "chat")
			a.PutStr("gen_ai.provider.name", m.provider)
			a.PutStr("gen_ai.request.model", m.name)
			a.PutInt("gen_ai.usage.input_tokens", in)
			a.PutInt("gen_ai.usage.output_tokens", out)
			a.PutDouble("gen_ai.response.time_to_first_chunk", float64(d)/float64(time.Second)/4)
		} else { // OpenInference, as Dify's Phoenix provider sends
			a.PutStr("openinference.span.kind", "LLM")
			a.PutStr("llm.provider", m.provider)
			a.PutStr("llm.model_name", m.name)
			a.PutInt("llm.token_count.prompt", in)
			a.PutInt("llm.token_count.completion", out)
			a.PutInt("llm.token_count.total", in+out)
		}
		if g.PromptBytes > 0 {
			in := g.content(g.PromptBytes/8 + g.rng.IntN(g.PromptBytes-g.PromptBytes/8+1))
			out := g.content(len(in) / 4)
			if k == 0 {
				a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":`+strconv.Quote(in)+`}]}]`)
				a.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":`+strconv.Quote(out)+`}]}]`)
			} else {
				a.PutStr("input.value", in)
				a.PutStr("output.value", out)
			}
		}
		if g.rng.Float64() < g.ErrorRate {
			llm.Status().SetCode(ptrace.StatusCodeError)
			a.PutStr("error.type", "rate_limit_exceeded")
		}
		t = t.Add(d)
	}
	tool := g.span(spans, tid, root.SpanID(), "tool", t, 80*time.Millisecond)
	tool.Attributes().PutStr("openinference.span.kind", "TOOL")
	tool.Attributes().PutStr("tool.name", "web_search")
}

func (g *Generator) span(spans ptrace.SpanSlice, tid pcommon.TraceID, parent pcommon.SpanID, name string, start time.Time, d time.Duration) ptrace.Span {
	s := spans.AppendEmpty()
	s.SetTraceID(tid)
	var sid pcommon.SpanID
	g.fill(sid[:])
	s.SetSpanID(sid)
	s.SetParentSpanID(parent)
	s.SetName(name)
	s.SetKind(ptrace.SpanKindInternal)
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(d)))
	return s
}

func (g *Generator) fill(b []byte) {
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	b[0] |= 1 // never all zero
}
