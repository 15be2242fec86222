package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccMake_quickstartThenDestroyLeavesNothing runs `make quickstart` and
// `make quickstart-destroy` as a new user would, in a clone of this
// repository (never the user's own examples/quickstart), with its own
// names, and checks that afterwards `git status --ignored` shows nothing
// but build outputs (bin/), and that the quickstart printed its summary,
// not the whole plan.
func TestAccMake_quickstartThenDestroyLeavesNothing(t *testing.T) {
	testAccDocker(t)
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("SKIPPED LOUDLY: TF_ACC_TERRAFORM_PATH is not set (make test sets it)")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	clone := t.TempDir()
	git := func(dir string, args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git(repo, "clone", "--quiet", "--no-hardlinks", repo, clone)
	// Uncommitted changes to tracked files travel too (a developer's run).
	if diff := git(repo, "diff", "HEAD", "--binary"); diff != "" {
		cmd := exec.Command("git", "-C", clone, "apply", "--whitespace=nowarn", "-")
		cmd.Stdin = strings.NewReader(diff + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git apply: %v\n%s", err, out)
		}
	}
	name := accName("llmops-mk")
	t.Cleanup(func() {
		if err := checkNothingLeft(name, "")(nil); err != nil {
			t.Error(err)
		}
	})
	makeIn := func(target string) string {
		t.Helper()
		cmd := exec.Command("make", "--no-print-directory", target, "TERRAFORM="+tf, "PLUGIN_DIR="+filepath.Join(clone, "bin", "plugins"))
		cmd.Dir = clone
		cmd.Env = append(os.Environ(), "TF_VAR_name="+name, "TF_VAR_exporter_binary="+staticExporter(t), "CHECKPOINT_DISABLE=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make %s: %v\n%s", target, err, out)
		}
		return string(out)
	}
	out := makeIn("quickstart")
	defer func() {
		if t.Failed() {
			_ = exec.Command("make", "-C", clone, "quickstart-destroy", "TERRAFORM="+tf).Run()
		}
	}()
	if !strings.Contains(out, "Apply complete!") || strings.Contains(out, "will be created") || !strings.Contains(out, "Quickstart fleet: 3 of 3 replicas healthy") {
		t.Fatalf("make quickstart printed the plan, or no summary:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n > 80 {
		t.Errorf("make quickstart printed %d lines; the summary should fit a screen:\n%s", n, out)
	}
	makeIn("quickstart-destroy")
	var left []string
	for _, line := range strings.Split(git(clone, "status", "--ignored", "--porcelain"), "\n") {
		if line != "" && !strings.HasSuffix(line, " bin/") && !strings.Contains(line, " bin/") {
			left = append(left, line)
		}
	}
	if len(left) > 0 {
		t.Fatalf("make quickstart-destroy left, besides bin/:\n%s", strings.Join(left, "\n"))
	}
}
