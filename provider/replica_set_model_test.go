package provider

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

func TestParseReplicaSetID(t *testing.T) {
	cases := []struct {
		id, project, name string
		ok                bool
	}{
		{"llmops-exporter", "", "llmops-exporter", true},
		{"docker/api", "docker", "api", true},
		{"my_proj/worker-2", "my_proj", "worker-2", true},
		{"Docker/api", "", "", false},
		{"docker/", "", "", false},
		{"/api", "", "", false},
		{"a/b/c", "", "", false},
		{"", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			project, name, ok := parseReplicaSetID(c.id)
			if ok != c.ok || (ok && (project != c.project || name != c.name)) {
				t.Errorf("got (%q, %q, %v), want (%q, %q, %v)", project, name, ok, c.project, c.name, c.ok)
			}
		})
	}
}

func TestReplicaSetModelID(t *testing.T) {
	cases := map[string]struct {
		project types.String
		want    types.String
	}{
		"no project":            {types.StringNull(), types.StringValue("api")},
		"project equal to name": {types.StringValue("api"), types.StringValue("api")},
		"another project":       {types.StringValue("docker"), types.StringValue("docker/api")},
		"project not known yet": {types.StringUnknown(), types.StringUnknown()},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m := replicaSetModel{Name: types.StringValue("api"), Project: c.project}
			if got := m.id(); !got.Equal(c.want) {
				t.Errorf("id %v, want %v", got, c.want)
			}
		})
	}
}

// TestReplicaSetModelToSpec: the model maps to a normalized spec, without
// Docker; secrets from configuration when given, else only their names.
func TestReplicaSetModelToSpec(t *testing.T) {
	ctx := context.Background()
	strs := func(vs ...string) types.List {
		out := make([]attr.Value, len(vs))
		for i, v := range vs {
			out[i] = types.StringValue(v)
		}
		return types.ListValueMust(types.StringType, out)
	}
	m := replicaSetModel{Name: types.StringValue("api"), Project: types.StringValue("docker"), Image: types.StringValue("img"),
		Replicas: types.Int64Value(3), Entrypoint: strs("/bin/sh", "-c"), Command: types.ListNull(types.StringType),
		Env: types.MapValueMust(types.StringType, map[string]attr.Value{"MODE": types.StringValue("api")}), EnvFile: types.StringValue("/x/.env"),
		StopGracePeriod: types.StringValue("30s"), WaitTimeout: types.StringValue("5m"), SecretFileNames: strs("SECRET_KEY"),
		ConfigFiles: types.MapNull(types.StringType), Labels: types.MapNull(types.StringType), Volumes: types.MapNull(types.StringType),
		Ports:       []portModel{{ContainerPort: types.Int64Value(5001)}},
		Healthcheck: &healthModel{Test: strs("CMD", "true"), Interval: types.StringValue("1s")},
		Update:      &updateModel{Order: types.StringValue("start-first")}}
	var diags diag.Diagnostics
	s := m.spec(ctx, nil, &diags)
	if diags.HasError() {
		t.Fatal(diags)
	}
	checks := map[string]bool{
		"project and name":            s.Project == "docker" && s.Name == "api",
		"entrypoint":                  len(s.Entrypoint) == 2,
		"env file path":               s.EnvFile == "/x/.env" && s.FileEnv == nil,
		"grace and wait":              s.StopGrace == 30*time.Second && s.WaitTimeout == 5*time.Minute,
		"secret names without values": len(s.SecretFiles) == 1 && s.SecretFiles["SECRET_KEY"] == "",
		"restart default":             s.RestartPolicy == replicaset.DefaultRestartPolicy,
		"parallelism default":         s.Parallelism == 1,
		"port protocol default":       s.Ports[0].Protocol == "tcp",
		"health retries default":      s.Health.Retries == replicaset.DefaultHealthRetries && s.Health.Interval == time.Second,
		"start-first":                 s.StartFirst,
	}
	for name, ok := range checks {
		t.Run(name, func(t *testing.T) {
			if !ok {
				t.Errorf("%+v", s)
			}
		})
	}
	if got := m.spec(ctx, map[string]string{"SECRET_KEY": "v"}, &diags); got.SecretFiles["SECRET_KEY"] != "v" || got.Hash() != s.Hash() {
		t.Error("configuration secrets are used, and their values never change the hash")
	}
}
