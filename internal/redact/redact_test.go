package redact

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestPresets(t *testing.T) {
	r, err := New(Config{Presets: Presets()})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"mail me at jane.doe+x@example.co.uk now":    "mail me at [EMAIL] now",
		"call +1 415 555 0134 or (415) 555-0134":     "call [PHONE] or [PHONE]",
		"手机 13812345678 联系":                          "手机 [PHONE] 联系",
		"key sk-proj-AbCdEf0123456789xyzXYZ used":    "key [API_KEY] used",
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9": "Authorization: [API_KEY]",
		"aws AKIAIOSFODNN7EXAMPLE":                   "aws [API_KEY]",
		"card 4111 1111 1111 1111 exp 12/29":         "card [CARD] exp 12/29",
		"order 4111111111111112 is not a card":       "order 4111111111111112 is not a card", // fails Luhn
		"ssn 078-05-1120, 身份证 11010519491231002X":    "ssn [ID], 身份证 [ID]",
		"tokens used: 12345, latency 2.5s":           "tokens used: 12345, latency 2.5s",
	}
	for in, want := range cases {
		if got := r.String(in); got != want {
			t.Errorf("%q\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestRulesAndTraces(t *testing.T) {
	r, err := New(Config{Presets: []string{"email"}, Rules: []Rule{
		{Name: "customer", Pattern: `CUST-\d{6}`, Replacement: "[CUSTOMER]"},
		{Name: "user ids", Keys: []string{"user.id", "enduser.*"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("owner", "ops@example.com")
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetName("lookup CUST-123456")
	s.Attributes().PutStr("input.value", `{"q":"refund for CUST-654321, reply to a@b.io"}`)
	s.Attributes().PutStr("user.id", "u-77")
	s.Attributes().PutStr("enduser.email", "x")
	s.Attributes().PutInt("gen_ai.usage.input_tokens", 42)
	s.Attributes().PutEmptySlice("tags").AppendEmpty().SetStr("vip a@b.io")
	ev := s.Events().AppendEmpty()
	ev.Attributes().PutStr("exception.message", "no user a@b.io")
	r.Traces(td)

	a := s.Attributes()
	if v, _ := a.Get("input.value"); v.Str() != `{"q":"refund for [CUSTOMER], reply to [EMAIL]"}` {
		t.Errorf("input %q", v.Str())
	}
	if v, _ := a.Get("user.id"); v.Str() != "[REDACTED]" {
		t.Errorf("user.id %q", v.Str())
	}
	if v, _ := a.Get("enduser.email"); v.Str() != "[REDACTED]" {
		t.Errorf("glob key %q", v.Str())
	}
	if v, _ := a.Get("gen_ai.usage.input_tokens"); v.Int() != 42 {
		t.Error("numbers untouched")
	}
	if v, _ := a.Get("tags"); v.Slice().At(0).Str() != "vip [EMAIL]" {
		t.Errorf("slices %q", v.Slice().At(0).Str())
	}
	if s.Name() != "lookup [CUSTOMER]" {
		t.Errorf("name %q", s.Name())
	}
	if v, _ := ev.Attributes().Get("exception.message"); v.Str() != "no user [EMAIL]" {
		t.Errorf("event %q", v.Str())
	}
	if v, _ := rs.Resource().Attributes().Get("owner"); v.Str() != "[EMAIL]" {
		t.Errorf("resource %q", v.Str())
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Presets: []string{"ssn"}}, `redaction.presets[0]: unknown preset "ssn"`},
		{Config{Rules: []Rule{{Pattern: "("}}}, "redaction.rules[0].pattern"},
		{Config{Rules: []Rule{{}}}, "redaction.rules[0]: set exactly one of pattern and keys"},
		{Config{Rules: []Rule{{Pattern: "x", Keys: []string{"y"}}}}, "exactly one"},
	} {
		if _, err := New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
	var nilR *Redactor
	nilR.Traces(ptrace.NewTraces()) // no-op, no panic
}

func TestDropContent(t *testing.T) {
	td := ptrace.NewTraces()
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	a := s.Attributes()
	for _, k := range []string{"input.value", "output.value", "gen_ai.input.messages", "llm.input_messages.0.message.content", "gen_ai.prompt.0.content", "langfuse.observation.output", "retrieval.documents.1.document.content"} {
		a.PutStr(k, "secret text")
	}
	a.PutStr("gen_ai.request.model", "gpt-4o")
	a.PutInt("llm.token_count.prompt", 5)
	a.PutStr("openinference.span.kind", "LLM")
	s.Events().AppendEmpty().SetName("gen_ai.content.prompt")
	s.Events().AppendEmpty().SetName("exception")
	DropContent(td)
	if a.Len() != 3 {
		t.Fatalf("kept %d attributes: %v", a.Len(), a.AsRaw())
	}
	if s.Events().Len() != 1 || s.Events().At(0).Name() != "exception" {
		t.Fatalf("events %d", s.Events().Len())
	}
}

func TestAuditUserIDIsHashedNotDropped(t *testing.T) {
	r, err := New(Config{Presets: []string{"audit_user_id"}})
	if err != nil {
		t.Fatal(err)
	}
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for _, uid := range []any{"user-42", "user-42", int64(7)} {
		s := spans.AppendEmpty()
		_ = s.Attributes().FromRaw(map[string]any{"audit.user_id": uid, "audit.action": "delete_dataset", "audit.resource": "ds-1"})
	}
	r.Traces(td)
	r.Traces(td) // idempotent: an already hashed value is kept
	a0, _ := spans.At(0).Attributes().Get("audit.user_id")
	a1, _ := spans.At(1).Attributes().Get("audit.user_id")
	a2, _ := spans.At(2).Attributes().Get("audit.user_id")
	if a0.Str() != Hash("user-42") || a0.Str() != a1.Str() || a2.Str() != Hash("7") || strings.Contains(a0.Str(), "user-42") {
		t.Fatalf("hashed: %q %q %q", a0.Str(), a1.Str(), a2.Str())
	}
	if act, _ := spans.At(0).Attributes().Get("audit.action"); act.Str() != "delete_dataset" {
		t.Fatal("other audit attributes changed")
	}
}
