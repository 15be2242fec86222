package dashboard

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/llmops/terraform-provider-llmops/internal/alerting"
)

func opts() Options {
	return Options{UID: "llm-apps", Title: "LLM apps", From: "now-6h", To: "now", Refresh: "30s",
		LatencyThreshold: 5, AvailabilityTarget: 0.999}
}

type doc struct {
	SchemaVersion int `json:"schemaVersion"`
	Panels        []struct {
		ID      int    `json:"id"`
		Type    string `json:"type"`
		Title   string `json:"title"`
		GridPos struct{ H, W, X, Y int }
		Targets []struct {
			Expr  string `json:"expr"`
			RefID string `json:"refId"`
		} `json:"targets"`
	} `json:"panels"`
	Templating struct {
		List []struct{ Name string } `json:"list"`
	} `json:"templating"`
}

func TestEveryPanelQueryParsesAndHasIDs(t *testing.T) {
	o := opts()
	o.Presets = AllPresets()
	raw, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	var d doc
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if d.SchemaVersion != 42 {
		t.Errorf("schemaVersion %d", d.SchemaVersion)
	}
	var vars []string
	for _, v := range d.Templating.List {
		vars = append(vars, v.Name)
	}
	if strings.Join(vars, ",") != "datasource,service,app,model" {
		t.Errorf("variables %v", vars)
	}
	ids, exprs := map[int]bool{}, 0
	for _, p := range d.Panels {
		if p.ID == 0 || ids[p.ID] {
			t.Errorf("panel %q: id %d missing or repeated", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W == 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q: gridPos %+v", p.Title, p.GridPos)
		}
		for i, tg := range p.Targets {
			if want := string(rune('A' + i)); tg.RefID != want {
				t.Errorf("panel %q target %d: refId %q", p.Title, i, tg.RefID)
			}
			q := strings.ReplaceAll(tg.Expr, "$__rate_interval", "5m")
			if err := alerting.ParseExpr(q); err != nil {
				t.Errorf("panel %q: %s: %v", p.Title, tg.Expr, err)
			}
			exprs++
		}
	}
	if exprs < 15 {
		t.Errorf("only %d queries", exprs)
	}
	for _, want := range []string{"Model latency P50 / P95 / P99", "Dify Celery queue backlog", "Exporter replicas up", "Cost per hour by app and model",
		"Error budget remaining", "Burn rate (1 h)", "Requests refused by reason"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("missing panel %q", want)
		}
	}
}

func TestRoundTripsThroughFoundationSDKTypes(t *testing.T) {
	o := opts()
	o.ExtraPanels = []string{`{"type":"text","title":"Runbook","options":{"content":"see wiki"}}`}
	raw, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard.Dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("SDK cannot read our JSON: %v", err)
	}
	again, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Owned(raw, raw)
	b, _ := Owned(again, raw)
	if a != b {
		t.Errorf("round trip changed owned fields:\n%s\n%s", a, b)
	}
}

func TestOwnedIgnoresWhatGrafanaAddsButNotHandEdits(t *testing.T) {
	raw, _ := Build(opts())
	want, _ := Owned(raw, raw)
	var g map[string]any
	_ = json.Unmarshal(raw, &g)
	g["id"], g["version"], g["schemaVersion"] = 17.0, 3.0, 43.0
	g["annotations"] = map[string]any{"list": []any{map[string]any{"builtIn": 1.0, "name": "Annotations & Alerts"}}}
	p0 := g["panels"].([]any)[1].(map[string]any)
	p0["id"] = 99.0
	p0["pluginVersion"] = "12.2.0"
	served, _ := json.Marshal(g)
	if got, _ := Owned(served, raw); got != want {
		t.Fatalf("server-side additions show as a diff")
	}
	p0["title"] = "edited by hand"
	edited, _ := json.Marshal(g)
	if got, _ := Owned(edited, raw); got == want || !strings.Contains(got, "edited by hand") {
		t.Fatalf("hand edit hidden")
	}
	g["panels"] = append(g["panels"].([]any), map[string]any{"type": "text", "title": "added"})
	added, _ := json.Marshal(g)
	if got, _ := Owned(added, raw); !strings.Contains(got, `"added"`) {
		t.Fatalf("hand-added panel hidden")
	}
}

