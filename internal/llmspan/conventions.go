package llmspan

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/llmops/terraform-provider-llmops/internal/otlpwire"
)

// decoder collects candidate values from one span's attributes; finish
// resolves them with each convention's precedence.
type decoder struct {
	lfType, oiKind, aliyunKind, tlKind, op, reqType string
	provider, system, llmProvider, llmSystem        string
	lfModel, reqModel, llmModel, respModel          string
	genai, oi, tl                                   Usage
	lfUsage, lfStart, metadata, outputValue         string
	appID, appName, errType, lfLevel                string
	auditAction, auditStatus                        string
	ttft, ttftNanos                                 float64
	tool                                            bool
}

// attr is the single pass over a span's attributes.
func (d *decoder) attr(k string, v value) bool {
	switch k {
	// Kinds, most specific convention first (resolved in kind()).
	case "langfuse.observation.type":
		d.lfType = v.Str()
	case "openinference.span.kind":
		d.oiKind = v.Str()
	case "gen_ai.span.kind": // Dify's Aliyun ARMS provider
		d.aliyunKind = v.Str()
	case "traceloop.span.kind":
		d.tlKind = v.Str()
	case "gen_ai.operation.name":
		d.op = v.Str()
	case "llm.request.type": // Traceloop
		d.reqType = v.Str()

	// Provider.
	case "gen_ai.provider.name":
		d.provider = v.Str()
	case "gen_ai.system": // renamed to gen_ai.provider.name in semconv 1.37
		d.system = v.Str()
	case "llm.provider":
		d.llmProvider = v.Str()
	case "llm.system":
		d.llmSystem = v.Str()

	// Model.
	case "langfuse.observation.model.name":
		d.lfModel = v.Str()
	case "gen_ai.request.model":
		d.reqModel = v.Str()
	case "llm.model_name":
		d.llmModel = v.Str()
	case "gen_ai.response.model":
		d.respModel = v.Str()

	// Tokens: OTel GenAI (new and pre-1.37 names; Aliyun sends strings).
	case "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens":
		d.genai.Input = intOf(v)
	case "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens":
		d.genai.Output = intOf(v)
	case "gen_ai.usage.cache_read.input_tokens":
		d.genai.CacheRead = intOf(v)
	case "gen_ai.usage.cache_creation.input_tokens":
		d.genai.CacheWrite = intOf(v)
	case "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.details.reasoning_tokens":
		d.genai.Reasoning = intOf(v)
	case "gen_ai.usage.total_tokens":
		d.genai.Total = intOf(v)
	// OpenInference.
	case "llm.token_count.prompt":
		d.oi.Input = intOf(v)
	case "llm.token_count.completion":
		d.oi.Output = intOf(v)
	case "llm.token_count.total":
		d.oi.Total = intOf(v)
	case "llm.token_count.prompt_details.cache_read":
		d.oi.CacheRead = intOf(v)
	case "llm.token_count.prompt_details.cache_write":
		d.oi.CacheWrite = intOf(v)
	case "llm.token_count.completion_details.reasoning":
		d.oi.Reasoning = intOf(v)
	// Traceloop.
	case "llm.usage.total_tokens":
		d.tl.Total = intOf(v)
	// Langfuse.
	case "langfuse.observation.usage_details":
		d.lfUsage = v.Str()
	case "langfuse.observation.completion_start_time":
		d.lfStart = v.Str()
	case "langfuse.observation.level":
		d.lfLevel = v.Str()

	// Time to first token, in seconds.
	case "gen_ai.response.time_to_first_chunk", "gen_ai.server.time_to_first_token":
		d.ttft = floatOf(v)
	case "gen_ai.response.time_to_first_token": // Dify's Aliyun provider: integer nanoseconds
		d.ttftNanos = floatOf(v)

	// Dify app identity, as its several paths send it.
	case "dify.app_id", "app_id", "langfuse.trace.metadata.app_id", "metadata.app_id":
		d.appID = v.AsString()
	case "dify.app_name", "app_name", "langfuse.trace.metadata.app_name", "metadata.app_name":
		d.appName = v.AsString()
	case "metadata": // OpenInference: a JSON object (Dify puts app_id here)
		d.metadata = v.Str()
	case "output.value": // OpenInference: Dify's workflow node outputs (usage, TTFT)
		d.outputValue = v.Str()

	case "error.type":
		d.errType = v.Str()
	case "audit.action":
		d.auditAction = v.AsString()
	case "audit.status":
		d.auditStatus = v.AsString()
	case "gen_ai.tool.name", "gen_ai.tool.call.id":
		d.tool = true
	}
	return true
}

