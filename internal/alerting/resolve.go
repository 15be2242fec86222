package alerting

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/llmops/terraform-provider-llmops/internal/suggest"
)

// pql parses every expression; Prometheus 3's defaults (UTF-8 names allowed,
// no experimental functions).
var pql = parser.NewParser(parser.Options{})

// ParseExpr parses a PromQL expression and returns the parser's message on
// failure. Each distinct expression is parsed once per process: Terraform
// calls validate, plan and apply on the same provider process, and each
// resolves the group again.
func ParseExpr(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return errors.New("empty PromQL expression")
	}
	return checked.do(expr, func() error {
		_, err := pql.ParseExpr(expr)
		return err
	})
}

// checked remembers which expressions parse (and the parser's message for
// those that do not), bounded: past its size it starts afresh.
var checked = &parseMemo{max: 4096}

type parseMemo struct {
	mu   sync.Mutex
	max  int
	errs map[string]error
}

func (m *parseMemo) do(expr string, parse func() error) error {
	m.mu.Lock()
	if err, ok := m.errs[expr]; ok {
		m.mu.Unlock()
		return err
	}
	m.mu.Unlock()
	err := parse()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.errs == nil || len(m.errs) >= m.max {
		m.errs = make(map[string]error)
	}
	m.errs[expr] = err
	return err
}

// Resolve turns declared specs into a group. Every problem is reported with
// the rule index and field it belongs to; nothing is dropped silently.
func Resolve(name string, interval time.Duration, specs []Spec) (Group, []*FieldError) {
	var errs []*FieldError
	if strings.TrimSpace(name) == "" || len(name) > 190 {
		errs = append(errs, &FieldError{Index: -1, Field: "name", Err: errors.New("must be 1 to 190 characters")})
	}
	if interval < 10*time.Second || interval%(10*time.Second) != 0 {
		errs = append(errs, &FieldError{Index: -1, Field: "interval", Err: fmt.Errorf("%s is not a multiple of 10s (Grafana evaluates rule groups every 10s at most)", interval)})
	}
	g := Group{Name: name, Interval: interval}
	seen := map[string]int{}
	for i, s := range specs {
		rules, recs, ferr := resolveSpec(sanitize(name), s)
		if ferr != nil {
			ferr.Index = i
			errs = append(errs, ferr)
			continue
		}
		if j, dup := seen[rules[0].key()]; dup {
			errs = append(errs, &FieldError{Index: i, Field: "name", Err: fmt.Errorf("alert %q is already rule[%d]; give one of them a name", rules[0].Alert, j)})
			continue
		}
		for _, r := range rules {
			seen[r.key()] = i
		}
		g.Records = appendRecords(g.Records, recs)
		g.Rules = append(g.Rules, rules...)
	}
	return g, errs
}

// resolveSpec resolves one declared rule: an SLO preset makes two alerts.
func resolveSpec(group string, s Spec) ([]Rule, []Record, *FieldError) {
	if IsSLO(s.Preset) {
		return resolveSLO(group, s)
	}
	if s.Objective != nil || s.SLOWindow != nil {
		field := "objective"
		if s.Objective == nil {
			field = "slo_window"
		}
		return nil, nil, &FieldError{Field: field, Err: fmt.Errorf("%s is for the SLO presets (%s, %s)", field, AvailabilitySLO, LatencySLO)}
	}
	r, recs, ferr := resolveOne(group, s)
	if ferr != nil {
		return nil, nil, ferr
	}
	return []Rule{r}, recs, nil
}

func appendRecords(have, add []Record) []Record {
	for _, r := range add {
		dup := false
		for _, h := range have {
			dup = dup || h.Name == r.Name
		}
		if !dup {
			have = append(have, r)
		}
	}
	return have
}

