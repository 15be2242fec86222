package grafana

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
	"github.com/llmops/terraform-provider-llmops/internal/dashboard"
	"github.com/llmops/terraform-provider-llmops/internal/grafana/grafanatest"
	"github.com/llmops/terraform-provider-llmops/internal/settings"
)

func client(t *testing.T, fake *grafanatest.Fake, token string) *Client {
	t.Helper()
	c, err := New(settings.Grafana{URL: fake.URL + "/", Auth: token, OrgID: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDashboardRoundTripIsEmptyDiff(t *testing.T) {
	ctx := context.Background()
	fake := grafanatest.New(t)
	c := client(t, fake, fake.Token)
	if _, err := c.CreateFolder(ctx, "llm", "LLM"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateFolder(ctx, "llm2", "LLM"); err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("same title: %v", err)
	}
	raw, err := dashboard.Build(dashboard.Options{UID: "llm-apps", Title: "LLM apps", From: "now-6h", To: "now", LatencyThreshold: 5, AvailabilityTarget: 0.999})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := c.SaveDashboard(ctx, raw, "llm", "terraform")
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != 1 || saved.URL != fake.URL+"/d/llm-apps/llm-apps" {
		t.Errorf("saved %+v", saved)
	}
	got, err := c.GetDashboard(ctx, "llm-apps")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := dashboard.Owned(raw, raw)
	if have, _ := dashboard.Owned(got.JSON, raw); have != want || got.FolderUID != "llm" {
		t.Fatalf("read back differs (folder %q)", got.FolderUID)
	}
	if again, _ := c.SaveDashboard(ctx, raw, "llm", ""); again.Version != 2 {
		t.Errorf("second save version %d", again.Version)
	}
	if err := c.DeleteDashboard(ctx, "llm-apps"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetDashboard(ctx, "llm-apps"); !IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
	if err := c.DeleteDashboard(ctx, "llm-apps"); err != nil {
		t.Fatalf("deleting an absent dashboard: %v", err)
	}
}

func TestRuleGroupRoundTripIsEmptyDiff(t *testing.T) {
	ctx := context.Background()
	fake := grafanatest.New(t)
	c := client(t, fake, fake.Token)
	_, _ = c.CreateFolder(ctx, "alerts", "Alerts")
	g, errs := alerting.Resolve("llm slo", time.Minute, []alerting.Spec{{Preset: alerting.P95Latency}, {Preset: alerting.TokenRateAnomaly}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	gg := alerting.GrafanaGroup(g, "alerts", "prom")
	if err := c.PutRuleGroup(ctx, gg, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fake.RuleGroupJSON("alerts", "llm slo"), `"provenance":"api"`) {
		t.Fatal("locked group stored without provenance")
	}
	if err := c.PutRuleGroup(ctx, gg, true); err != nil {
		t.Fatal(err)
	}
	back, err := c.GetRuleGroup(ctx, "alerts", "llm slo")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := CanonicalGroup(gg)
	if have, _ := CanonicalGroup(back); have != want {
		t.Fatalf("read back differs:\n%s\n%s", have, want)
	}
	if !strings.Contains(fake.RuleGroupJSON("alerts", "llm slo"), `"for":"5m"`) || strings.Contains(fake.RuleGroupJSON("alerts", "llm slo"), `"provenance":"api"`) {
		t.Errorf("stored: %s", fake.RuleGroupJSON("alerts", "llm slo"))
	}
	fake.EditRule("alerts", "llm slo", "LLMP95LatencyHigh", func(r map[string]any) { r["for"] = "1m" })
	back, _ = c.GetRuleGroup(ctx, "alerts", "llm slo")
	if have, _ := CanonicalGroup(back); have == want {
		t.Fatal("hand edit hidden")
	}
	if err := c.DeleteRuleGroup(ctx, "alerts", "llm slo"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetRuleGroup(ctx, "alerts", "llm slo"); !IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestErrorsSayWhatFailed(t *testing.T) {
	ctx := context.Background()
	fake := grafanatest.New(t)
	if _, err := client(t, fake, "wrong").GetFolder(ctx, "x"); err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "grafana.auth") {
		t.Fatalf("bad token: %v", err)
	}
	c := client(t, fake, fake.Token)
	g, _ := alerting.Resolve("g", time.Minute, []alerting.Spec{{Preset: alerting.ErrorRate}})
	if err := c.PutRuleGroup(ctx, alerting.GrafanaGroup(g, "missing", "prom"), true); err == nil || !strings.Contains(err.Error(), "folder does not exist") {
		t.Fatalf("missing folder: %v", err)
	}
	if _, err := c.SaveDashboard(ctx, []byte(`{"uid":"x","title":"t"}`), "nope", ""); err == nil || !strings.Contains(err.Error(), "folder not found") {
		t.Fatalf("missing folder: %v", err)
	}
}
