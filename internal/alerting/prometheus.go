package alerting

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"go.yaml.in/yaml/v3"
)

// RulesYAML renders groups as one Prometheus rules file and checks it with
// Prometheus's own loader, so what plan shows is what Prometheus accepts.
func RulesYAML(groups ...Group) ([]byte, error) {
	var file rulefmt.RuleGroups
	for _, g := range groups {
		file.Groups = append(file.Groups, promGroup(g))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(file); err != nil {
		return nil, fmt.Errorf("encode rules file: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode rules file: %w", err)
	}
	if err := CheckRulesYAML(buf.Bytes()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CheckRulesYAML validates a rules file the way Prometheus loads it.
func CheckRulesYAML(b []byte) error {
	_, errs := rulefmt.Parse(b, false, model.UTF8Validation, pql, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if len(errs) > 0 {
		return fmt.Errorf("rules file rejected by Prometheus's loader: %w", errors.Join(errs...))
	}
	return nil
}

func promGroup(g Group) rulefmt.RuleGroup {
	out := rulefmt.RuleGroup{Name: g.Name, Interval: model.Duration(g.Interval)}
	for _, r := range g.Records {
		out.Rules = append(out.Rules, rulefmt.Rule{Record: r.Name, Expr: r.Expr})
	}
	for _, r := range g.Rules {
		out.Rules = append(out.Rules, rulefmt.Rule{
			Alert: r.Alert, Expr: r.Expr(), For: model.Duration(r.For),
			Labels: r.Labels, Annotations: r.Annotations,
		})
	}
	return out
}