func (d *decoder) finish(start pcommon.Timestamp, s *Span) {
	s.Kind = d.kind()
	s.Operation = d.operation(s.Kind)
	s.Provider = NormalizeProvider(cmp.Or(d.provider, d.system, d.llmProvider, d.llmSystem))
	s.Model = cmp.Or(d.lfModel, d.reqModel, d.llmModel, d.respModel)
	s.Usage = d.usage()
	if s.Kind == KindOther && (s.Model != "" && s.Usage.Any()) {
		s.Kind = KindLLM // any model attribute with usage: a generation (as Langfuse maps it)
		s.Operation = d.operation(s.Kind)
	}
	if d.appID != "" {
		s.AppID = d.appID
	}
	if d.appName != "" {
		s.AppName = d.appName
	}
	s.TTFT = d.ttft
	if s.TTFT == 0 && d.ttftNanos > 0 {
		s.TTFT = d.ttftNanos / 1e9
	}
	d.fromMetadata(s)
	d.fromOutputs(s)
	if s.TTFT == 0 && d.lfStart != "" {
		if t, err := time.Parse(time.RFC3339Nano, d.lfStart); err == nil {
			if delta := t.Sub(start.AsTime()).Seconds(); delta > 0 {
				s.TTFT = delta
			}
		}
	}
	s.AuditAction, s.AuditStatus = d.auditAction, d.auditStatus
	s.ErrorType = d.errType
	if d.errType != "" || strings.EqualFold(d.lfLevel, "ERROR") {
		s.IsError = true
	}
}

// fromMetadata reads OpenInference's `metadata` JSON, where Dify's Phoenix
// provider puts the app and, for LLM nodes, the time to first token in
// seconds (`gen_ai_server_time_to_first_token`, from its LLM node usage).
// It is parsed only when it can hold something missing.
func (d *decoder) fromMetadata(s *Span) {
	if d.metadata == "" || !(s.AppID == "" && strings.Contains(d.metadata, `"app_`) ||
		s.TTFT == 0 && strings.Contains(d.metadata, "time_to_first_token")) {
		return
	}
	var md struct {
		AppID   string       `json:"app_id"`
		AppName string       `json:"app_name"`
		TTFT    *float64     `json:"gen_ai_server_time_to_first_token"`
		TTFT2   *float64     `json:"time_to_first_token"`
		Usage   nodeUsage    `json:"usage"`
		Outputs *nodeOutputs `json:"outputs"`
	}
	if json.Unmarshal([]byte(d.metadata), &md) != nil {
		return
	}
	if s.AppID == "" {
		s.AppID, s.AppName = md.AppID, cmp.Or(s.AppName, md.AppName)
	}
	ttft := []*float64{md.TTFT, md.TTFT2, md.Usage.TTFT}
	if md.Outputs != nil {
		ttft = append(ttft, md.Outputs.Usage.TTFT)
	}
	for _, v := range ttft {
		if s.TTFT == 0 && v != nil && *v > 0 {
			s.TTFT = *v
		}
	}
}

// nodeUsage is a Dify LLM node's usage (its outputs' `usage`): the time
// to first token in seconds.
type nodeUsage struct {
	TTFT *float64 `json:"time_to_first_token"`
}

type nodeOutputs struct {
	Usage nodeUsage `json:"usage"`
}

