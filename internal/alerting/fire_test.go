package alerting

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
)

// fireCase is a preset fed with synthetic series that stay under the
// threshold until minute `cross` and go over it afterwards.
type fireCase struct {
	spec   Spec
	load   string
	quiet  int // a minute at which no alert may be active
	end    int // last minute evaluated; the alert must be firing by then
	firing int // number of firing alerts expected at end
	// grafana evaluates the Grafana form of the query (no recording rules).
	grafana bool
}

func f(v float64) *float64 { return &v }

func fireCases() map[string]fireCase {
	return map[string]fireCase{
		P95Latency: {spec: Spec{Preset: P95Latency}, quiet: 10, end: 30, firing: 1, load: `
  llm_request_duration_seconds_bucket{le="2.56",service="s",model="m"} 0+60x10 600+0x20
  llm_request_duration_seconds_bucket{le="5.12",service="s",model="m"} 0+60x10 600+0x20
  llm_request_duration_seconds_bucket{le="10.24",service="s",model="m"} 0+60x30
  llm_request_duration_seconds_bucket{le="+Inf",service="s",model="m"} 0+60x30`},
		Availability: {spec: Spec{Preset: Availability}, quiet: 10, end: 30, firing: 2, load: `
  http_server_response_count_total{service="dify-api",status_code="200"} 0+100x30
  http_server_response_count_total{service="dify-api",status_code="500"} 0+0x10 0+5x20
  llm_requests_total{service="bot",status="ok"} 0+100x30
  llm_requests_total{service="bot",status="error"} 0+0x10 0+5x20`},
		Memory: {spec: Spec{Preset: Memory}, quiet: 10, end: 30, firing: 1, load: `
  container_memory_working_set_bytes{name="api"} 500+0x10 900+0x20
  container_spec_memory_limit_bytes{name="api"} 1000+0x30
  container_memory_working_set_bytes{name="unlimited"} 900+0x30
  container_spec_memory_limit_bytes{name="unlimited"} 0+0x30`},
		Memory + "_node": {spec: Spec{Preset: Memory, Name: "NodeMemoryHigh", Variant: VariantNodeExporter}, quiet: 10, end: 30, firing: 1, load: `
  node_memory_MemAvailable_bytes{instance="n"} 500+0x10 100+0x20
  node_memory_MemTotal_bytes{instance="n"} 1000+0x30`},
		// The summary override leaves the z value out: Prometheus 2.x (Debian's
		// promtool) reads closed ranges, 3.x left-open ones, so the value differs
		// by one sample of the 1 h baseline while the alert fires at the same time.
		TokenRateAnomaly: {spec: Spec{Preset: TokenRateAnomaly, Annotations: map[string]string{"summary": "{{ $labels.model }} token rate anomaly"}}, quiet: 75, end: 100, firing: 1, load: `
  llm_tokens_total{service="s",model="m",type="input"} 0+1000x20 20000+1200x20 44000+900x40 80000+20000x20`},
		TokenRateAnomaly + "_grafana_form": {spec: Spec{Preset: TokenRateAnomaly, Name: "Unused"}, quiet: 75, end: 100, firing: 1, grafana: true, load: `
  llm_tokens_total{service="s",model="m",type="input"} 0+1000x20 20000+1200x20 44000+900x40 80000+20000x20`},
		QueueBacklog: {spec: Spec{Preset: QueueBacklog}, quiet: 10, end: 30, firing: 1, load: `
  dify_celery_queue_length{queue="dataset"} 10+0x10 2000+0x20
  dify_celery_queue_length{queue="mail"} 3+0x30`},
		ErrorRate: {spec: Spec{Preset: ErrorRate}, quiet: 10, end: 30, firing: 1, load: `
  llm_requests_total{service="s",model="m",status="ok"} 0+100x30
  llm_requests_total{service="s",model="m",status="error"} 0+1x10 10+20x20`},
		CostBudget: {spec: Spec{Preset: CostBudget, Threshold: f(5)}, quiet: 10, end: 30, firing: 1, load: `
  llm_cost_usd_total{service="s",model="m",app="a",provider="p",operation="chat"} 0+0.01x10 0.1+1x20`},
		DeliveryFailures: {spec: Spec{Preset: DeliveryFailures}, quiet: 10, end: 30, firing: 1, load: `
  llmops_exporter_spans_refused_total{instance="e:1",transport="http",reason="invalid"} 0+0x10 0+5x20
  llmops_exporter_destination_dead_letter_spans{instance="e:1",destination="lf"} 0+0x30
  llmops_exporter_destination_queue_spans{instance="e:1",destination="lf"} 5+0x30
  llmops_exporter_destination_queue_oldest_age_seconds{instance="e:1",destination="lf"} 1+0x30`},
		DeliveryFailures + "_auth": {spec: Spec{Preset: DeliveryFailures}, quiet: 10, end: 30, firing: 1, load: `
  llmops_exporter_requests_refused_total{instance="e:1",transport="http",reason="auth"} 0+0x10 0+5x20
  llmops_exporter_requests_refused_total{instance="e:1",transport="http",reason="overloaded"} 0+9x30`},
		DeliveryFailures + "_disk_full": {spec: Spec{Preset: DeliveryFailures}, quiet: 10, end: 30, firing: 1, load: `
  llmops_exporter_queue_disk_full{instance="e:1"} 0+0x10 1+0x20
  llmops_exporter_queue_disk_free_bytes{instance="e:1"} -1+0x30
  llmops_exporter_queue_disk_size_bytes{instance="e:1"} -1+0x30`},
		DeliveryFailures + "_disk_low": {spec: Spec{Preset: DeliveryFailures}, quiet: 10, end: 30, firing: 1, load: `
  llmops_exporter_queue_disk_free_bytes{instance="e:1"} 900+0x10 40+0x20
  llmops_exporter_queue_disk_size_bytes{instance="e:1"} 1000+0x30
  llmops_exporter_queue_disk_full{instance="e:1"} 0+0x30`},
		ExporterDown: {spec: Spec{Preset: ExporterDown}, quiet: 10, end: 30, firing: 1, load: `
  up{job="llmops-exporter",instance="e:1"} 1+0x10 0+0x20
  up{job="node",instance="n:1"} 0+0x30`},
		AuditFailures: {spec: Spec{Preset: AuditFailures}, quiet: 10, end: 30, firing: 1, load: `
  llm_audit_events_total{service="dify-api",action="delete_app",status="denied"} 0+0x10 0+3x20
  llm_audit_events_total{service="dify-api",action="delete_app",status="success"} 0+50x30`},
		"raw": {spec: Spec{Name: "FooHigh", Expr: `sum(rate(foo_total[5m]))`, Threshold: f(1), For: durp(3 * time.Minute)}, quiet: 10, end: 30, firing: 1, load: `
  foo_total 0+6x10 60+600x20`},
	}
}

