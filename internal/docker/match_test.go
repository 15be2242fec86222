package docker

import (
	"strings"
	"testing"

	"github.com/llmops/terraform-provider-llmops/internal/replicaset"
)

// A replica recreated by hand with other environment or labels no longer
// matches its spec, even when it carries the right spec-hash label.
func TestMatchingRules(t *testing.T) {
	env := []string{"PATH=/usr/bin", "LOG=info", "MODE=a"}
	if !envContains(env, map[string]string{"LOG": "info"}) || envContains(env, map[string]string{"LOG": "debug"}) ||
		envContains(env, map[string]string{"MISSING": "x"}) {
		t.Fatal("envContains")
	}
	labels := map[string]string{"team": "ml", LabelService: "x"}
	if !labelsContain(labels, map[string]string{"team": "ml"}) || labelsContain(labels, map[string]string{"team": "web"}) {
		t.Fatal("labelsContain")
	}
	a := replicaset.Spec{Name: "x", Image: "i", Env: map[string]string{"A": "1"}, SecretFiles: map[string]string{"k": "secret-1"}, Replicas: 2}
	b := a
	b.SecretFiles = map[string]string{"k": "secret-2"}
	b.Replicas = 5
	if a.Hash() != b.Hash() {
		t.Fatal("secret values and replica count must not change the spec hash")
	}
	b.SecretsVersion = 1
	if a.Hash() == b.Hash() {
		t.Fatal("secret_files_wo_version must change the spec hash")
	}
	c := a
	c.Env = map[string]string{"A": "2"}
	if a.Hash() == c.Hash() {
		t.Fatal("environment must change the spec hash")
	}
}

func TestCheckTag(t *testing.T) {
	for tag, ok := range map[string]bool{
		"llmops-exporter:1.2.0": true, "llmops-exporter": true, "registry.local:5000/team/exporter:v1": true,
		"Bad Tag": false, "Upper:1": false, "exporter:": false, "exporter@sha256:" + strings.Repeat("a", 64): false,
	} {
		if err := CheckTag(tag); (err == nil) != ok {
			t.Errorf("CheckTag(%q) = %v, want ok=%v", tag, err, ok)
		}
	}
}
