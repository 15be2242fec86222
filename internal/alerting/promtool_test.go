package alerting

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/rules"
	"go.yaml.in/yaml/v3"
)

// promtool returns Debian's promtool (installed by .ci/run), skipping loudly
// where it is truly absent.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: promtool not found; .ci/run installs it (apt-get install prometheus)")
	}
	return p
}

// TestPromtoolChecksAndFiresEveryPreset runs a real Prometheus's promtool
// over every preset's rules file: `check rules`, then `test rules` with the
// same synthetic series as TestPresetsFire, expecting exactly the alerts
// (labels and expanded annotations) that the in-process engine fired.
func TestPromtoolChecksAndFiresEveryPreset(t *testing.T) {
	bin := promtool(t)
	for name, c := range fireCases() {
		if c.grafana {
			continue
		}
		t.Run(name, func(t *testing.T) {
			g, errs := Resolve("llm slo", time.Minute, []Spec{c.spec})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			_, firing := evaluate(t, g, c.load, c.end)
			dir := t.TempDir()
			rulesFile := filepath.Join(dir, "rules.yml")
			b, err := RulesYAML(g)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, rulesFile, b)
			if out, err := exec.Command(bin, "check", "rules", rulesFile).CombinedOutput(); err != nil {
				t.Fatalf("promtool check rules: %v\n%s\n%s", err, out, b)
			}
			testFile := filepath.Join(dir, "test.yml")
			writeFile(t, testFile, promtoolTest(t, g.Rules[0].Alert, c, firing))
			if out, err := exec.Command(bin, "test", "rules", testFile).CombinedOutput(); err != nil {
				t.Fatalf("promtool test rules: %v\n%s", err, out)
			}
		})
	}
}

// The parts of a `promtool test rules` file the tests write.
type (
	promSeries struct {
		Series string `yaml:"series"`
		Values string `yaml:"values"`
	}
	expAlert struct {
		Labels      map[string]string `yaml:"exp_labels"`
		Annotations map[string]string `yaml:"exp_annotations"`
	}
	alertTest struct {
		EvalTime  string     `yaml:"eval_time"`
		Alertname string     `yaml:"alertname"`
		Exp       []expAlert `yaml:"exp_alerts"`
	}
	promUnit struct {
		Interval string       `yaml:"interval"`
		Input    []promSeries `yaml:"input_series"`
		Alerts   []alertTest  `yaml:"alert_rule_test"`
	}
)

// expected are the alerts the in-process engine fired, as promtool
// expects them (labels and expanded annotations).
func expected(firing []*rules.Alert) []expAlert {
	var exp []expAlert
	for _, a := range firing {
		exp = append(exp, expAlert{Labels: a.Labels.Map(), Annotations: a.Annotations.Map()})
	}
	return exp
}

// promtoolFile is a test file over rules.yml, evaluated every minute.
func promtoolFile(t *testing.T, in []promSeries, tests []alertTest) []byte {
	t.Helper()
	doc := map[string]any{
		"rule_files":          []string{"rules.yml"},
		"evaluation_interval": "1m",
		"tests":               []promUnit{{Interval: "1m", Input: in, Alerts: tests}},
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func promtoolTest(t *testing.T, alert string, c fireCase, firing []*rules.Alert) []byte {
	t.Helper()
	var in []promSeries
	for _, line := range strings.Split(strings.TrimSpace(c.load), "\n") {
		line = strings.TrimSpace(line)
		i := strings.LastIndex(line, "} ")
		if i < 0 {
			i = strings.Index(line, " ") - 1
		}
		in = append(in, promSeries{Series: line[:i+1], Values: strings.TrimSpace(line[i+1:])})
	}
	quiet := alertTest{EvalTime: fmt.Sprintf("%dm", c.quiet), Alertname: alert}
	fired := alertTest{EvalTime: fmt.Sprintf("%dm", c.end), Alertname: alert, Exp: expected(firing)}
	return promtoolFile(t, in, []alertTest{quiet, fired})
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
