package alerting

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// ThresholdsFromRules reads back, from a rules file this package rendered
// (an llmops_alert_rule_group's rules_yaml), the threshold of each preset
// alert it holds under the preset's own alert name, by preset: what a
// dashboard draws so that its red is the alerts' red. A rule renamed, or a
// preset declared twice with different thresholds, is left out (the
// dashboard keeps the default): no guess.
func ThresholdsFromRules(rulesYAML string) (map[string]float64, error) {
	groups, errs := rulefmt.Parse([]byte(rulesYAML), false, model.UTF8Validation, pql, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if len(errs) > 0 {
		return nil, fmt.Errorf("not a Prometheus rules file: %w", errs[0])
	}
	byAlert := map[string]string{}
	for name, p := range presets {
		byAlert[p.alert] = name
	}
	out, conflicting := map[string]float64{}, map[string]bool{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			preset, ok := byAlert[r.Alert]
			if !ok {
				continue
			}
			v, ok := comparedWith(r.Expr)
			if !ok {
				continue
			}
			if old, seen := out[preset]; seen && old != v {
				conflicting[preset] = true
			}
			out[preset] = v
		}
	}
	for p := range conflicting {
		delete(out, p)
	}
	return out, nil
}

// comparedWith is the number a rendered rule `(value) op threshold`
// compares with.
func comparedWith(expr string) (float64, bool) {
	e, err := pql.ParseExpr(expr)
	if err != nil {
		return 0, false
	}
	b, ok := e.(*parser.BinaryExpr)
	if !ok {
		return 0, false
	}
	n, ok := b.RHS.(*parser.NumberLiteral)
	if !ok {
		return 0, false
	}
	return n.Val, true
}
