package grafanatest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

func call(t *testing.T, f *Fake, method, path, token string, body any, header ...string) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, f.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestFakeRefusesWhatGrafanaRefuses pins the fake to the contracts of the
// reference (dashboards, folders, provenance, auth), so that tests passing
// against it mean something.
func TestFakeRefusesWhatGrafanaRefuses(t *testing.T) {
	f := New(t)
	dash := func(version int, overwrite bool) map[string]any {
		return map[string]any{"dashboard": map[string]any{"uid": "d", "title": "D", "version": version}, "overwrite": overwrite}
	}
	if code, _ := call(t, f, "POST", "/api/dashboards/db", "wrong", dash(0, false)); code != 401 {
		t.Errorf("bad token: %d", code)
	}
	if code, out := call(t, f, "POST", "/api/dashboards/db", f.Token, dash(0, false)); code != 200 || out["version"] != 1.0 {
		t.Fatalf("create: %d %v", code, out)
	}
	if code, out := call(t, f, "POST", "/api/dashboards/db", f.Token, dash(0, false)); code != 412 || out["status"] != "version-mismatch" {
		t.Errorf("stale version: %d %v", code, out)
	}
	if code, out := call(t, f, "POST", "/api/dashboards/db", f.Token, dash(1, false)); code != 200 || out["version"] != 2.0 {
		t.Errorf("current version: %d %v", code, out)
	}
	if code, _ := call(t, f, "POST", "/api/dashboards/db", f.Token, map[string]any{"dashboard": map[string]any{"uid": "e", "title": "D"}}); code != 412 {
		t.Errorf("same title in folder: %d", code)
	}
	if code, _ := call(t, f, "POST", "/api/dashboards/db", f.Token, map[string]any{"dashboard": map[string]any{"uid": "bad uid", "title": "x"}}); code != 400 {
		t.Errorf("bad uid: %d", code)
	}
	if code, _ := call(t, f, "POST", "/api/folders", f.Token, map[string]any{"uid": "f", "title": "F"}); code != 200 {
		t.Fatalf("folder: %d", code)
	}
	if code, _ := call(t, f, "POST", "/api/folders", f.Token, map[string]any{"uid": "g", "title": "F"}); code != 409 {
		t.Errorf("same folder title: %d", code)
	}
	if code, _ := call(t, f, "PUT", "/api/folders/f", f.Token, map[string]any{"title": "G", "version": 7}); code != 412 {
		t.Errorf("stale folder version: %d", code)
	}
	cp := map[string]any{"name": "c", "type": "slack", "settings": map[string]any{"url": "https://hooks.slack.com/x"}}
	code, out := call(t, f, "POST", "/api/v1/provisioning/contact-points", f.Token, cp)
	if code != 202 {
		t.Fatalf("contact point: %d %v", code, out)
	}
	uid := out["uid"].(string)
	if code, out := call(t, f, "PUT", "/api/v1/provisioning/contact-points/"+uid, f.Token, cp, "X-Disable-Provenance", "true"); code != 403 || out["messageId"] != "alerting.notifications.invalidProvenance" {
		t.Errorf("api -> none provenance: %d %v", code, out)
	}
	if code, _ := call(t, f, "POST", "/api/v1/provisioning/contact-points", f.Token, map[string]any{"name": "p", "type": "pagerduty", "settings": map[string]any{}}); code != 400 {
		t.Errorf("missing integrationKey: %d", code)
	}
	if code, _ := call(t, f, "PUT", "/api/v1/provisioning/policies", f.Token, map[string]any{"receiver": "nobody"}); code != 400 {
		t.Errorf("unknown receiver: %d", code)
	}
	rule := map[string]any{"title": "r", "ruleGroup": "g", "folderUID": "f", "condition": "C", "for": "5m0s", "noDataState": "OK", "execErrState": "Error",
		"data": []any{map[string]any{"refId": "A", "datasourceUid": "p", "model": map[string]any{}}}}
	if code, out := call(t, f, "PUT", "/api/v1/provisioning/folder/f/rule-groups/g", f.Token, map[string]any{"interval": 60, "rules": []any{rule}}); code != 400 {
		t.Errorf("condition not among refIds: %d %v", code, out)
	}
	rule["condition"] = "A"
	if code, _ := call(t, f, "PUT", "/api/v1/provisioning/folder/f/rule-groups/g", f.Token, map[string]any{"interval": 15, "rules": []any{rule}}); code != 400 {
		t.Errorf("interval 15s: %d", code)
	}
	if code, out := call(t, f, "PUT", "/api/v1/provisioning/folder/f/rule-groups/g", f.Token, map[string]any{"interval": 60, "rules": []any{rule}}); code != 200 || out["rules"].([]any)[0].(map[string]any)["for"] != "5m" {
		t.Errorf("group: %d %v", code, out)
	}
	if code, _ := call(t, f, "DELETE", "/api/folders/f", f.Token, nil); code != 400 {
		t.Errorf("folder with rules deleted without forceDeleteRules: %d", code)
	}
}
