package difyconsole

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/llmops/terraform-provider-llmops/internal/difyconsole/difytest"
	"github.com/llmops/terraform-provider-llmops/internal/settings"
)

func login(f *difytest.Fake, enc string) settings.Dify {
	return settings.Dify{ConsoleURL: f.URL, Email: f.Email, Password: f.Password, PasswordEncoding: enc}
}

func client(t *testing.T, cfg settings.Dify) *Client {
	t.Helper()
	c, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLifecycleWithBothPasswordEncodings(t *testing.T) {
	for _, newDify := range []bool{true, false} {
		ctx := context.Background()
		f := difytest.New(t, "app-1")
		f.Base64Passwords = newDify
		c := client(t, login(f, "auto"))
		if _, found, err := c.GetTraceConfig(ctx, "app-1", "phoenix"); err != nil || found {
			t.Fatalf("new dify %v: %v %v", newDify, found, err)
		}
		cfg := map[string]string{"api_key": "phx-secret-123456", "project": "support", "endpoint": "http://llmops-exporter:4318"}
		if err := c.SaveTraceConfig(ctx, "app-1", "phoenix", cfg, false); err != nil {
			t.Fatal(err)
		}
		if err := c.SetTrace(ctx, "app-1", true, "phoenix"); err != nil {
			t.Fatal(err)
		}
		got, found, err := c.GetTraceConfig(ctx, "app-1", "phoenix")
		if err != nil || !found || got["project"] != "support" || !IsMasked(got["api_key"]) || got["api_key"] == cfg["api_key"] {
			t.Fatalf("read back %v %v %v", got, found, err)
		}
		if tr, _ := c.GetTrace(ctx, "app-1"); !tr.Enabled || tr.Provider != "phoenix" {
			t.Fatalf("trace %+v", tr)
		}
		// A masked secret sent back keeps the stored one.
		got["project"] = "support-2"
		if err := c.SaveTraceConfig(ctx, "app-1", "phoenix", got, true); err != nil {
			t.Fatal(err)
		}
		if s := f.Config("app-1", "phoenix"); s["api_key"] != "phx-secret-123456" || s["project"] != "support-2" {
			t.Fatalf("stored %v", s)
		}
		if err := c.SaveTraceConfig(ctx, "app-1", "phoenix", cfg, false); !errors.Is(err, ErrConfigExists) {
			t.Fatalf("second POST: %v", err)
		}
		if err := c.DeleteTraceConfig(ctx, "app-1", "phoenix"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSessionRenewalAndAdminKey(t *testing.T) {
	ctx := context.Background()
	f := difytest.New(t, "app-1")
	c := client(t, login(f, "base64"))
	if _, err := c.GetTrace(ctx, "app-1"); err != nil {
		t.Fatal(err)
	}
	f.ExpireSessions()
	if _, err := c.GetTrace(ctx, "app-1"); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if f.Logins() != 1 {
		t.Fatalf("refresh should renew without a new login: %d logins", f.Logins())
	}
	a := client(t, settings.Dify{ConsoleURL: f.URL, AdminAPIKey: f.AdminKey, WorkspaceID: f.Workspace})
	if _, err := a.GetTrace(ctx, "app-1"); err != nil {
		t.Fatalf("admin key: %v", err)
	}
	bad := client(t, settings.Dify{ConsoleURL: f.URL, AdminAPIKey: f.AdminKey, WorkspaceID: "other"})
	if _, err := bad.GetTrace(ctx, "app-1"); !errors.Is(err, ErrSession) {
		t.Fatalf("wrong workspace: %v", err)
	}
}

func TestErrorsAreToldApart(t *testing.T) {
	ctx := context.Background()
	f := difytest.New(t, "app-1")
	wrong := login(f, "auto")
	wrong.Password = "nope"
	if _, err := client(t, wrong).GetTrace(ctx, "app-1"); !errors.Is(err, ErrLogin) || strings.Contains(err.Error(), "nope") {
		t.Fatalf("bad password: %v", err)
	}
	c := client(t, login(f, "base64"))
	if _, err := c.GetTrace(ctx, "nope"); !errors.Is(err, ErrAppNotFound) {
		t.Fatalf("unknown app: %v", err)
	}
	err := c.SaveTraceConfig(ctx, "app-1", "langfuse", map[string]string{"public_key": "pk-lf-1", "secret_key": "wrong", "host": "http://10.0.0.5:4318"}, false)
	if !errors.Is(err, ErrCredentials) || !strings.Contains(err.Error(), "http://10.0.0.5:4318") || !strings.Contains(err.Error(), "ssrf_proxy") {
		t.Fatalf("credentials: %v", err)
	}
	f.SetReadOnly(true)
	if err := c.SetTrace(ctx, "app-1", false, ""); !errors.Is(err, ErrNoPermission) {
		t.Fatalf("read-only: %v", err)
	}
	f.SetReadOnly(false)
	f.OldDelete = true
	_ = c.SaveTraceConfig(ctx, "app-1", "aliyun", map[string]string{"license_key": "lic-123456789", "endpoint": "http://x", "app_name": "a"}, false)
	if err := c.DeleteTraceConfig(ctx, "app-1", "aliyun"); err != nil {
		t.Fatalf("old delete: %v", err)
	}
}
