package grafana

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
	"github.com/llmops/terraform-provider-llmops/internal/grafana/grafanatest"
)

func TestContactPointSecretsAreSentAndNeverCompared(t *testing.T) {
	ctx := context.Background()
	fake := grafanatest.New(t)
	c := client(t, fake, fake.Token)
	cp := alerting.ContactPoint{Name: "slack", Type: alerting.Slack, Channel: "#llm", Secret: "https://hooks.slack.com/services/T/B/X"}
	settings, secret := cp.GrafanaSettings()
	uid, err := c.CreateContactPoint(ctx, ContactPoint{Name: cp.Name, Type: cp.GrafanaType(), Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	if fake.ContactPointSetting(uid, "url") != cp.Secret {
		t.Fatal("secret did not reach Grafana")
	}
	back, err := c.GetContactPoint(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	if back.Settings["url"] != "[REDACTED]" {
		t.Fatalf("fake does not redact: %v", back.Settings)
	}
	want := CanonicalContactPoint(ContactPoint{Name: cp.Name, Type: cp.GrafanaType(), Settings: settings}, secret)
	if got := CanonicalContactPoint(*back, secret); got != want {
		t.Fatalf("redacted read-back differs:\n%s\n%s", got, want)
	}
	fake.EditContactPoint(uid, func(s map[string]any) { s["recipient"] = "#elsewhere" })
	back, _ = c.GetContactPoint(ctx, uid)
	if CanonicalContactPoint(*back, secret) == want {
		t.Fatal("hand edit hidden")
	}
	if _, err := c.GetContactPoint(ctx, "nope"); !IsNotFound(err) {
		t.Fatalf("absent: %v", err)
	}
}

func TestRoutesLeaveOthersAloneUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	fake := grafanatest.New(t)
	c := client(t, fake, fake.Token)
	foreign := map[string]any{"receiver": "grafana-default-email", "object_matchers": []any{[]any{"team", "=", "db"}}, "mute_time_intervals": []any{"weekends"}}
	fake.AddForeignRoute(foreign)
	for _, n := range []string{"a", "b", "c", "d"} {
		settings, _ := alerting.ContactPoint{Type: alerting.Webhook, URL: "http://h/" + n}.GrafanaSettings()
		if _, err := c.CreateContactPoint(ctx, ContactPoint{Name: n, Type: "webhook", Settings: settings}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, n := range []string{"a", "b", "c", "d"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms, _ := alerting.ParseMatchers([]string{`team="` + n + `"`})
			errs <- c.SetRoute(ctx, alerting.Route{Receiver: n, Matchers: ms}.GrafanaRoute(), true)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	tree := fake.PolicyJSON()
	for _, n := range []string{"a", "b", "c", "d"} {
		if !strings.Contains(tree, `"receiver":"`+n+`"`) {
			t.Errorf("route %s lost (a lost update): %s", n, tree)
		}
	}
	if !strings.Contains(tree, `"mute_time_intervals":["weekends"]`) {
		t.Errorf("foreign route changed: %s", tree)
	}
	ms, _ := alerting.ParseMatchers([]string{`team="a"`})
	key := alerting.Route{Matchers: ms}.Key()
	if _, err := c.GetRoute(ctx, key); err != nil {
		t.Fatalf("get by key %s: %v", key, err)
	}
	if err := c.SetRoute(ctx, alerting.Route{Receiver: "a", Matchers: ms}.GrafanaRoute(), true); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second create: %v", err)
	}
	if err := c.SetRoute(ctx, alerting.Route{Receiver: "nobody", Matchers: ms}.GrafanaRoute(), false); err == nil || !strings.Contains(err.Error(), "receiver 'nobody' does not exist") {
		t.Fatalf("unknown receiver: %v", err)
	}
	if err := c.DeleteRoute(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetRoute(ctx, key); !IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
}