func resolveOne(group string, s Spec) (Rule, []Record, *FieldError) {
	var (
		r    Rule
		recs []Record
		p    preset
	)
	if s.Preset == "" {
		if s.Expr == "" {
			return r, nil, &FieldError{Field: "expr", Err: errors.New("a rule needs a preset or an expr")}
		}
		if s.Name == "" {
			return r, nil, &FieldError{Field: "name", Err: errors.New("a raw expr rule needs a name")}
		}
		p = preset{op: OpAbove, severity: "warning", value: func(string, string) string { return s.Expr }}
	} else {
		var ok bool
		if p, ok = presets[s.Preset]; !ok {
			return r, nil, &FieldError{Field: "preset", Err: errors.New(suggest.OneOf(s.Preset, AllPresets()))}
		}
		if s.Expr != "" {
			return r, nil, &FieldError{Field: "expr", Err: errors.New("expr is for raw rules; a preset rule takes selector, threshold and for")}
		}
	}
	if s.Variant != "" && !(s.Preset == Memory && (s.Variant == VariantCadvisor || s.Variant == VariantNodeExporter)) {
		return r, nil, &FieldError{Field: "variant", Err: fmt.Errorf("variant %q: only the memory preset has variants (%s, %s)", s.Variant, VariantCadvisor, VariantNodeExporter)}
	}
	r = Rule{Alert: p.alert, Op: p.op, Threshold: p.threshold, For: p.forDur}
	if s.Name != "" {
		r.Alert = s.Name
	}
	if !alertName.MatchString(r.Alert) {
		return r, nil, &FieldError{Field: "name", Err: fmt.Errorf("%q is not a valid alert name ([a-zA-Z_][a-zA-Z0-9_]*)", r.Alert)}
	}
	if s.Operator != "" {
		if s.Preset != "" {
			return r, nil, &FieldError{Field: "operator", Err: errors.New("operator is for raw rules; presets know their direction")}
		}
		if s.Operator != OpAbove && s.Operator != OpBelow {
			return r, nil, &FieldError{Field: "operator", Err: errors.New(suggest.OneOf(s.Operator, []string{OpAbove, OpBelow}))}
		}
		r.Op = s.Operator
	}
	if s.Threshold != nil {
		r.Threshold = *s.Threshold
		if err := thresholdSane(s.Preset, r.Threshold); err != nil {
			return r, nil, &FieldError{Field: "threshold", Err: err}
		}
	}
	if s.For != nil {
		if *s.For < 0 {
			return r, nil, &FieldError{Field: "for", Err: errors.New("must not be negative")}
		}
		r.For = *s.For
	}
	sel, err := parseSelector(cmp.Or(s.Selector, p.defaultSelector))
	if err != nil {
		return r, nil, &FieldError{Field: "selector", Err: err}
	}
	valueField := "selector"
	if s.Preset == "" {
		valueField = "expr"
	}
	if r.Value, err = withSelector(p.value(group, s.Variant), sel); err != nil {
		return r, nil, &FieldError{Field: valueField, Err: err}
	}
	if p.grafana != nil {
		if r.GrafanaValue, err = withSelector(p.grafana(s.Variant), sel); err != nil {
			return r, nil, &FieldError{Field: valueField, Err: err}
		}
	}
	if p.records != nil {
		for _, rec := range p.records(group) {
			if rec.Expr, err = withSelector(rec.Expr, sel); err != nil {
				return r, nil, &FieldError{Field: valueField, Err: err}
			}
			recs = append(recs, rec)
		}
	}
	if err := ParseExpr(r.Expr()); err != nil {
		return r, nil, &FieldError{Field: valueField, Err: err}
	}
	if r.Labels, err = ruleLabels(p, s); err != nil {
		return r, nil, &FieldError{Field: "labels", Err: err}
	}
	r.Annotations = map[string]string{}
	if p.summary != "" {
		r.Annotations["summary"], r.Annotations["description"] = p.summary, p.desc+" "+firesAt(s.Preset, r)
	}
	maps.Copy(r.Annotations, s.Annotations)
	return r, recs, nil
}

// firesAt states the condition as configured, in the preset's unit, so a
// notification says what was crossed, not the seed's default.
func firesAt(preset string, r Rule) string {
	t := FormatFloat(r.Threshold)
	switch preset {
	case P95Latency:
		t += " s"
	case Availability, Memory, ErrorRate:
		t = FormatFloat(math.Round(r.Threshold*1e8)/1e6) + " %" // 0.999 is 99.9, not 99.89999999999999
	case TokenRateAnomaly:
		t += " standard deviations"
	case QueueBacklog:
		t += " queued tasks"
	case CostBudget:
		t += " USD per day"
	}
	word := "above"
	if r.Op == OpBelow {
		word = "below"
	}
	return fmt.Sprintf("Fires %s %s for %s.", word, t, model.Duration(r.For))
}

func ruleLabels(p preset, s Spec) (map[string]string, error) {
	out := map[string]string{"severity": cmp.Or(s.Severity, p.severity)}
	for k, v := range s.Labels {
		if !labelName.MatchString(k) {
			return nil, fmt.Errorf("%q is not a valid label name", k)
		}
		if k == "severity" && s.Severity != "" && v != s.Severity {
			return nil, errors.New("severity is set twice (severity and labels.severity) with different values")
		}
		out[k] = v
	}
	return out, nil
}

func parseSelector(sel string) ([]*labels.Matcher, error) {
	if strings.TrimSpace(sel) == "" {
		return nil, nil
	}
	ms, err := pql.ParseMetricSelector("{" + sel + "}")
	if err != nil {
		return nil, fmt.Errorf("selector %q is not a PromQL label matcher list: %w", sel, err)
	}
	return ms, nil
}

// withSelector adds matchers to every vector selector of expr, so a preset
// written for all series can be narrowed to one service or app.
func withSelector(expr string, ms []*labels.Matcher) (string, error) {
	e, err := pql.ParseExpr(expr)
	if err != nil {
		return "", err
	}
	if len(ms) == 0 {
		return expr, nil
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			vs.LabelMatchers = append(vs.LabelMatchers, ms...)
		}
		return nil
	})
	return e.String(), nil
}

// thresholdSane refuses thresholds a preset can never or will always fire
// at: a ratio above 1 (99.9 written for 0.999 always fires below it), a
// negative latency or count.
func thresholdSane(preset string, t float64) error {
	switch preset {
	case Availability, Memory, ErrorRate, ExporterDown:
		if !(t > 0 && t <= 1) {
			return fmt.Errorf("%s is a share from 0 to 1 (99.9 %% is 0.999, 80 %% is 0.8); %s would never or always fire", FormatFloat(t), FormatFloat(t))
		}
	case P95Latency:
		if !(t > 0) {
			return fmt.Errorf("%s: a latency in seconds must be positive (the seed's KPI is 5)", FormatFloat(t))
		}
	case TokenRateAnomaly:
		if !(t > 0) {
			return fmt.Errorf("%s: a number of standard deviations must be positive (default 3)", FormatFloat(t))
		}
	case QueueBacklog, CostBudget, AuditFailures:
		if !(t > 0) {
			return fmt.Errorf("%s: must be positive (tasks, USD per day or failures per 5 minutes)", FormatFloat(t))
		}
	case DeliveryFailures:
		if t < 0 {
			return fmt.Errorf("%s: a number of spans cannot be negative (default 0: any loss)", FormatFloat(t))
		}
	}
	return nil
}
