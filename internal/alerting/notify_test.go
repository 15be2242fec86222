package alerting

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func contactPoints(secret string) []ContactPoint {
	return []ContactPoint{
		{Name: "hook", Type: Webhook, URL: "http://hook.example/alerts", SecretFile: secret},
		{Name: "mail", Type: Email, Addresses: []string{"oncall@example.com", "lead@example.com"},
			Settings: map[string]string{"from": "alerts@example.com", "smarthost": "smtp.example.com:587"}},
		{Name: "slack", Type: Slack, Channel: "#llm-alerts", SecretFile: secret},
		{Name: "pd", Type: PagerDuty, SecretFile: secret, DisableResolve: true},
		{Name: "ding", Type: DingTalk, URL: "http://dingtalk-bridge:8060/dingtalk/webhook1/send"},
		{Name: "wecom", Type: WeCom, URL: "http://wecom-bridge:8080/send"},
	}
}

// MergeForTest builds a minimal Alertmanager config from fragments the way
// the guide tells users to.
func mergeAlertmanager(t *testing.T, receivers [][]byte, routes [][]byte) []byte {
	t.Helper()
	cfg := map[string]any{"route": map[string]any{"receiver": "default", "routes": []any{}}, "receivers": []any{map[string]any{"name": "default"}}}
	for _, r := range receivers {
		var frag struct{ Receivers []any }
		if err := yaml.Unmarshal(r, &frag); err != nil {
			t.Fatal(err)
		}
		cfg["receivers"] = append(cfg["receivers"].([]any), frag.Receivers...)
	}
	for _, r := range routes {
		var frag struct{ Routes []any }
		if err := yaml.Unmarshal(r, &frag); err != nil {
			t.Fatal(err)
		}
		root := cfg["route"].(map[string]any)
		root["routes"] = append(root["routes"].([]any), frag.Routes...)
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAlertmanagerFragmentsPassAmtool(t *testing.T) {
	amtool, err := exec.LookPath("amtool")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: amtool not found; .ci/run installs it (apt-get install prometheus-alertmanager)")
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	writeFile(t, secret, []byte("s3cr3t"))
	var recv, routes [][]byte
	for _, c := range contactPoints(secret) {
		if fe := c.Validate(false); fe != nil {
			t.Fatalf("%s: %v", c.Name, fe)
		}
		b, err := c.AlertmanagerReceiver()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "s3cr3t") {
			t.Fatalf("secret in fragment: %s", b)
		}
		recv = append(recv, b)
		ms, err := ParseMatchers([]string{`service=~"dify.*"`, `severity="` + c.Name + `"`})
		if err != nil {
			t.Fatal(err)
		}
		r, err := Route{Receiver: c.Name, Matchers: ms, GroupBy: []string{"alertname"}, RepeatInterval: 4 * time.Hour}.AlertmanagerRoute()
		if err != nil {
			t.Fatal(err)
		}
		routes = append(routes, r)
	}
	cfg := filepath.Join(dir, "alertmanager.yml")
	writeFile(t, cfg, mergeAlertmanager(t, recv, routes))
	if out, err := exec.Command(amtool, "check-config", cfg).CombinedOutput(); err != nil {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
	// And amtool refuses what should be refused: a route to an undefined receiver.
	bad := filepath.Join(dir, "bad.yml")
	ms, _ := ParseMatchers([]string{`a="b"`})
	r, _ := Route{Receiver: "nobody", Matchers: ms}.AlertmanagerRoute()
	writeFile(t, bad, mergeAlertmanager(t, nil, [][]byte{r}))
	if out, err := exec.Command(amtool, "check-config", bad).CombinedOutput(); err == nil {
		t.Fatalf("amtool accepted an undefined receiver:\n%s", out)
	}
}

func TestContactPointValidation(t *testing.T) {
	cases := []struct {
		c       ContactPoint
		grafana bool
		field   string
	}{
		{ContactPoint{Name: "", Type: Webhook}, false, "name"},
		{ContactPoint{Name: "x", Type: "teams"}, false, "type"},
		{ContactPoint{Name: "x", Type: Webhook}, false, "url"},
		{ContactPoint{Name: "x", Type: Webhook, URL: "ftp://x"}, false, "url"},
		{ContactPoint{Name: "x", Type: Email}, false, "addresses"},
		{ContactPoint{Name: "x", Type: Email, Addresses: []string{"not an address"}}, false, "addresses"},
		{ContactPoint{Name: "x", Type: Slack}, true, "secret_wo"},
		{ContactPoint{Name: "x", Type: Slack}, false, "secret_file"},
		{ContactPoint{Name: "x", Type: DingTalk}, false, "url"},
		{ContactPoint{Name: "x", Type: DingTalk}, true, "secret_wo"},
	}
	for _, c := range cases {
		fe := c.c.Validate(c.grafana)
		if fe == nil || fe.Field != c.field {
			t.Errorf("%+v (grafana %v): got %v, want an error on %s", c.c, c.grafana, fe, c.field)
		}
	}
	if fe := (ContactPoint{Name: "x", Type: DingTalk, Secret: "https://oapi.dingtalk.com/robot/send?access_token=t"}).Validate(true); fe != nil {
		t.Errorf("grafana dingtalk with secret: %v", fe)
	}
}

func TestGrafanaSettingsMarkSecrets(t *testing.T) {
	for _, c := range []struct {
		cp   ContactPoint
		typ  string
		keys string
	}{
		{ContactPoint{Type: Webhook, URL: "http://h", Secret: "tok"}, "webhook", "authorization_credentials"},
		{ContactPoint{Type: Slack, Secret: "https://hooks.slack.com/x"}, "slack", "url"},
		{ContactPoint{Type: PagerDuty, Secret: "k"}, "pagerduty", "integrationKey"},
		{ContactPoint{Type: DingTalk, Secret: "u"}, "dingding", "url"},
		{ContactPoint{Type: Email, Addresses: []string{"a@b.c"}}, "email", ""},
	} {
		s, keys := c.cp.GrafanaSettings()
		if c.cp.GrafanaType() != c.typ || strings.Join(keys, ",") != c.keys {
			t.Errorf("%s: type %s keys %v", c.cp.Type, c.cp.GrafanaType(), keys)
		}
		for _, k := range keys {
			if s[k] != c.cp.Secret {
				t.Errorf("%s: %s = %v", c.cp.Type, k, s[k])
			}
		}
	}
}

func TestMatchersAreSortedAndChecked(t *testing.T) {
	a, _ := ParseMatchers([]string{`team="llm"`, `severity=~"critical|page"`})
	b, _ := ParseMatchers([]string{`severity=~"critical|page"`, `team="llm"`})
	if (Route{Matchers: a}).Key() != (Route{Matchers: b}).Key() {
		t.Error("same matchers, different keys")
	}
	if _, err := ParseMatchers(nil); err != ErrNoMatchers {
		t.Errorf("no matchers: %v", err)
	}
	if _, err := ParseMatchers([]string{`team = llm`}); err == nil {
		t.Error("unquoted value accepted")
	}
	g := Route{Receiver: "r", Matchers: a}.GrafanaRoute()
	if om := g["object_matchers"].([]any); len(om) != 2 || om[0].([]any)[1] != "=~" {
		t.Errorf("object_matchers %v", om)
	}
}
