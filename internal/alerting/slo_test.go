package alerting

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/rules"
)

// counter is a counter's samples, one a minute, from per-minute increments
// given as runs: {minutes, increment}.
func counter(runs ...[2]int) string {
	var parts []string
	v := 0
	first := true
	for _, r := range runs {
		n, inc := r[0], r[1]
		if first {
			parts = append(parts, fmt.Sprintf("%d+%dx%d", v, inc, n-1))
			v += inc * (n - 1)
			first = false
			continue
		}
		v += inc
		parts = append(parts, fmt.Sprintf("%d+%dx%d", v, inc, n-1))
		v += inc * (n - 1)
	}
	return strings.Join(parts, " ")
}

// sloCase is one scenario: series (one sample a minute) and, per minute,
// which severities may and must fire.
type sloCase struct {
	spec        Spec
	series      map[string]string
	from, end   int      // minutes evaluated (records need no history)
	never       []string // severities that must never fire from `from` to `end`
	firingAtEnd []string // severities firing at `end`
	within      int      // "critical" must be firing by this minute (0: no such check)
}

func sloCases() map[string]sloCase {
	avail := Spec{Preset: AvailabilitySLO}
	return map[string]sloCase{
		// 2 % errors at 100 requests/s (a budget of 0.1 %): pages within the hour.
		"fast burn pages within the hour": {spec: avail, from: 100, end: 180, within: 180, firingAtEnd: []string{"critical", "warning"},
			series: map[string]string{
				`http_server_response_count_total{service="dify-api",status_code="200"}`: counter([2]int{121, 6000}, [2]int{60, 5880}),
				`http_server_response_count_total{service="dify-api",status_code="500"}`: counter([2]int{121, 0}, [2]int{60, 120}),
			}},
		// 0.5 % errors for a day (the 30-day budget gone in 6 days): a
		// ticket, never a page.
		"slow burn opens a ticket and never pages": {spec: avail, from: 0, end: 1500, never: []string{"critical"}, firingAtEnd: []string{"warning"},
			series: map[string]string{
				`http_server_response_count_total{service="dify-api",status_code="200"}`: counter([2]int{61, 1000}, [2]int{1440, 995}),
				`http_server_response_count_total{service="dify-api",status_code="500"}`: counter([2]int{61, 0}, [2]int{1440, 5}),
			}},
		// A day of clean traffic, then 2 failed requests of 200 in 10
		// minutes: nothing fires.
		"a blip fires nothing": {spec: avail, from: 1400, end: 1500, never: []string{"critical", "warning"},
			series: map[string]string{
				`http_server_response_count_total{service="dify-api",status_code="200"}`: counter([2]int{1443, 20}, [2]int{5, 19}, [2]int{53, 20}),
				`http_server_response_count_total{service="dify-api",status_code="500"}`: counter([2]int{1443, 0}, [2]int{1, 1}, [2]int{4, 0}, [2]int{1, 1}, [2]int{52, 0}),
			}},
		// 80 % of model calls slower than 5 s (objective 95 % faster):
		// pages.
		"latency slo pages when 80 % are slow": {spec: Spec{Preset: LatencySLO}, from: 50, end: 130, within: 130, firingAtEnd: []string{"critical", "warning"},
			series: map[string]string{
				`llm_request_duration_seconds_bucket{service="bot",model="gpt-4o",le="5"}`: counter([2]int{61, 59}, [2]int{70, 12}),
				`llm_request_duration_seconds_count{service="bot",model="gpt-4o"}`:         counter([2]int{61, 60}, [2]int{70, 60}),
			}},
	}
}

func (c sloCase) load() string {
	keys := make([]string, 0, len(c.series))
	for k := range c.series {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s %s\n", k, c.series[k])
	}
	return b.String()
}

// sloEvaluate runs the group's rules with Prometheus's own rules engine
// once a minute from `from` to `end` and returns the firing severities per
// minute, and the alerts firing at the end.
func sloEvaluate(t *testing.T, g Group, c sloCase) (map[int][]string, []*rules.Alert) {
	t.Helper()
	grp := loadGroup(t, g, c.load())
	out := map[int][]string{}
	var firing []*rules.Alert
	for m := c.from; m <= c.end; m++ {
		grp.Eval(context.Background(), time.Unix(0, 0).Add(time.Duration(m)*time.Minute))
		for _, ar := range grp.AlertingRules() {
			for _, a := range ar.ActiveAlerts() {
				if a.State != rules.StateFiring {
					continue
				}
				out[m] = append(out[m], a.Labels.Get("severity"))
				if m == c.end {
					firing = append(firing, a)
				}
			}
		}
	}
	return out, firing
}

