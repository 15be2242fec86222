package alerting

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/llmops/terraform-provider-llmops/internal/llmmetrics"
)

// SLO presets: multiwindow, multi-burn-rate alerts on an error budget (the
// Google SRE workbook, "Alerting on SLOs"), from an objective over a window.
const (
	AvailabilitySLO = "availability_slo"
	LatencySLO      = "latency_slo"
)

// SLOAlert is the alert name of every burn-rate rule; labels slo and
// severity tell them apart.
const SLOAlert = "SLOErrorBudgetBurn"

// sloWindows are the workbook's error-ratio windows, each a recording rule.
var sloWindows = []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"}

// burnPair is one long/short window pair with the burn rate that trips it
// over a 30-day window; factors scale with the SLO window so that each pair
// still means the same share of the budget (14.4x over 1h of 30 days is 2 %).
type burnPair struct {
	long, short string
	factor      float64
	budget      string // share of the budget consumed at the threshold (any window: factors scale)
}

// The workbook's pairs: two pages, two tickets.
var (
	pagePairs   = []burnPair{{"1h", "5m", 14.4, "2 % in 1 hour"}, {"6h", "30m", 6, "5 % in 6 hours"}}
	ticketPairs = []burnPair{{"1d", "2h", 3, "10 % in 1 day"}, {"3d", "6h", 1, "10 % in 3 days"}}
)

// Defaults and bounds of the SLO presets.
const (
	DefaultAvailabilityObjective = 0.999
	DefaultLatencyObjective      = 0.95
	DefaultLatencyThreshold      = 5.0
	DefaultSLOWindow             = 30 * 24 * time.Hour
	minSLOWindow                 = 3 * 24 * time.Hour // the longest window pair
	maxSLOWindow                 = 365 * 24 * time.Hour
)

// IsSLO reports whether preset is an SLO preset.
func IsSLO(preset string) bool { return preset == AvailabilitySLO || preset == LatencySLO }

// slo is a resolved SLO declaration.
type slo struct {
	name      string // "availability" or "latency"
	objective float64
	window    time.Duration
	threshold float64 // latency: seconds
	by        string  // grouping labels
	record    string  // recording rule name prefix
}

// checkSLOSpec refuses the fields an SLO preset does not take and resolves
// its objective, window and threshold.
func checkSLOSpec(group string, s Spec) (slo, *FieldError) {
	o := slo{name: strings.TrimSuffix(s.Preset, "_slo"), window: DefaultSLOWindow, objective: DefaultAvailabilityObjective, by: "service"}
	for field, set := range map[string]bool{"expr": s.Expr != "", "operator": s.Operator != "", "for": s.For != nil,
		"severity": s.Severity != "", "variant": s.Variant != ""} {
		if set {
			return o, &FieldError{Field: field, Err: fmt.Errorf("an SLO preset sets %s itself (severity: critical pages, warning tickets)", field)}
		}
	}
	if s.Preset == LatencySLO {
		o.objective, o.threshold, o.by = DefaultLatencyObjective, DefaultLatencyThreshold, "service, model"
		if s.Threshold != nil {
			o.threshold = *s.Threshold
		}
		// The SLI is read from a bucket of the default boundaries.
		if !slices.Contains(llmmetrics.LatencyBuckets, o.threshold) {
			return o, &FieldError{Field: "threshold", Err: fmt.Errorf("%s s is not a boundary of llm_request_duration_seconds; the latency SLO counts calls "+
				"faster than a boundary: one of %s (seconds)", FormatFloat(o.threshold), boundaryList())}
		}
	} else if s.Threshold != nil {
		return o, &FieldError{Field: "threshold", Err: errors.New("availability_slo takes objective, not threshold (99.9 % is objective = 0.999)")}
	}
	if s.Objective != nil {
		o.objective = *s.Objective
	}
	if !(o.objective > 0 && o.objective < 1) {
		return o, &FieldError{Field: "objective", Err: fmt.Errorf("%s is not a share between 0 and 1 (exclusive): 99.9 %% is 0.999", FormatFloat(o.objective))}
	}
	if s.SLOWindow != nil {
		o.window = *s.SLOWindow
	}
	if o.window < minSLOWindow || o.window > maxSLOWindow {
		return o, &FieldError{Field: "slo_window", Err: fmt.Errorf("%s: must be from 3d (the longest alert window) to 365d, e.g. 28d or 30d",
			model.Duration(o.window))}
	}
	o.record = "llmops:" + group + ":slo_" + o.name
	return o, nil
}

