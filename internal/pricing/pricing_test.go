package pricing

import (
	"math"
	"strings"
	"testing"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

func f(v float64) *float64 { return &v }

func TestDefaultsResolve(t *testing.T) {
	tab, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"gpt-4o":                     "gpt-4o",
		"gpt-4o-2024-08-06":          "gpt-4o",
		"GPT-4o-mini":                "gpt-4o-mini",
		"openai/gpt-4.1-mini":        "gpt-4.1-mini",
		"claude-3-5-sonnet-20241022": "claude-3-5-sonnet",
		"claude-sonnet-4-20250514":   "claude-sonnet-4",
		"gemini-2.5-flash":           "gemini-2.5-flash",
		"gemini-2.5-flash-lite":      "gemini-2.5-flash-lite",
		"deepseek-reasoner":          "deepseek-reasoner",
		"qwen-max":                   "qwen-max",
		"text-embedding-3-small":     "text-embedding-3-small",
	}
	for model, want := range cases {
		r, ok := tab.Lookup(model)
		if !ok || r.Name != want {
			t.Errorf("%s: got %q %v, want %q", model, r.Name, ok, want)
		}
	}
	for _, model := range []string{"", "qwen:14b", "llama3.1:8b", "gpt-4o-evil", "my-gpt-4o"} {
		if r, ok := tab.Lookup(model); ok {
			t.Errorf("%q should be unpriced, matched %q", model, r.Name)
		}
	}
}

func TestOverridesWinAndValidate(t *testing.T) {
	tab, err := New([]Price{{Name: "local qwen", Provider: "ollama", Match: `^qwen:14b$`, Input: 0, Output: 0},
		{Match: `^gpt-4o$`, Input: 1, Output: 2}})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := tab.Lookup("qwen:14b")
	if !ok || r.Name != "local qwen" || r.Source != "override" {
		t.Fatalf("override: %+v %v", r, ok)
	}
	if r, _ := tab.Lookup("gpt-4o"); r.Input != 1 || r.Name != "^gpt-4o$" {
		t.Fatalf("override must win over default: %+v", r)
	}
	if r, _ := tab.Lookup("gpt-4o-mini"); !strings.HasPrefix(r.Source, "default ") {
		t.Fatalf("defaults still apply: %+v", r)
	}
	_, err = New([]Price{{Match: "ok"}, {Match: "(unclosed"}})
	if err == nil || !strings.Contains(err.Error(), "prices.overrides[1].match") {
		t.Fatalf("want error naming overrides[1].match, got %v", err)
	}
	_, err = New([]Price{{Match: "x", Output: -1}})
	if err == nil || !strings.Contains(err.Error(), "prices.overrides[0].output: must not be negative") {
		t.Fatalf("got %v", err)
	}
}

func TestCost(t *testing.T) {
	p := Price{Input: 3, Output: 15, CacheRead: f(0.3), CacheWrite: f(3.75)}
	// 1000 input of which 600 cache reads and 100 cache writes; 200 output of
	// which 50 reasoning (charged at the output price by default).
	u := llmspan.Usage{Input: 1000, CacheRead: 600, CacheWrite: 100, Output: 200, Reasoning: 50}
	want := (300*3 + 600*0.3 + 100*3.75 + 150*15 + 50*15) / 1e6
	if got := p.Cost(u); math.Abs(got-want) > 1e-12 {
		t.Fatalf("cost %v, want %v", got, want)
	}
	// Inconsistent counts never go negative.
	if got := p.Cost(llmspan.Usage{Input: 10, CacheRead: 50}); got < 0 {
		t.Fatalf("negative cost %v", got)
	}
}

func BenchmarkLookupCached(b *testing.B) {
	tab, _ := New(nil)
	tab.Lookup("claude-3-5-sonnet-20241022")
	for b.Loop() {
		tab.Lookup("claude-3-5-sonnet-20241022")
	}
}