// TestSLOBurnRateScenarios: the workbook's promises, through Prometheus's
// rules engine in-process.
func TestSLOBurnRateScenarios(t *testing.T) {
	for name, c := range sloCases() {
		t.Run(name, func(t *testing.T) {
			g, errs := Resolve("llm slo", time.Minute, []Spec{c.spec})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			states, _ := sloEvaluate(t, g, c)
			firstCritical := -1
			for m := c.from; m <= c.end; m++ {
				for _, sev := range states[m] {
					if slices.Contains(c.never, sev) {
						t.Fatalf("minute %d: %s fired (%v)", m, sev, states[m])
					}
					if sev == "critical" && firstCritical < 0 {
						firstCritical = m
					}
				}
			}
			got := slices.Sorted(slices.Values(slices.Compact(slices.Sorted(slices.Values(states[c.end])))))
			if !slices.Equal(got, c.firingAtEnd) && !(len(got) == 0 && len(c.firingAtEnd) == 0) {
				t.Fatalf("minute %d: firing %v, want %v", c.end, got, c.firingAtEnd)
			}
			if c.within > 0 && (firstCritical < 0 || firstCritical > c.within) {
				t.Fatalf("paged at minute %d, want by minute %d", firstCritical, c.within)
			}
		})
	}
}

// TestSLOPromtool: `promtool check rules` and `promtool test rules` over the
// same scenarios, expecting the alerts (labels and annotations) the
// in-process engine fired at the end and none where none may fire.
func TestSLOPromtool(t *testing.T) {
	bin := promtool(t)
	for name, c := range sloCases() {
		t.Run(name, func(t *testing.T) {
			g, errs := Resolve("llm slo", time.Minute, []Spec{c.spec})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			_, firing := sloEvaluate(t, g, c)
			dir := t.TempDir()
			b, _ := RulesYAML(g)
			writeFile(t, filepath.Join(dir, "rules.yml"), b)
			if out, err := exec.Command(bin, "check", "rules", filepath.Join(dir, "rules.yml")).CombinedOutput(); err != nil {
				t.Fatalf("promtool check rules: %v\n%s", err, out)
			}
			writeFile(t, filepath.Join(dir, "test.yml"), sloPromtoolTest(t, c, firing))
			if out, err := exec.Command(bin, "test", "rules", filepath.Join(dir, "test.yml")).CombinedOutput(); err != nil {
				t.Fatalf("promtool test rules: %v\n%s", err, out)
			}
		})
	}
}

func sloPromtoolTest(t *testing.T, c sloCase, firing []*rules.Alert) []byte {
	t.Helper()
	var in []promSeries
	for k, v := range c.series {
		in = append(in, promSeries{Series: k, Values: v})
	}
	tests := []alertTest{{EvalTime: fmt.Sprintf("%dm", c.end), Alertname: SLOAlert, Exp: expected(firing)}}
	if len(c.never) == 2 { // nothing may fire: checked at a few minutes
		for _, m := range []int{c.from, (c.from + c.end) / 2} {
			tests = append(tests, alertTest{EvalTime: fmt.Sprintf("%dm", m), Alertname: SLOAlert})
		}
	}
	return promtoolFile(t, in, tests)
}

// Validation names the field and says what to write instead.
func TestSLOValidation(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	d := func(v time.Duration) *time.Duration { return &v }
	cases := []struct {
		spec        Spec
		field, want string
	}{
		{Spec{Preset: AvailabilitySLO, Objective: f(99.9)}, "objective", "99.9 % is 0.999"},
		{Spec{Preset: AvailabilitySLO, Objective: f(1)}, "objective", "between 0 and 1"},
		{Spec{Preset: AvailabilitySLO, SLOWindow: d(24 * time.Hour)}, "slo_window", "from 3d"},
		{Spec{Preset: LatencySLO, Threshold: f(4.2)}, "threshold", "one of 0.01, 0.025"},
		{Spec{Preset: AvailabilitySLO, Threshold: f(0.999)}, "threshold", "takes objective"},
		{Spec{Preset: AvailabilitySLO, Severity: "critical"}, "severity", "critical pages, warning tickets"},
		{Spec{Preset: AvailabilitySLO, Labels: map[string]string{"slo": "x"}}, "labels", "set by the SLO preset"},
		{Spec{Preset: ErrorRate, Objective: f(0.9)}, "objective", "for the SLO presets"},
	}
	for _, c := range cases {
		_, errs := Resolve("g", time.Minute, []Spec{c.spec})
		if len(errs) != 1 || errs[0].Field != c.field || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%+v: %v, want one error on %s saying %q", c.spec, errs, c.field, c.want)
		}
	}
	// Two SLOs in one group: four alerts, distinct in Grafana.
	g, errs := Resolve("g", time.Minute, []Spec{{Preset: AvailabilitySLO}, {Preset: LatencySLO, Threshold: f(10), Objective: f(0.99)}})
	if len(errs) > 0 || len(g.Rules) != 4 {
		t.Fatalf("%d rules, %v", len(g.Rules), errs)
	}
	uids := map[string]bool{}
	for _, r := range GrafanaGroup(g, "f", "ds").Rules {
		uids[r.UID] = true
	}
	if len(uids) != 4 {
		t.Fatalf("Grafana uids collide: %v", uids)
	}
}
