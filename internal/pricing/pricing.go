// Package pricing turns token usage into USD. It holds an embedded default
// price table (USD per million tokens, matched by regular expression on the
// model name) that operators extend or override. A model that matches
// nothing is unpriced: callers count its tokens as unpriced, never as $0.
package pricing

import (
	_ "embed"
	"fmt"
	"regexp"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

//go:embed default_prices.yaml
var defaultYAML []byte

// Price is one model's price in USD per million tokens. Nil cache and
// reasoning prices fall back to the input and output prices.
type Price struct {
	Name       string   `yaml:"name" json:"name"`
	Provider   string   `yaml:"provider,omitempty" json:"provider,omitempty"`
	Match      string   `yaml:"match" json:"match"`
	Input      float64  `yaml:"input" json:"input"`
	Output     float64  `yaml:"output" json:"output"`
	CacheRead  *float64 `yaml:"cache_read,omitempty" json:"cache_read,omitempty"`
	CacheWrite *float64 `yaml:"cache_write,omitempty" json:"cache_write,omitempty"`
	Reasoning  *float64 `yaml:"reasoning,omitempty" json:"reasoning,omitempty"`
}

type defaultFile struct {
	Updated string  `yaml:"updated"`
	Models  []Price `yaml:"models"`
}

type entry struct {
	Price
	re     *regexp.Regexp
	source string
}

// Table resolves model names to prices. It is safe for concurrent use.
type Table struct {
	entries []entry
	cache   sync.Map // model name -> int index (-1: unpriced)
	cached  int64
	mu      sync.Mutex
}

// maxCached bounds the memo of model names, which come from untrusted spans.
const maxCached = 10000

// New builds a table: overrides first (first match wins), then the embedded
// defaults. An invalid override names its index and field.
func New(overrides []Price) (*Table, error) {
	t := &Table{}
	for i, p := range overrides {
		e, err := compile(p, "override")
		if err != nil {
			return nil, fmt.Errorf("prices.overrides[%d].%w", i, err)
		}
		t.entries = append(t.entries, e)
	}
	var def defaultFile
	if err := yaml.Unmarshal(defaultYAML, &def); err != nil {
		return nil, fmt.Errorf("embedded price table: %w", err)
	}
	for i, p := range def.Models {
		e, err := compile(p, "default "+def.Updated)
		if err != nil {
			return nil, fmt.Errorf("embedded price table, models[%d].%w", i, err)
		}
		t.entries = append(t.entries, e)
	}
	return t, nil
}

func compile(p Price, source string) (entry, error) {
	if p.Match == "" {
		return entry{}, fmt.Errorf("match: is required")
	}
	re, err := regexp.Compile("(?i)" + p.Match)
	if err != nil {
		return entry{}, fmt.Errorf("match: invalid regular expression: %v", err)
	}
	for name, v := range map[string]*float64{"input": &p.Input, "output": &p.Output, "cache_read": p.CacheRead, "cache_write": p.CacheWrite, "reasoning": p.Reasoning} {
		if v != nil && *v < 0 {
			return entry{}, fmt.Errorf("%s: must not be negative", name)
		}
	}
	if p.Name == "" {
		p.Name = p.Match
	}
	return entry{Price: p, re: re, source: source}, nil
}

// Resolved is the outcome of a lookup.
type Resolved struct {
	Price
	// Source is "override" or "default <date>".
	Source string
}

// Lookup returns the price of model, or false when it is unpriced.
func (t *Table) Lookup(model string) (Resolved, bool) {
	if model == "" {
		return Resolved{}, false
	}
	if v, ok := t.cache.Load(model); ok {
		return t.resolved(v.(int))
	}
	idx := -1
	for i := range t.entries {
		if t.entries[i].re.MatchString(model) {
			idx = i
			break
		}
	}
	t.mu.Lock()
	if t.cached < maxCached {
		t.cached++
		t.cache.Store(model, idx)
	}
	t.mu.Unlock()
	return t.resolved(idx)
}

func (t *Table) resolved(idx int) (Resolved, bool) {
	if idx < 0 {
		return Resolved{}, false
	}
	e := t.entries[idx]
	return Resolved{Price: e.Price, Source: e.source}, true
}

// Cost is the USD cost of u at p. Following the GenAI conventions, input
// tokens include cache reads and writes and output tokens include reasoning
// tokens; each part is charged at its own price.
func (p Price) Cost(u llmspan.Usage) float64 {
	plainIn := max(u.Input-u.CacheRead-u.CacheWrite, 0)
	plainOut := max(u.Output-u.Reasoning, 0)
	usd := float64(plainIn)*p.Input +
		float64(u.CacheRead)*orDefault(p.CacheRead, p.Input) +
		float64(u.CacheWrite)*orDefault(p.CacheWrite, p.Input) +
		float64(plainOut)*p.Output +
		float64(u.Reasoning)*orDefault(p.Reasoning, p.Output)
	return usd / 1e6
}

func orDefault(v *float64, def float64) float64 {
	if v == nil {
		return def
	}
	return *v
}