func TestBuildErrorsNameTheField(t *testing.T) {
	for _, c := range []struct {
		mut   func(*Options)
		field string
	}{
		{func(o *Options) { o.UID = "has space" }, "uid"},
		{func(o *Options) { o.UID = strings.Repeat("a", 41) }, "uid"},
		{func(o *Options) { o.Title = "" }, "title"},
		{func(o *Options) { o.Presets = []string{"latency", "nope"} }, "presets"},
		{func(o *Options) { o.ExtraPanels = []string{`[1]`} }, "extra_panels[0]"},
		{func(o *Options) { o.ExtraPanels = []string{`{"title":"x"}`} }, "extra_panels[0]"},
	} {
		o := opts()
		c.mut(&o)
		_, err := Build(o)
		var fe *FieldError
		if err == nil || !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("want error on %s, got %v", c.field, err)
		}
	}
}

func TestPresetSubset(t *testing.T) {
	o := opts()
	o.Presets = []string{Latency, QueueBacklog}
	raw, _ := Build(o)
	var d doc
	_ = json.Unmarshal(raw, &d)
	var titles []string
	for _, p := range d.Panels {
		titles = append(titles, p.Title)
	}
	if got := strings.Join(titles, "|"); got != "Latency|Model latency P50 / P95 / P99|Dify|Dify Celery queue backlog" {
		t.Errorf("panels %s", got)
	}
}

// The SLO panels are opt-in: they read recording rules only an SLO rule
// group writes, and their queries match the names those rules have.
func TestSLOPanelsAreOptInAndReadTheSLORecords(t *testing.T) {
	raw, err := Build(opts())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "Error budget remaining") {
		t.Fatal("the default dashboard has SLO panels")
	}
	g, errs := alerting.Resolve("llm slo", time.Minute, []alerting.Spec{{Preset: alerting.AvailabilitySLO}, {Preset: alerting.LatencySLO}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	re := regexp.MustCompile(`^llmops:.+:slo_[a-z]+:(error_budget_remaining|burn_rate1h)$`)
	found := 0
	for _, r := range g.Records {
		if re.MatchString(r.Name) {
			found++
		}
	}
	if found != 4 {
		t.Fatalf("%d SLO records match the dashboard's selectors, want 4", found)
	}
}

// Every alert preset with a panel draws the preset's default threshold on
// it (a line, or a stat's red step): what the dashboard calls red is what
// the alert calls a problem. Presets whose value no panel shows (token
// z-scores, delivery failure counts, audit failures per 5 minutes) are
// named, so that a new preset must be placed one way or the other.
func TestEveryPresetThresholdIsOnItsPanel(t *testing.T) {
	defaults := func(p string) float64 { v, _ := alerting.DefaultThreshold(p); return v }
	checkThresholds(t, opts(), defaults)
	// Given a rule group's rules file, the panels draw its thresholds.
	var specs []alerting.Spec
	mine := map[string]float64{}
	for i, p := range alerting.Presets() {
		v := defaults(p) * (1 - float64(i+1)/100) // a distinct value per preset, still sane
		if v == 0 {
			v = float64(i + 1)
		}
		mine[p] = v
		specs = append(specs, alerting.Spec{Preset: p, Threshold: &v})
	}
	g, errs := alerting.Resolve("mine", time.Minute, specs)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	y, err := alerting.RulesYAML(g)
	if err != nil {
		t.Fatal(err)
	}
	o := opts()
	if o.Thresholds, err = alerting.ThresholdsFromRules(string(y)); err != nil {
		t.Fatal(err)
	}
	checkThresholds(t, o, func(p string) float64 { return mine[p] })
}

func checkThresholds(t *testing.T, o Options, want func(preset string) float64) {
	t.Helper()
	o.Presets = AllPresets()
	raw, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title       string
			FieldConfig struct {
				Defaults struct {
					Thresholds struct {
						Steps []struct {
							Color string
							Value *float64
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	panelOf := map[string]string{
		alerting.P95Latency: "Model latency P50 / P95 / P99", alerting.Availability: "Availability (5m)", alerting.Memory: "Memory use of the limit",
		alerting.ErrorRate: "Error ratio", alerting.QueueBacklog: "Dify Celery queue backlog", alerting.CostBudget: "Cost, last 24 h",
		alerting.ExporterDown: "Exporter replicas up",
	}
	noPanel := map[string]bool{alerting.TokenRateAnomaly: true, alerting.DeliveryFailures: true, alerting.AuditFailures: true}
	for _, preset := range alerting.Presets() {
		if noPanel[preset] {
			continue
		}
		title, ok := panelOf[preset]
		if !ok {
			t.Errorf("alert preset %s has no dashboard panel showing its threshold", preset)
			continue
		}
		want := want(preset)
		found := false
		for _, p := range d.Panels {
			if p.Title != title {
				continue
			}
			for _, st := range p.FieldConfig.Defaults.Thresholds.Steps {
				found = found || (st.Value != nil && *st.Value == want)
			}
		}
		if !found {
			t.Errorf("panel %q does not draw the %s threshold %v", title, preset, want)
		}
	}
}
