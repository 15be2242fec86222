// Package alerting turns the seed's alert thresholds into rules: typed
// presets over llmops-exporter's (and Dify's, cAdvisor's, node exporter's)
// metrics, rendered twice from one declaration, as a Prometheus rules file
// and as a Grafana-managed rule group. It also renders contact points and
// notification routes as Alertmanager configuration and as Grafana objects.
//
// Every expression is parsed with Prometheus's own PromQL parser before it
// leaves this package, so a bad expression fails at plan time with the
// parser's message instead of at Prometheus reload time.
package alerting

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Operators a rule compares its value with.
const (
	OpAbove = ">"
	OpBelow = "<"
)

// Spec is one rule as a user declares it: a preset with overrides, or a raw
// value expression. Zero values mean "the preset's default".
type Spec struct {
	Preset    string // "" for a raw rule
	Name      string // alert name; default from the preset
	Expr      string // raw rules: the value expression
	Operator  string // raw rules: OpAbove (default) or OpBelow
	Threshold *float64
	For       *time.Duration
	Severity  string
	// Selector is PromQL label matchers (`service="dify", app!=""`) added to
	// every metric selector of the preset's expression.
	Selector    string
	Variant     string // memory: "cadvisor" (default) or "node_exporter"
	Labels      map[string]string
	Annotations map[string]string
	// Objective and SLOWindow are the SLO presets' target (0 < o < 1) and
	// the window its error budget spans (default 30d).
	Objective *float64
	SLOWindow *time.Duration
}

// Rule is a resolved alerting rule: everything both renderers need.
type Rule struct {
	Alert string
	// Value is the PromQL whose result is compared with Threshold; the
	// Prometheus expression is `(Value) Op Threshold`.
	Value string
	// GrafanaValue replaces Value in Grafana, whose managed rules cannot
	// read this group's recording rules (empty: same as Value).
	GrafanaValue string
	Op           string
	Threshold    float64
	For          time.Duration
	Labels       map[string]string
	Annotations  map[string]string
	// UIDKey names the rule for its Grafana uid when the alert name alone
	// is not unique (the SLO presets' page and ticket rules); Title is its
	// Grafana title then (Grafana wants titles unique in a folder).
	UIDKey, Title string
}

// key is what makes a rule unique in its group.
func (r Rule) key() string {
	if r.UIDKey != "" {
		return r.UIDKey
	}
	return r.Alert
}

// Expr is the Prometheus alerting expression.
func (r Rule) Expr() string {
	return "(" + r.Value + ") " + r.Op + " " + FormatFloat(r.Threshold)
}

// GrafanaQuery is the query Grafana evaluates before reduce and threshold.
func (r Rule) GrafanaQuery() string {
	if r.GrafanaValue != "" {
		return r.GrafanaValue
	}
	return r.Value
}

// Record is a recording rule a preset needs.
type Record struct {
	Name string
	Expr string
}

// Group is a resolved rule group.
type Group struct {
	Name     string
	Interval time.Duration
	Records  []Record
	Rules    []Rule
}

// FieldError names the field of a Spec that is wrong, so the provider can
// attach it to the attribute path.
type FieldError struct {
	Index int    // index of the rule in the group; -1 for the group
	Field string // e.g. "expr", "threshold", "selector"
	Err   error
}

func (e *FieldError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("%s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("rule[%d].%s: %v", e.Index, e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// FormatFloat writes a threshold the way PromQL and YAML both read back
// exactly (no exponent for ordinary numbers).
func FormatFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

var (
	alertName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)
