package settings

import (
	"errors"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func ptr[T any](v T) *T { return &v }

func TestNothingConfiguredIsValid(t *testing.T) {
	s, errs := Resolve(Input{}, env(nil))
	if len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	if s.Docker().Host != DefaultDockerHost {
		t.Fatalf("docker default: %q", s.Docker().Host)
	}
	_, err := s.Grafana()
	var mb *MissingBlockError
	if !errors.As(err, &mb) || !strings.Contains(err.Error(), `"grafana" block`) || !strings.Contains(err.Error(), EnvGrafanaURL) {
		t.Fatalf("missing grafana error should name block and env: %v", err)
	}
	want := "set the environment variables DIFY_CONSOLE_URL, DIFY_EMAIL and DIFY_PASSWORD, or DIFY_CONSOLE_URL, DIFY_ADMIN_API_KEY and DIFY_WORKSPACE_ID"
	if _, err := s.Dify(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("missing dify error should name the alternatives: %v", err)
	}
}

func TestBlockWinsOverEnvironment(t *testing.T) {
	s, errs := Resolve(Input{GrafanaURL: ptr("https://block.example/"), DockerHost: ptr("tcp://10.0.0.1:2376")},
		env(map[string]string{EnvGrafanaURL: "https://env.example", EnvGrafanaAuth: "admin:admin", EnvGrafanaOrgID: "3", EnvDockerHost: "unix:///env.sock"}))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	g, err := s.Grafana()
	if err != nil || g.URL != "https://block.example" || g.Auth != "admin:admin" || g.OrgID != 3 {
		t.Fatalf("grafana: %+v %v", g, err)
	}
	if u, p, ok := g.BasicAuth(); !ok || u != "admin" || p != "admin" {
		t.Fatal("basic auth split")
	}
	if s.Docker().Host != "tcp://10.0.0.1:2376" {
		t.Fatalf("docker: %+v", s.Docker())
	}
}

func TestErrorsNameTheAttribute(t *testing.T) {
	cases := []struct {
		in   Input
		env  map[string]string
		path string
	}{
		{Input{GrafanaURL: ptr("grafana.local")}, map[string]string{EnvGrafanaAuth: "t"}, "grafana.url"},
		{Input{GrafanaURL: ptr("http://g")}, nil, "grafana.auth"},
		{Input{GrafanaURL: ptr("http://g"), GrafanaAuth: ptr("t"), GrafanaOrgID: ptr(int64(0))}, nil, "grafana.org_id"},
		{Input{}, map[string]string{EnvGrafanaURL: "http://g", EnvGrafanaAuth: "t", EnvGrafanaOrgID: "x"}, "grafana.org_id"},
		{Input{DockerHost: ptr("/var/run/docker.sock")}, nil, "docker.host"},
		{Input{DifyEmail: ptr("a@b.c")}, nil, "dify.console_url"},
		{Input{DifyConsoleURL: ptr("http://dify")}, nil, "dify.password"},
	}
	for _, c := range cases {
		_, errs := Resolve(c.in, env(c.env))
		found := false
		for _, e := range errs {
			found = found || e.Path == c.path
		}
		if !found {
			t.Errorf("want an error on %s, got %v", c.path, errs)
		}
	}
}
