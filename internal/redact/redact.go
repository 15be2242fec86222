// Package redact removes personal data and secrets from spans before they are
// queued, so that nothing unredacted ever reaches the disk or a platform.
// Rules are regular expressions over string values (with built-in presets)
// and attribute-key rules that replace a whole value. DropContent removes the
// prompt and completion content entirely and keeps what metrics need.
package redact

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/spans"
)

// Rule is one configured redaction rule: a pattern over values, or key
// patterns whose values are replaced whole.
type Rule struct {
	Name        string   `yaml:"name"`
	Pattern     string   `yaml:"pattern,omitempty"`
	Keys        []string `yaml:"keys,omitempty"`
	Replacement string   `yaml:"replacement,omitempty"`
}

// Config is the redaction section of the exporter configuration.
type Config struct {
	Presets []string `yaml:"presets,omitempty"`
	Rules   []Rule   `yaml:"rules,omitempty"`
}

type valueRule struct {
	name  string
	re    *regexp.Regexp
	repl  string
	check func(string) bool // extra validation of a match (Luhn for cards)
}

// Redactor applies a Config. Its zero value (and nil) redacts nothing.
type Redactor struct {
	values []valueRule
	keys   []*regexp.Regexp
	keyRep []string
	// hashKeys are attributes replaced by a hash of their value: the same
	// user stays recognisable across spans without being named.
	hashKeys map[string]bool
}

// hashPresets are presets that pseudonymise attributes by key. A SHA-256
// prefix is pseudonymisation, not anonymisation: a small id space can be
// enumerated.
var hashPresets = map[string][]string{"audit_user_id": {"audit.user_id"}}

// Hash is what a hashed value becomes.
func Hash(v string) string {
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// presets are the built-in value rules.
var presets = map[string]valueRule{
	"email": {re: regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`), repl: "[EMAIL]"},
	// International numbers with separators, and Chinese mobile numbers.
	"phone": {re: regexp.MustCompile(`\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}\b|\(\d{3}\)\s?\d{3}-\d{4}\b|\b\d{3}-\d{3}-\d{4}\b|\b1[3-9]\d{9}\b`), repl: "[PHONE]"},
	"api_key": {re: regexp.MustCompile(`\b(?:sk|pk|rk)-(?:lf-|proj-|ant-)?[A-Za-z0-9_-]{16,}|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}|\blsv2_[A-Za-z0-9_]{20,}|(?i:bearer)\s+[A-Za-z0-9._~+/-]{16,}=*`),
		repl: "[API_KEY]"},
	"credit_card": {re: regexp.MustCompile(`\b(?:\d[ -]?){12,18}\d\b`), repl: "[CARD]", check: luhn},
	// US SSNs and Chinese resident identity numbers.
	"national_id": {re: regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b|\b\d{17}[\dXx]\b`), repl: "[ID]"},
}

// Presets lists the preset names.
func Presets() []string {
	return []string{"email", "phone", "api_key", "credit_card", "national_id", "audit_user_id"}
}

// New compiles c; errors name the preset or rule at fault.
func New(c Config) (*Redactor, error) {
	r := &Redactor{}
	for i, name := range c.Presets {
		if keys, ok := hashPresets[name]; ok {
			if r.hashKeys == nil {
				r.hashKeys = map[string]bool{}
			}
			for _, k := range keys {
				r.hashKeys[k] = true
			}
			continue
		}
		p, ok := presets[name]
		if !ok {
			return nil, fmt.Errorf("redaction.presets[%d]: unknown preset %q (have %s)", i, name, strings.Join(Presets(), ", "))
		}
		p.name = name
		r.values = append(r.values, p)
	}
	for i, rule := range c.Rules {
		where := fmt.Sprintf("redaction.rules[%d]", i)
		if (rule.Pattern == "") == (len(rule.Keys) == 0) {
			return nil, fmt.Errorf("%s: set exactly one of pattern and keys", where)
		}
		repl := rule.Replacement
		if repl == "" {
			repl = "[REDACTED]"
		}
		if rule.Pattern != "" {
			re, err := regexp.Compile(rule.Pattern)
			if err != nil {
				return nil, fmt.Errorf("%s.pattern: %v", where, err)
			}
			r.values = append(r.values, valueRule{name: rule.Name, re: re, repl: repl})
			continue
		}
		for j, k := range rule.Keys {
			re, err := regexp.Compile("^(?:" + globToRegexp(k) + ")$")
			if err != nil {
				return nil, fmt.Errorf("%s.keys[%d]: %v", where, j, err)
			}
			r.keys = append(r.keys, re)
			r.keyRep = append(r.keyRep, repl)
		}
	}
	return r, nil
}

// globToRegexp turns "user.*" style key patterns into a regexp.
func globToRegexp(g string) string {
	return strings.ReplaceAll(regexp.QuoteMeta(g), `\*`, `.*`)
}

// Enabled reports whether r changes anything.
func (r *Redactor) Enabled() bool {
	return r != nil && (len(r.values) > 0 || len(r.keys) > 0 || len(r.hashKeys) > 0)
}

// Traces redacts every string attribute of td in place: resource, span and
// event attributes, plus span names and status messages.
func (r *Redactor) Traces(td ptrace.Traces) {
	if !r.Enabled() {
		return
	}
	spans.EachResource(td, func(res pcommon.Resource) func(ptrace.Span) {
		r.attrs(res.Attributes())
		return func(s ptrace.Span) {
			r.attrs(s.Attributes())
			s.SetName(r.String(s.Name()))
			s.Status().SetMessage(r.String(s.Status().Message()))
			for e := 0; e < s.Events().Len(); e++ {
				r.attrs(s.Events().At(e).Attributes())
			}
		}
	})
}

func (r *Redactor) attrs(m pcommon.Map) {
	m.Range(func(k string, v pcommon.Value) bool {
		if r.hashKeys[k] {
			if s := v.AsString(); !strings.HasPrefix(s, "sha256:") { // hashing twice would split one user in two
				v.SetStr(Hash(s))
			}
			return true
		}
		for i, re := range r.keys {
			if re.MatchString(k) {
				v.SetStr(r.keyRep[i])
				return true
			}
		}
		r.value(v)
		return true
	})
}

func (r *Redactor) value(v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if s := v.Str(); s != "" {
			if out := r.String(s); out != s {
				v.SetStr(out)
			}
		}
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		for i := 0; i < sl.Len(); i++ {
			r.value(sl.At(i))
		}
	case pcommon.ValueTypeMap:
		r.attrs(v.Map())
	}
}

// String applies the value rules to s.
func (r *Redactor) String(s string) string {
	for _, vr := range r.values {
		if vr.check == nil {
			s = vr.re.ReplaceAllLiteralString(s, vr.repl)
			continue
		}
		s = vr.re.ReplaceAllStringFunc(s, func(m string) string {
			if vr.check(m) {
				return vr.repl
			}
			return m
		})
	}
	return s
}

// luhn validates a card number candidate, so order IDs and timestamps that
// merely look long are left alone.
func luhn(s string) bool {
	sum, n, double := 0, 0, false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
		n++
	}
	return n >= 13 && sum%10 == 0
}
