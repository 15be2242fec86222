package alerting

import (
	"strings"
	"testing"
	"time"
)

func TestResolveErrorsNameTheField(t *testing.T) {
	cases := []struct {
		spec        Spec
		field, want string
	}{
		{Spec{Name: "X", Expr: "sum(rate(x[5m]"}, "expr", "unclosed left parenthesis"},
		{Spec{Preset: "p99"}, "preset", `"p99" is not one of`},
		{Spec{Preset: P95Latency, Selector: `service=dify`}, "selector", "not a PromQL label matcher list"},
		{Spec{Preset: P95Latency, Expr: "up"}, "expr", "expr is for raw rules"},
		{Spec{Expr: "up"}, "name", "needs a name"},
		{Spec{Preset: P95Latency, Name: "bad-name"}, "name", "not a valid alert name"},
		{Spec{Preset: ErrorRate, Variant: VariantNodeExporter}, "variant", "only the memory preset"},
		{Spec{Preset: ErrorRate, Operator: "<"}, "operator", "presets know their direction"},
		{Spec{Name: "X", Expr: "up", Operator: ">="}, "operator", `">=" is not one of ">", "<"`},
		{Spec{Preset: ErrorRate, Labels: map[string]string{"a-b": "x"}}, "labels", "not a valid label name"},
		{Spec{Preset: ErrorRate, Severity: "page", Labels: map[string]string{"severity": "info"}}, "labels", "set twice"},
	}
	for _, c := range cases {
		_, errs := Resolve("g", time.Minute, []Spec{{Preset: QueueBacklog}, c.spec})
		if len(errs) != 1 || errs[0].Index != 1 || errs[0].Field != c.field || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%+v: got %v, want rule[1].%s containing %q", c.spec, errs, c.field, c.want)
		}
	}
}

