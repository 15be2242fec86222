package alerting

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Route is one notification policy: alerts whose labels match go to
// Receiver. A route is identified by its matchers.
type Route struct {
	Receiver       string
	Matchers       []Matcher
	GroupBy        []string
	GroupWait      time.Duration // 0: inherit
	GroupInterval  time.Duration
	RepeatInterval time.Duration
	Continue       bool
}

// Matcher is one label matcher.
type Matcher struct{ Label, Op, Value string }

func (m Matcher) String() string { return fmt.Sprintf("%s%s%q", m.Label, m.Op, m.Value) }

// ParseMatchers parses PromQL-style matchers (`severity="critical"`,
// `service=~"dify.*"`), one per string, sorted so that the same set always
// identifies the same route.
func ParseMatchers(in []string) ([]Matcher, error) {
	if len(in) == 0 {
		return nil, ErrNoMatchers
	}
	var out []Matcher
	for i, s := range in {
		ms, err := pql.ParseMetricSelector("{" + s + "}")
		if err != nil || len(ms) != 1 {
			return nil, &FieldError{Index: i, Field: "matchers", Err: fmt.Errorf("%q is not one label matcher like label=\"value\", severity=~\"critical|warning\"", s)}
		}
		out = append(out, Matcher{Label: ms[0].Name, Op: ms[0].Type.String(), Value: ms[0].Value})
	}
	slices.SortFunc(out, func(a, b Matcher) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

// MatchersFromObject reads Grafana's object_matchers ([[label, op, value],
// ...]), sorted as ParseMatchers sorts them; malformed entries are skipped.
func MatchersFromObject(om any) []Matcher {
	list, _ := om.([]any)
	var out []Matcher
	for _, m := range list {
		if t, ok := m.([]any); ok && len(t) == 3 {
			out = append(out, Matcher{Label: fmt.Sprint(t[0]), Op: fmt.Sprint(t[1]), Value: fmt.Sprint(t[2])})
		}
	}
	slices.SortFunc(out, func(a, b Matcher) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// Key identifies a route by its matchers.
func (r Route) Key() string {
	var s []string
	for _, m := range r.Matchers {
		s = append(s, m.String())
	}
	return strings.Join(s, ",")
}

// AlertmanagerRoute renders the route as an Alertmanager `route.routes`
// fragment (a one-element list) to place under the root route.
func (r Route) AlertmanagerRoute() ([]byte, error) {
	out := map[string]any{"receiver": r.Receiver}
	var ms []string
	for _, m := range r.Matchers {
		ms = append(ms, m.String())
	}
	out["matchers"] = ms
	if len(r.GroupBy) > 0 {
		out["group_by"] = r.GroupBy
	}
	for k, d := range map[string]time.Duration{"group_wait": r.GroupWait, "group_interval": r.GroupInterval, "repeat_interval": r.RepeatInterval} {
		if d > 0 {
			out[k] = model.Duration(d).String()
		}
	}
	if r.Continue {
		out["continue"] = true
	}
	return marshalYAML(map[string]any{"routes": []any{out}})
}

// GrafanaRoute renders the route as a node of Grafana's policy tree, with
// object_matchers (Grafana's wire format; the string form is not decoded by
// every client).
func (r Route) GrafanaRoute() map[string]any {
	out := map[string]any{"receiver": r.Receiver}
	var om []any
	for _, m := range r.Matchers {
		om = append(om, []any{m.Label, m.Op, m.Value})
	}
	out["object_matchers"] = om
	if len(r.GroupBy) > 0 {
		gb := make([]any, len(r.GroupBy))
		for i, g := range r.GroupBy {
			gb[i] = g
		}
		out["group_by"] = gb
	}
	for k, d := range map[string]time.Duration{"group_wait": r.GroupWait, "group_interval": r.GroupInterval, "repeat_interval": r.RepeatInterval} {
		if d > 0 {
			out[k] = model.Duration(d).String()
		}
	}
	if r.Continue {
		out["continue"] = true
	}
	return out
}