func boundaryList() string {
	out := make([]string, len(llmmetrics.LatencyBuckets))
	for i, b := range llmmetrics.LatencyBuckets {
		out[i] = FormatFloat(b)
	}
	return strings.Join(out, ", ")
}

// errorRatio is the share of bad events over window w.
func (o slo) errorRatio(w string) string {
	if o.name == "latency" {
		le := FormatFloat(o.threshold)
		if o.threshold == math.Trunc(o.threshold) {
			// Prometheus 3 stores le="5.0", Prometheus 2 le="5".
			le += `(\\.0)?`
		}
		return fmt.Sprintf(`1 - (sum by (%s) (rate(llm_request_duration_seconds_bucket{le=~"%s"}[%s])) / sum by (%s) (rate(llm_request_duration_seconds_count[%s])))`,
			o.by, le, w, o.by, w)
	}
	return fmt.Sprintf(`(1 - (sum by (service) (rate(http_server_response_count_total{status_code!~"5.."}[%[1]s])) / sum by (service) (rate(http_server_response_count_total[%[1]s]))))`+
		` or (1 - (sum by (service) (rate(llm_requests_total{status="ok"}[%[1]s])) / sum by (service) (rate(llm_requests_total[%[1]s]))))`, w)
}

func (o slo) ratioRecord(w string) string { return o.record + ":error_ratio_rate" + w }

// records are the error ratio over each window, the budget left over the
// SLO window (from the 5m ratio, as Sloth and Pyrra do) and the 1 h burn
// rate.
func (o slo) records() []Record {
	var out []Record
	for _, w := range sloWindows {
		out = append(out, Record{Name: o.ratioRecord(w), Expr: o.errorRatio(w)})
	}
	budget := FormatFloat(1 - o.objective)
	out = append(out,
		Record{Name: o.record + ":error_budget_remaining",
			Expr: fmt.Sprintf("1 - avg_over_time(%s[%s]) / %s", o.ratioRecord("5m"), model.Duration(o.window), budget)},
		// For the dashboard: 1 spends the budget exactly over the window.
		Record{Name: o.record + ":burn_rate1h", Expr: fmt.Sprintf("%s / %s", o.ratioRecord("1h"), budget)})
	return out
}

// scale is the burn-rate factor for the SLO window: the workbook's factors
// are for 30 days.
func (o slo) scale(f float64) float64 {
	return math.Round(f*float64(o.window)/float64(DefaultSLOWindow)*1e6) / 1e6
}

// condition is the alert expression of pairs: the burn rate over the long
// window (its value) while both windows burn faster than the pair's factor.
// inline writes the ratios out (Grafana cannot read this group's records).
func (o slo) condition(pairs []burnPair, inline bool) string {
	ratio := o.ratioRecord
	if inline {
		ratio = func(w string) string { return "(" + o.errorRatio(w) + ")" }
	}
	budget := FormatFloat(1 - o.objective)
	var parts []string
	for _, p := range pairs {
		f := FormatFloat(o.scale(p.factor))
		parts = append(parts, fmt.Sprintf("(%s / %s > %s and %s / %s > %s)", ratio(p.long), budget, f, ratio(p.short), budget, f))
	}
	return strings.Join(parts, " or ")
}