func TestResolveGroupChecks(t *testing.T) {
	_, errs := Resolve("", 15*time.Second, []Spec{{Preset: ErrorRate}, {Preset: ErrorRate}})
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Error())
	}
	got := strings.Join(fields, "\n")
	for _, want := range []string{"name: must be 1 to 190", "interval: 15s is not a multiple of 10s", `rule[1].name: alert "LLMErrorRateHigh" is already rule[0]`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestSelectorNarrowsEveryMetric(t *testing.T) {
	g, errs := Resolve("g", time.Minute, []Spec{{Preset: Availability, Selector: `service="dify-api"`}, {Preset: TokenRateAnomaly, Selector: `app="a1"`}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if n := strings.Count(g.Rules[0].Expr(), `service="dify-api"`); n != 4 {
		t.Errorf("availability: selector on %d of 4 selectors: %s", n, g.Rules[0].Expr())
	}
	if !strings.Contains(g.Records[0].Expr, `llm_tokens_total{app="a1"}`) || !strings.Contains(g.Rules[1].GrafanaQuery(), `llm_tokens_total{app="a1"}`) {
		t.Errorf("anomaly selector missing: %s / %s", g.Records[0].Expr, g.Rules[1].GrafanaQuery())
	}
	if g.Rules[1].Labels["severity"] != "warning" || g.Rules[0].Labels["severity"] != "critical" {
		t.Errorf("severities: %v %v", g.Rules[0].Labels, g.Rules[1].Labels)
	}
}

func TestExporterDownDefaultSelectorIsReplaced(t *testing.T) {
	g, _ := Resolve("g", time.Minute, []Spec{{Preset: ExporterDown}, {Preset: ExporterDown, Name: "Mine", Selector: `job="x"`}})
	if !strings.Contains(g.Rules[0].Value, `job=~".*llmops.*"`) || strings.Contains(g.Rules[1].Value, "llmops") || !strings.Contains(g.Rules[1].Value, `job="x"`) {
		t.Errorf("%s / %s", g.Rules[0].Value, g.Rules[1].Value)
	}
}

func TestGrafanaGroupShape(t *testing.T) {
	g, _ := Resolve("g", time.Minute, []Spec{{Preset: Availability}})
	gg := GrafanaGroup(g, "f", "prom")
	r := gg.Rules[0]
	if gg.Interval != 60 || *r.Condition != "C" || len(r.Data) != 3 || r.Data[0].DatasourceUID != "prom" || r.Data[2].DatasourceUID != ExprDatasource {
		t.Fatalf("%+v", r)
	}
	cond := r.Data[2].Model.(map[string]any)["conditions"].([]any)[0].(map[string]any)["evaluator"].(map[string]any)
	if cond["type"] != "lt" || cond["params"].([]any)[0] != 0.999 {
		t.Errorf("threshold: %v", cond)
	}
	if r.UID != RuleUID("f", "g", "LLMAvailabilityLow") || len(r.UID) > 40 {
		t.Errorf("uid %q", r.UID)
	}
}

// A dashboard reads the thresholds back from the rules file: the user's
// where given, the default elsewhere; renamed or conflicting rules are
// left out.
func TestThresholdsFromRules(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	g, errs := Resolve("g", time.Minute, []Spec{{Preset: P95Latency, Threshold: v(8)}, {Preset: Memory}, {Preset: ErrorRate, Name: "Renamed", Threshold: v(0.2)},
		{Preset: CostBudget, Threshold: v(10), Selector: `service="a"`}, {Preset: CostBudget, Name: "LLMCostBudgetExceeded2", Threshold: v(20)}, {Preset: AvailabilitySLO}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	y, err := RulesYAML(g)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ThresholdsFromRules(string(y))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{P95Latency: 8, Memory: 0.8, CostBudget: 10}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
	if _, err := ThresholdsFromRules("not: [rules"); err == nil {
		t.Error("garbage accepted")
	}
}

// Thresholds a preset never or always fires at are refused on the rule's
// threshold, with the unit.
func TestThresholdSanity(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{Preset: Availability, Threshold: v(99.9)}, "99.9 % is 0.999"},
		{Spec{Preset: Memory, Threshold: v(80)}, "80 % is 0.8"},
		{Spec{Preset: ErrorRate, Threshold: v(0)}, "share from 0 to 1"},
		{Spec{Preset: P95Latency, Threshold: v(-5)}, "must be positive"},
		{Spec{Preset: TokenRateAnomaly, Threshold: v(0)}, "standard deviations"},
		{Spec{Preset: QueueBacklog, Threshold: v(-1)}, "must be positive"},
		{Spec{Preset: DeliveryFailures, Threshold: v(-1)}, "cannot be negative"},
	} {
		_, errs := Resolve("g", time.Minute, []Spec{c.spec})
		if len(errs) != 1 || errs[0].Field != "threshold" || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%s %v: %v, want one threshold error saying %q", c.spec.Preset, *c.spec.Threshold, errs, c.want)
		}
	}
	for _, ok := range []Spec{{Preset: Availability, Threshold: v(0.99)}, {Preset: Memory, Threshold: v(1)}, {Preset: DeliveryFailures, Threshold: v(0)}} {
		if _, errs := Resolve("g", time.Minute, []Spec{ok}); len(errs) > 0 {
			t.Errorf("%s %v refused: %v", ok.Preset, *ok.Threshold, errs)
		}
	}
}

// A notification states the threshold configured, in the preset's unit.
func TestDescriptionStatesConfiguredThreshold(t *testing.T) {
	three, share, four := 3.0, 0.995, 4.0
	ten := 10 * time.Minute
	g, errs := Resolve("g", time.Minute, []Spec{{Preset: P95Latency, Threshold: &three, For: &ten}, {Preset: Availability, Threshold: &share},
		{Preset: TokenRateAnomaly, Threshold: &four}, {Preset: Availability, Name: "Default"}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for i, want := range []string{"Fires above 3 s for 10m.", "Fires below 99.5 % for 5m.", "Fires above 4 standard deviations", "Fires below 99.9 % for 5m."} {
		if d := g.Rules[i].Annotations["description"]; !strings.HasSuffix(strings.TrimSpace(d), want) && !strings.Contains(d, want) {
			t.Errorf("rule %d description %q does not say %q", i, d, want)
		}
	}
}
