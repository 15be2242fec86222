package provider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestAccModule_terraformTest runs the environment module's own test suite
// (examples/modules/llmops-stack/tests: plan-only runs per environment and
// one apply on the local engine) with `terraform test` and the built
// provider, as a module's CI would.
func TestAccModule_terraformTest(t *testing.T) {
	testAccPreCheck(t)
	testAccDocker(t)
	root := t.TempDir()
	mod := filepath.Join(root, "llmops-stack")
	copyConfiguration(t, "../examples/modules/llmops-stack", mod)
	tfrc := filepath.Join(root, "dev.tfrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"llmops/llmops\" = %q\n  }\n  direct {}\n}\n", builtProvider(t))
	if err := os.WriteFile(tfrc, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := "tftest-" + runID
	cmd := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), "test", "-no-color")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+tfrc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"TF_VAR_environment="+env, "TF_VAR_exporter_binary="+staticExporter(t), "TF_VAR_output_dir="+filepath.Join(root, "out"))
	out, err := cmd.CombinedOutput()
	t.Logf("terraform test:\n%s", out)
	if err != nil {
		t.Fatalf("terraform test: %v", err)
	}
	if !regexp.MustCompile(`Success! [1-9]\d* passed, 0 failed`).Match(out) {
		t.Fatal("terraform test ran no run block")
	}
	// terraform test destroyed what the apply run created.
	if err := checkNothingLeft("llmops-"+env, "")(nil); err != nil {
		t.Error(err)
	}
}