// fromOutputs reads the time to first token of a Dify workflow LLM node
// from its outputs, which Dify's Phoenix provider sends as OpenInference's
// `output.value` JSON (`{"text": ..., "usage": {"time_to_first_token":
// 0.8, ...}}`); chat messages carry it in metadata instead. Parsed only
// for a model call still missing it.
func (d *decoder) fromOutputs(s *Span) {
	if s.TTFT != 0 || d.outputValue == "" || (s.Kind != KindLLM) || !strings.Contains(d.outputValue, "time_to_first_token") {
		return
	}
	var out nodeOutputs
	if json.Unmarshal([]byte(d.outputValue), &out) != nil || out.Usage.TTFT == nil || *out.Usage.TTFT <= 0 {
		return
	}
	s.TTFT = *out.Usage.TTFT
}

func (d *decoder) kind() Kind {
	switch strings.ToLower(d.lfType) {
	case "generation":
		return KindLLM
	case "embedding":
		return KindEmbedding
	case "agent":
		return KindAgent
	case "tool":
		return KindTool
	case "chain":
		return KindChain
	case "retriever":
		return KindRetriever
	case "span", "event", "guardrail", "evaluator":
		return KindOther
	}
	for _, k := range []string{d.oiKind, d.aliyunKind, d.tlKind} {
		switch strings.ToUpper(k) {
		case "LLM":
			return KindLLM
		case "EMBEDDING":
			return KindEmbedding
		case "CHAIN", "WORKFLOW", "TASK":
			return KindChain
		case "RETRIEVER", "RERANKER":
			return KindRetriever
		case "TOOL":
			return KindTool
		case "AGENT":
			return KindAgent
		case "":
		default:
			return KindOther
		}
	}
	switch d.op {
	case "chat", "text_completion", "completion", "generate_content", "generate":
		return KindLLM
	case "embeddings":
		return KindEmbedding
	case "execute_tool":
		return KindTool
	case "invoke_agent", "create_agent":
		return KindAgent
	case "invoke_workflow":
		return KindChain
	case "retrieval":
		return KindRetriever
	}
	switch d.reqType {
	case "chat", "completion":
		return KindLLM
	case "embedding":
		return KindEmbedding
	case "rerank":
		return KindRetriever
	}
	if d.tool {
		return KindTool
	}
	return KindOther
}

// operation is gen_ai.operation.name when given, else the semconv name that
// fits the kind, so every LLM span has an operation label.
func (d *decoder) operation(k Kind) string {
	if d.op != "" {
		return d.op
	}
	if d.reqType == "completion" {
		return "text_completion"
	}
	switch k {
	case KindLLM:
		return "chat"
	case KindEmbedding:
		return "embeddings"
	case KindTool:
		return "execute_tool"
	case KindAgent:
		return "invoke_agent"
	case KindChain:
		return "invoke_workflow"
	case KindRetriever:
		return "retrieval"
	}
	return ""
}

// usage picks the first convention that reported tokens.
func (d *decoder) usage() Usage {
	for _, u := range []Usage{d.genai, d.oi} {
		if u.Any() {
			return fillTotal(u)
		}
	}
	if d.lfUsage != "" {
		var m map[string]float64
		if json.Unmarshal([]byte(d.lfUsage), &m) == nil {
			return fillTotal(Usage{Input: int64(m["input"]), Output: int64(m["output"]), Total: int64(m["total"]),
				CacheRead: int64(m["input_cached_tokens"] + m["input_cache_read"]), Reasoning: int64(m["output_reasoning_tokens"])})
		}
	}
	return fillTotal(d.tl)
}

// fillTotal makes a total-only usage count as input, so no token is lost
// from the counters (the split is unknown).
func fillTotal(u Usage) Usage {
	if u.Input == 0 && u.Output == 0 && u.Total > 0 {
		u.Input = u.Total
	}
	return u
}

// intOf reads a count sent as int, double or string (Dify's Aliyun path).
func intOf(v value) int64 {
	switch v.typ {
	case otlpwire.Int:
		return max(v.i, 0)
	case otlpwire.Double:
		return max(int64(v.f), 0)
	case otlpwire.Str:
		n, err := strconv.ParseInt(strings.TrimSpace(v.s), 10, 64)
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	return 0
}

func floatOf(v value) float64 {
	switch v.typ {
	case otlpwire.Int:
		return float64(v.i)
	case otlpwire.Double:
		return v.f
	case otlpwire.Str:
		f, _ := strconv.ParseFloat(v.s, 64)
		return f
	}
	return 0
}