// rules are the page (critical) and ticket (warning) alerts; sel are the
// spec's selector matchers, parsed once by resolveSLO.
func (o slo) rules(s Spec, sel []*labels.Matcher) ([]Rule, error) {
	var out []Rule
	for _, sev := range []struct {
		severity string
		pairs    []burnPair
	}{{"critical", pagePairs}, {"warning", ticketPairs}} {
		r := Rule{Alert: SLOAlert, Op: OpAbove, Threshold: 0, Value: o.condition(sev.pairs, false), UIDKey: SLOAlert + "/" + o.name + "/" + sev.severity,
			Title: fmt.Sprintf("%s %s %s", SLOAlert, o.name, sev.severity)}
		if s.Name != "" {
			r.Alert, r.UIDKey, r.Title = s.Name, s.Name+"/"+sev.severity, s.Name+" "+sev.severity
		}
		var err error
		if r.GrafanaValue, err = withSelector(o.condition(sev.pairs, true), sel); err != nil {
			return nil, err
		}
		r.Labels = map[string]string{"slo": o.name, "severity": sev.severity}
		for k, v := range s.Labels {
			if !labelName.MatchString(k) {
				return nil, fmt.Errorf("%q is not a valid label name", k)
			}
			if k == "slo" || k == "severity" {
				return nil, fmt.Errorf("labels.%s is set by the SLO preset", k)
			}
			r.Labels[k] = v
		}
		r.Annotations = o.annotations(sev.pairs)
		out = append(out, r)
	}
	return out, nil
}

func (o slo) annotations(pairs []burnPair) map[string]string {
	what := "availability of " + "{{ $labels.service }}"
	if o.name == "latency" {
		what = fmt.Sprintf("latency of {{ $labels.service }} / {{ $labels.model }} (calls faster than %s s)", FormatFloat(o.threshold))
	}
	var conds []string
	for _, p := range pairs {
		conds = append(conds, fmt.Sprintf("%sx over %s and %s (%s of the budget)", FormatFloat(o.scale(p.factor)), p.long, p.short, p.budget))
	}
	return map[string]string{
		"summary": fmt.Sprintf("The %s burns its error budget at {{ $value | printf \"%%.1f\" }}x the sustainable rate", what),
		"description": fmt.Sprintf("Objective %s %% over %s (error budget %s %%). Fires while the burn rate is at least %s; "+
			"at 1x the budget lasts exactly the window. The budget left is the recording rule %s.",
			FormatFloat(o.objective*100), model.Duration(o.window), FormatFloat(math.Round((1-o.objective)*1e6)/1e4),
			strings.Join(conds, ", or "), o.record+":error_budget_remaining"),
	}
}

// resolveSLO renders an SLO preset: its recording rules and two alerts.
func resolveSLO(group string, s Spec) ([]Rule, []Record, *FieldError) {
	o, ferr := checkSLOSpec(group, s)
	if ferr != nil {
		return nil, nil, ferr
	}
	if s.Name != "" && !alertName.MatchString(s.Name) {
		return nil, nil, &FieldError{Field: "name", Err: fmt.Errorf("%q is not a valid alert name ([a-zA-Z_][a-zA-Z0-9_]*)", s.Name)}
	}
	sel, err := parseSelector(s.Selector)
	if err != nil {
		return nil, nil, &FieldError{Field: "selector", Err: err}
	}
	recs := o.records()
	for i := range recs {
		if recs[i].Expr, err = withSelector(recs[i].Expr, sel); err != nil {
			return nil, nil, &FieldError{Field: "selector", Err: err}
		}
	}
	rules, err := o.rules(s, sel)
	if err != nil {
		return nil, nil, &FieldError{Field: "labels", Err: err}
	}
	for i := range rules {
		maps.Copy(rules[i].Annotations, s.Annotations)
		if err := ParseExpr(rules[i].Expr()); err != nil {
			return nil, nil, &FieldError{Field: "selector", Err: err}
		}
		if err := ParseExpr(rules[i].GrafanaQuery()); err != nil {
			return nil, nil, &FieldError{Field: "selector", Err: err}
		}
	}
	return rules, recs, nil
}
