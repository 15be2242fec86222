package loadgen

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestPromptBytes: with PromptBytes, every LLM call carries content within
// the bounds, in the attribute its convention uses; without, none does.
func TestPromptBytes(t *testing.T) {
	count := func(td ptrace.Traces) (calls, withContent int, minLen, maxLen int) {
		minLen = 1 << 30
		ss := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		for i := 0; i < ss.Len(); i++ {
			a := ss.At(i).Attributes()
			if ss.At(i).Name() != "llm" {
				continue
			}
			calls++
			for _, k := range []string{"input.value", "gen_ai.input.messages"} {
				if v, ok := a.Get(k); ok {
					withContent++
					minLen, maxLen = min(minLen, len(v.Str())), max(maxLen, len(v.Str()))
				}
			}
		}
		return
	}
	g := NewGenerator(1)
	if _, n, _, _ := count(g.Traces(20)); n != 0 {
		t.Fatalf("%d calls carry content without PromptBytes", n)
	}
	g.PromptBytes = 8192
	calls, n, lo, hi := count(g.Traces(50))
	if n != calls || calls != 100 {
		t.Fatalf("%d of %d calls carry content", n, calls)
	}
	if lo < 1024 || hi > 8192+200 { // GenAI's JSON envelope adds a few bytes
		t.Fatalf("content sizes %d..%d, want 1024..8192", lo, hi)
	}
}
