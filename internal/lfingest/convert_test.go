package lfingest

import (
	"encoding/json"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// difyMessageBatch is what Dify's Langfuse provider (langfuse~=2.51,
// api/core/ops/langfuse_trace/langfuse_trace.py message_trace) sends for a
// chat message: the trace, its generation (message tokens and model), and
// a dataset retrieval span; times as the v2 SDK writes them.
const difyMessageBatch = `{"batch": [
 {"id": "e1", "type": "trace-create", "timestamp": "2026-11-27T10:00:00.000Z", "body": {
   "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "name": "message_7c9e6679", "userId": "end-user-1",
   "sessionId": "conv-1", "tags": ["message", "chat"],
   "metadata": {"app_id": "app-lf", "app_name": "Support", "message_id": "7c9e6679", "conversation_id": "conv-1"},
   "input": {"message": "hello"}, "output": "hi"}},
 {"id": "e2", "type": "generation-create", "timestamp": "2026-11-27T10:00:03.000Z", "body": {
   "id": "gen-1", "traceId": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "name": "generation_7c9e6679",
   "startTime": "2026-11-27T10:00:00.500000", "endTime": "2026-11-27T10:00:03.000000",
   "completionStartTime": "2026-11-27T10:00:01.100000", "model": "gpt-4o-mini",
   "usage": {"input": 1000, "output": 200, "total": 1200, "unit": "TOKENS", "totalCost": 0.00027},
   "input": {"message": "hello"}, "output": "hi", "level": "DEFAULT", "metadata": {"app_id": "app-lf"}}},
 {"id": "e3", "type": "span-create", "timestamp": "2026-11-27T10:00:00.100Z", "body": {
   "id": "ret-1", "traceId": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "name": "dataset_retrieval",
   "startTime": "2026-11-27T10:00:00.100Z", "endTime": "2026-11-27T10:00:00.400Z",
   "output": {"documents": [{"content": "doc"}]}}},
 {"id": "e4", "type": "score-create", "timestamp": "2026-11-27T10:00:04.000Z", "body": {"id": "s1", "traceId": "x", "name": "q", "value": 1}},
 {"id": "e5", "type": "generation-create", "timestamp": "2026-11-27T10:00:04.000Z", "body": {"id": "gen-2", "name": "no trace"}},
 {"id": "e6", "type": "made-up", "body": {}}
]}`

func TestDifyMessageBatch(t *testing.T) {
	var req struct{ Batch []Event }
	if err := json.Unmarshal([]byte(difyMessageBatch), &req); err != nil {
		t.Fatal(err)
	}
	td, results := Convert(req.Batch)
	var ok, bad []string
	for _, r := range results {
		if r.Status == 201 {
			ok = append(ok, r.ID)
		} else {
			bad = append(bad, r.ID+": "+r.Message)
		}
	}
	if len(ok) != 4 || len(bad) != 2 {
		t.Fatalf("successes %v errors %v", ok, bad)
	}
	if td.SpanCount() != 3 {
		t.Fatalf("%d spans", td.SpanCount())
	}
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	var gen, root ptrace.Span
	for i := 0; i < spans.Len(); i++ {
		switch s := spans.At(i); s.Name() {
		case "generation_7c9e6679":
			gen = s
		case "message_7c9e6679":
			root = s
		}
	}
	if gen.TraceID().String() != "7c9e6679742540de944be07fc1f90ae7" || gen.ParentSpanID() != root.SpanID() || root.ParentSpanID() != [8]byte{} {
		t.Fatalf("ids: trace %s parent %s root %s", gen.TraceID(), gen.ParentSpanID(), root.SpanID())
	}
	if got := root.EndTimestamp().AsTime().Sub(root.StartTimestamp().AsTime()).Seconds(); got != 3 {
		t.Errorf("root covers its observations: %v s", got)
	}
	// Forwarded generations carry the GenAI attributes too.
	for k, want := range map[string]any{"gen_ai.request.model": "gpt-4o-mini", "gen_ai.operation.name": "chat",
		"gen_ai.usage.input_tokens": int64(1000), "gen_ai.usage.output_tokens": int64(200)} {
		if v, ok := gen.Attributes().Get(k); !ok || v.AsRaw() != want {
			t.Errorf("generation %s = %v, want %v", k, v.AsRaw(), want)
		}
	}
	// The service: the trace's Dify app name.
	if v, _ := td.ResourceSpans().At(0).Resource().Attributes().Get("service.name"); v.Str() != "Support" {
		t.Errorf("service.name %q, want the app name", v.Str())
	}
	var s llmspan.Span
	llmspan.Decode(llmspan.Resource{}, gen, &s)
	if s.Kind != llmspan.KindLLM || s.Model != "gpt-4o-mini" || s.Usage.Input != 1000 || s.Usage.Output != 200 || s.Seconds != 2.5 || s.TTFT < 0.59 || s.TTFT > 0.61 {
		t.Fatalf("generation as the pipeline sees it: %+v", s)
	}
	llmspan.Decode(llmspan.Resource{}, root, &s)
	if s.AppID != "app-lf" || s.AppName != "Support" {
		t.Fatalf("root app: %+v", s)
	}
}

func TestIDsAndTimes(t *testing.T) {
	if TraceID("abc") == TraceID("abd") || TraceID("abc") != TraceID("abc") {
		t.Error("hashed trace ids")
	}
	if SpanID("x", true) == SpanID("x", false) {
		t.Error("root and observation span ids collide")
	}
	for _, s := range []string{"2026-11-27T10:00:00Z", "2026-11-27T10:00:00.123456", "2026-11-27T10:00:00.5+08:00"} {
		if _, ok := ParseTime(s); !ok {
			t.Errorf("%s not parsed", s)
		}
	}
}

// difyWorkflowBatch is Dify's workflow_trace for a chatflow (same file):
// the trace (id = message id), the workflow span, one span per node
// execution under it, and for an LLM node in chat mode a generation under
// the node whose usage is only totalTokens; a failed tool node is level
// ERROR with the run's error as status message.
const difyWorkflowBatch = `{"batch": [
 {"id": "w1", "type": "trace-create", "timestamp": "2026-11-27T11:00:00Z", "body": {
   "id": "msg-42", "name": "message_msg-42", "userId": "tenant-1", "sessionId": "conv-9", "tags": ["message", "workflow"],
   "metadata": {"app_id": "app-wf", "workflow_id": "wf-1", "tenant_id": "tenant-1"}}},
 {"id": "w2", "type": "span-create", "timestamp": "2026-11-27T11:00:00Z", "body": {
   "id": "run-1", "traceId": "msg-42", "name": "workflow_run-1", "startTime": "2026-11-27T11:00:00", "endTime": "2026-11-27T11:00:09",
   "level": "DEFAULT"}},
 {"id": "w3", "type": "span-create", "timestamp": "2026-11-27T11:00:01Z", "body": {
   "id": "node-llm", "traceId": "msg-42", "parentObservationId": "run-1", "name": "LLM_node-llm",
   "startTime": "2026-11-27T11:00:01", "endTime": "2026-11-27T11:00:05", "level": "DEFAULT",
   "metadata": {"node_type": "llm", "app_id": "app-wf", "total_tokens": 830}}},
 {"id": "w4", "type": "generation-create", "timestamp": "2026-11-27T11:00:01Z", "body": {
   "id": "gen-node-llm", "traceId": "msg-42", "parentObservationId": "node-llm", "name": "generation_node-llm",
   "startTime": "2026-11-27T11:00:01", "endTime": "2026-11-27T11:00:05", "usage": {"totalTokens": 830}, "level": "DEFAULT"}},
 {"id": "w5", "type": "span-create", "timestamp": "2026-11-27T11:00:05Z", "body": {
   "id": "node-kr", "traceId": "msg-42", "parentObservationId": "run-1", "name": "Knowledge Retrieval_node-kr",
   "startTime": "2026-11-27T11:00:05", "endTime": "2026-11-27T11:00:06", "metadata": {"node_type": "knowledge-retrieval"}}},
 {"id": "w6", "type": "span-create", "timestamp": "2026-11-27T11:00:06Z", "body": {
   "id": "node-tool", "traceId": "msg-42", "parentObservationId": "run-1", "name": "Tool_node-tool",
   "startTime": "2026-11-27T11:00:06", "endTime": "2026-11-27T11:00:08", "level": "ERROR", "statusMessage": "Request timed out",
   "metadata": {"node_type": "tool"}}},
 {"id": "w7", "type": "span-update", "timestamp": "2026-11-27T11:00:09Z", "body": {
   "id": "run-1", "traceId": "msg-42", "output": {"answer": "done"}}}
]}`

func TestDifyWorkflowBatch(t *testing.T) {
	var req struct{ Batch []Event }
	if err := json.Unmarshal([]byte(difyWorkflowBatch), &req); err != nil {
		t.Fatal(err)
	}
	td, results := Convert(req.Batch)
	for _, r := range results {
		if r.Status != 201 {
			t.Fatalf("%+v", r)
		}
	}
	// 1 root + workflow + 3 nodes + generation; the update merged into run-1.
	if td.SpanCount() != 6 {
		t.Fatalf("%d spans", td.SpanCount())
	}
	byName := map[string]ptrace.Span{}
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < spans.Len(); i++ {
		byName[spans.At(i).Name()] = spans.At(i)
	}
	gen, node, run, tool := byName["generation_node-llm"], byName["LLM_node-llm"], byName["workflow_run-1"], byName["Tool_node-tool"]
	if gen.ParentSpanID() != node.SpanID() || node.ParentSpanID() != run.SpanID() || run.ParentSpanID() != byName["message_msg-42"].SpanID() {
		t.Fatal("parent links lost")
	}
	if v, _ := run.Attributes().Get("langfuse.observation.output"); v.Str() != `{"answer":"done"}` {
		t.Errorf("update not merged: %q", v.Str())
	}
	if tool.Status().Code() != ptrace.StatusCodeError || tool.Status().Message() != "Request timed out" {
		t.Errorf("tool status %v %q", tool.Status().Code(), tool.Status().Message())
	}
	var s llmspan.Span
	llmspan.Decode(llmspan.Resource{}, gen, &s)
	if s.Kind != llmspan.KindLLM || s.Usage.Input != 830 || s.Usage.Total != 830 {
		t.Fatalf("generation: %+v", s)
	}
	llmspan.Decode(llmspan.Resource{}, tool, &s)
	if !s.IsError || s.ErrorType != llmspan.ErrTimeout {
		t.Errorf("tool error: %+v", s)
	}
}

// Dify sends trace-create when the trace is done: its timestamp comes after
// every observation ended. The forwarded root still spans its children.
// A workflow trace names no app name: the service is the configured one,
// else the project.
func TestRootSpansItsChildrenAndServiceName(t *testing.T) {
	batch := `{"batch": [
 {"id": "e1", "type": "span-create", "timestamp": "2026-11-27T10:00:01Z", "body": {"id": "s1", "traceId": "t1",
   "startTime": "2026-11-27T10:00:01Z", "endTime": "2026-11-27T10:00:04Z"}},
 {"id": "e2", "type": "generation-create", "timestamp": "2026-11-27T10:00:02Z", "body": {"id": "g1", "traceId": "t1", "parentObservationId": "s1",
   "startTime": "2026-11-27T10:00:02Z", "endTime": "2026-11-27T10:00:03Z", "model": "gpt-4o", "usage": {"input": 5, "output": 1}}},
 {"id": "e3", "type": "trace-create", "timestamp": "2026-11-27T10:00:09Z", "body": {"id": "t1", "name": "workflow", "metadata": {"app_id": "app-wf"}}}
]}`
	var req struct{ Batch []Event }
	if err := json.Unmarshal([]byte(batch), &req); err != nil {
		t.Fatal(err)
	}
	for opts, want := range map[Options]string{{Project: "dify-prod"}: "dify-prod", {ServiceName: "support", Project: "dify-prod"}: "support"} {
		td, _ := ConvertWith(req.Batch, opts)
		rs := td.ResourceSpans()
		if rs.Len() != 1 {
			t.Fatalf("%d resources", rs.Len())
		}
		if v, _ := rs.At(0).Resource().Attributes().Get("service.name"); v.Str() != want {
			t.Errorf("%+v: service.name %q, want %q", opts, v.Str(), want)
		}
		spans := rs.At(0).ScopeSpans().At(0).Spans()
		root := spans.At(spans.Len() - 1)
		start, end := root.StartTimestamp().AsTime().UTC(), root.EndTimestamp().AsTime().UTC()
		if start.Format("15:04:05") != "10:00:01" || end.Format("15:04:05") != "10:00:04" {
			t.Errorf("root from %s to %s, want 10:00:01 to 10:00:04 (its children)", start.Format("15:04:05"), end.Format("15:04:05"))
		}
	}
}