func durp(d time.Duration) *time.Duration { return &d }

// TestPresetsFire evaluates every preset with Prometheus's own rules engine:
// silent below the threshold, pending once over it, firing after `for`.
func TestPresetsFire(t *testing.T) {
	covered := map[string]bool{}
	for name, c := range fireCases() {
		covered[c.spec.Preset] = true
		t.Run(name, func(t *testing.T) {
			g, errs := Resolve("llm slo", time.Minute, []Spec{c.spec})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if c.grafana {
				g.Records, g.Rules[0].Value = nil, g.Rules[0].GrafanaQuery()
			}
			states, _ := evaluate(t, g, c.load, c.end)
			if n := len(states[c.quiet]); n != 0 {
				t.Fatalf("minute %d (under the threshold): %d active alerts, want none", c.quiet, n)
			}
			firstPending, firstFiring := -1, -1
			for m := 0; m <= c.end; m++ {
				for _, st := range states[m] {
					if st == rules.StatePending && firstPending < 0 {
						firstPending = m
					}
					if st == rules.StateFiring && firstFiring < 0 {
						firstFiring = m
					}
				}
			}
			if firstFiring < 0 {
				t.Fatalf("never fired (pending from minute %d); rule: %s", firstPending, g.Rules[0].Expr())
			}
			forDur := g.Rules[0].For
			if forDur > 0 && (firstPending < 0 || time.Duration(firstFiring-firstPending)*time.Minute < forDur) {
				t.Fatalf("fired at minute %d, pending from %d: `for` %s not honoured", firstFiring, firstPending, forDur)
			}
			firing := 0
			for _, st := range states[c.end] {
				if st == rules.StateFiring {
					firing++
				}
			}
			if firing != c.firing {
				t.Fatalf("minute %d: %d firing alerts, want %d", c.end, firing, c.firing)
			}
		})
	}
	for _, p := range Presets() {
		if !covered[p] {
			t.Errorf("preset %s has no firing test", p)
		}
	}
}

// evaluate runs the group once a minute from minute 0 to end and returns
// the states of the (first) alerting rule's active alerts per minute, and
// the alerts firing at the end.
func evaluate(t *testing.T, g Group, load string, end int) (map[int][]rules.AlertState, []*rules.Alert) {
	t.Helper()
	grp := loadGroup(t, g, load)
	out := map[int][]rules.AlertState{}
	var firing []*rules.Alert
	for m := 0; m <= end; m++ {
		grp.Eval(context.Background(), time.Unix(0, 0).Add(time.Duration(m)*time.Minute))
		for _, a := range grp.AlertingRules()[0].ActiveAlerts() {
			out[m] = append(out[m], a.State)
			if m == end && a.State == rules.StateFiring {
				firing = append(firing, a)
			}
		}
	}
	return out, firing
}

// loadGroup loads g's rules file into Prometheus's rules manager over the
// series of load (promqltest's `load 1m` notation), ready to evaluate.
func loadGroup(t *testing.T, g Group, load string) *rules.Group {
	t.Helper()
	b, err := RulesYAML(g)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	st := promqltest.LoadedStorage(t, "load 1m\n"+strings.TrimPrefix(load, "\n"))
	eng := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
	mgr := rules.NewManager(&rules.ManagerOptions{
		QueryFunc: rules.EngineQueryFunc(eng, st), Queryable: st, AppendableV2: st,
		Context: context.Background(), Parser: pql,
		NotifyFunc: func(context.Context, string, ...*rules.Alert) {},
	})
	loaded, errs := mgr.LoadGroups(time.Minute, labels.EmptyLabels(), "", nil, false, file)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(loaded) != 1 {
		t.Fatalf("%d groups loaded", len(loaded))
	}
	for _, grp := range loaded {
		return grp
	}
	return nil
}
