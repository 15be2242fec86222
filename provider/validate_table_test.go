package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// validateCase is one plausible mistake: terraform validate must refuse it
// with exactly one error, highlighting the attribute to fix (at), with a
// message that says what to write instead (want).
type validateCase struct {
	name, config string
	at           string // text the error's source range must cover ("" for the block)
	want         string // regexp on summary + detail
	errors       int    // how many errors: 1 unless set
}

// validateCases span all ten resources. Secrets are absent: validate runs
// without variables, Grafana, Docker or Dify, as a CI's validate job does.
var validateCases = []validateCase{
	// llmops_collector
	{"collector keep_slower_than", `resource "llmops_collector" "x" {
  name             = "x"
  keep_slower_than = "soon"
}`, `keep_slower_than = "soon"`, `not a duration like 30s`, 0},
	{"collector price regexp", `resource "llmops_collector" "x" {
  name   = "x"
  prices = [{ match = "([", input = 1, output = 2 }]
}`, `match = "(["`, `(?s)prices\[0\]\.match.*regular expression`, 0},
	{"collector two mistakes stay two", `resource "llmops_collector" "x" {
  name             = "x"
  keep_slower_than = "soon"
  prices           = [{ match = "gpt-4o", input = -1, output = 2 }]
}`, `keep_slower_than = "soon"||input = -1`, `(?s)not a duration like 30s|prices\[0\]\.input.*must not be negative`, 2},
	{"collector sampling rate", `resource "llmops_collector" "x" {
  name          = "x"
  sampling_rate = 2
}`, `sampling_rate = 2`, `between 0\.000000 and 1\.000000`, 0},
	{"collector destination not a reference", `resource "llmops_collector" "x" {
  name         = "x"
  destinations = [{ tracing_provider = "langfuse" }]
}`, `tracing_provider = "langfuse"`, `(?s)destinations\[0\]\.tracing_provider.*llmops_tracing_provider\.<name>\.exporter_destination`, 0},
	{"collector same port twice", `resource "llmops_collector" "x" {
  name      = "x"
  grpc_port = 4318
}`, `grpc_port = 4318`, `4318`, 0},
	{"collector redaction pattern", `resource "llmops_collector" "x" {
  name            = "x"
  redaction_rules = [{ name = "r", pattern = "(a" }]
}`, `pattern = "(a"`, `(?s)redaction_rules\[0\]\.pattern`, 0},
	{"collector empty name", `resource "llmops_collector" "x" {
  name = ""
}`, `name = ""`, `lower-case letters`, 0},
	// llmops_tracing_provider
	{"tracing provider type typo", `resource "llmops_tracing_provider" "x" {
  name = "x"
  type = "langfuze"
}`, `type = "langfuze"`, `did you mean "langfuse"`, 0},
	{"tracing provider missing key", `resource "llmops_tracing_provider" "x" {
  name          = "x"
  type          = "langfuse"
  secret_key_wo = "sk-lf-1"
}`, ``, `public_key`, 0},
	{"tracing provider endpoint", `resource "llmops_tracing_provider" "x" {
  name     = "x"
  type     = "phoenix"
  endpoint = "phoenix:6006"
}`, `endpoint = "phoenix:6006"`, `http`, 0},
	{"tracing provider empty name", `resource "llmops_tracing_provider" "x" {
  name     = ""
  type     = "phoenix"
  endpoint = "http://phoenix:6006"
}`, `name     = ""`, `lower-case letters`, 0},
	// llmops_alert_rule_group
	{"rule availability as percent", `resource "llmops_alert_rule_group" "x" {
  name = "x"
  rule = [{ preset = "availability", threshold = 99.9 }]
}`, `threshold = 99.9`, `99\.9 % is 0\.999`, 0},
	{"rule memory as percent", `resource "llmops_alert_rule_group" "x" {
  name = "x"
  rule = [{ preset = "memory", threshold = 80 }]
}`, `threshold = 80`, `80 % is 0\.8`, 0},
	{"rule for", `resource "llmops_alert_rule_group" "x" {
  name = "x"
  rule = [{ preset = "p95_latency", for = "5 min" }]
}`, `for = "5 min"`, `(?s)rule\[0\]\.for.*like 30s, 5m`, 0},
	{"rule preset typo", `resource "llmops_alert_rule_group" "x" {
  name = "x"
  rule = [{ preset = "p95_latncy" }]
}`, `preset = "p95_latncy"`, `did you mean "p95_latency"`, 0},
	{"rule group folder without grafana_managed", `resource "llmops_alert_rule_group" "x" {
  name       = "x"
  folder_uid = "llm"
  rule       = [{ preset = "p95_latency" }]
}`, `folder_uid = "llm"`, `set grafana_managed = true`, 0},
	{"rule group grafana_managed without folder", `resource "llmops_alert_rule_group" "x" {
  name            = "x"
  grafana_managed = true
  rule            = [{ preset = "p95_latency" }]
}`, `grafana_managed = true`, `set folder_uid`, 0},
	{"rule group empty name", `resource "llmops_alert_rule_group" "x" {
  name = ""
  rule = [{ preset = "p95_latency" }]
}`, `name = ""`, `name`, 0},
	// llmops_notification_policy
	{"policy empty receiver", `resource "llmops_notification_policy" "x" {
  matchers = ["severity=\"critical\""]
  receiver = ""
}`, `receiver = ""`, `contact point's name`, 0},
	{"policy matcher", `resource "llmops_notification_policy" "x" {
  matchers = ["severity"]
  receiver = "oncall"
}`, `matchers = ["severity"]`, `not one label matcher like label="value"`, 0},
	{"policy repeat interval", `resource "llmops_notification_policy" "x" {
  matchers        = ["severity=\"critical\""]
  receiver        = "oncall"
  repeat_interval = "often"
}`, `repeat_interval = "often"`, `like 30s, 5m or 4h`, 0},
	// llmops_contact_point
	{"contact point type typo", `resource "llmops_contact_point" "x" {
  name = "x"
  type = "slak"
}`, `type = "slak"`, `did you mean "slack"`, 0},
	{"contact point email without addresses", `resource "llmops_contact_point" "x" {
  name = "x"
  type = "email"
}`, ``, `addresses`, 0},
	{"contact point empty name", `resource "llmops_contact_point" "x" {
  name      = ""
  type      = "email"
  addresses = ["a@example.com"]
}`, `name      = ""`, `name`, 0},
	// llmops_dashboard
	{"dashboard empty uid", `resource "llmops_dashboard" "x" {
  uid   = ""
  title = "x"
}`, `uid   = ""`, `uid`, 0},
	{"dashboard preset typo", `resource "llmops_dashboard" "x" {
  uid     = "x"
  title   = "x"
  presets = ["latncy"]
}`, `presets = ["latncy"]`, `did you mean "latency"`, 0},
	{"dashboard availability as percent", `resource "llmops_dashboard" "x" {
  uid                 = "x"
  title               = "x"
  availability_target = 99.9
}`, `availability_target = 99.9`, `0\.999`, 0},
	{"dashboard extra panel not an object", `resource "llmops_dashboard" "x" {
  uid          = "x"
  title        = "x"
  extra_panels = ["[1, 2]"]
}`, `extra_panels = ["[1, 2]"]`, `extra_panels`, 0},
	// llmops_folder
	{"folder empty title", `resource "llmops_folder" "x" {
  uid   = "x"
  title = ""
}`, `title = ""`, `title`, 0},
	{"folder uid too long", `resource "llmops_folder" "x" {
  uid   = "a-very-long-folder-uid-that-grafana-refuses-x"
  title = "x"
}`, `uid   = "a-very-long-folder-uid-that-grafana-refuses-x"`, `40`, 0},
	// llmops_dify_app_tracing
	{"dify tracing provider typo", `resource "llmops_dify_app_tracing" "x" {
  app_id           = "a1f0c2d4-0000-4000-8000-000000000001"
  tracing_provider = "langfuze"
  collector        = { ENABLE_OTEL = "true" }
}`, `tracing_provider = "langfuze"`, `did you mean "langfuse"`, 0},
	{"dify empty app id", `resource "llmops_dify_app_tracing" "x" {
  app_id           = ""
  tracing_provider = "phoenix"
  settings         = { project = "p", endpoint = "http://phoenix:6006" }
}`, `app_id           = ""`, `app_id`, 0},
	{"dify secret in settings", `resource "llmops_dify_app_tracing" "x" {
  app_id           = "a1f0c2d4-0000-4000-8000-000000000001"
  tracing_provider = "langfuse"
  settings         = { public_key = "pk-lf-1", secret_key = "sk-lf-1", host = "https://cloud.langfuse.com" }
}`, `secret_key = "sk-lf-1"`, `settings\.secret_key is a secret: give it as secret_wo`, 0},
	// llmops_exporter_image
	{"image tag", `resource "llmops_exporter_image" "x" {
  tag = "Bad Tag"
}`, `tag = "Bad Tag"`, `repository:tag`, 0},
	// llmops_replica_set
	{"replica set host ports collide", `resource "llmops_replica_set" "x" {
  name     = "x"
  image    = "llmops-exporter:1"
  replicas = 3
  ports = [
    { container_port = 9464, host_port = 19464 },
    { container_port = 4318, host_port = 19465 },
  ]
}`, `{ container_port = 4318, host_port = 19465 }`, `(?s)ports\[1\] binds host ports 19465-19467.*19465, 19466.*host_port = 19467`, 0},
	{"replica set mode typo", `resource "llmops_replica_set" "x" {
  name     = "x"
  image    = "llmops-exporter:1"
  replicas = 2
  mode     = "swam"
}`, `mode     = "swam"`, `did you mean "swarm"`, 0},
	{"replica set empty name", `resource "llmops_replica_set" "x" {
  name     = ""
  image    = "llmops-exporter:1"
  replicas = 1
}`, `name     = ""`, `name`, 0},
}

type validateOutput struct {
	Valid       bool `json:"valid"`
	Diagnostics []struct {
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
		Detail   string `json:"detail"`
		Snippet  *struct {
			Code           string `json:"code"`
			HighlightStart int    `json:"highlight_start_offset"`
			HighlightEnd   int    `json:"highlight_end_offset"`
		} `json:"snippet"`
	} `json:"diagnostics"`
}

// TestAccValidate_refusesMistakes runs the real CLI's validate over the
// cases with the built provider, as an infra repository's CI would.
func TestAccValidate_refusesMistakes(t *testing.T) {
	testAccPreCheck(t)
	tfrc := filepath.Join(t.TempDir(), "dev.tfrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"llmops/llmops\" = %q\n  }\n  direct {}\n}\n", builtProvider(t))
	if err := os.WriteFile(tfrc, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	resources := map[string]bool{}
	for _, c := range validateCases {
		resources[strings.Fields(c.config)[1]] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out := runValidate(t, tfrc, c.config)
			var errs []string
			for _, d := range out.Diagnostics {
				if d.Severity != "error" {
					continue
				}
				text := d.Summary + "\n" + d.Detail
				errs = append(errs, text)
				if !regexp.MustCompile(c.want).MatchString(text) {
					t.Errorf("message does not say %q:\n%s", c.want, text)
				}
				if d.Snippet == nil {
					t.Errorf("error has no source range: %s", text)
					continue
				}
				if !highlights(d.Snippet.Code, d.Snippet.HighlightStart, d.Snippet.HighlightEnd, c.at) {
					t.Errorf("error is on %q, want it on %q:\n%s", d.Snippet.Code, c.at, text)
				}
			}
			if want := max(c.errors, 1); len(errs) != want || out.Valid {
				t.Errorf("want %d error(s), got %d:\n%s", want, len(errs), strings.Join(errs, "\n---\n"))
			}
		})
	}
	if len(resources) != 10 {
		t.Errorf("cases cover %d resources, want all 10", len(resources))
	}
}

// highlights says whether the highlighted source covers at: the attribute
// itself, or the list element holding it (Terraform highlights no deeper),
// or, for at == "", the resource block (an attribute that is missing);
// "||" separates the places of several errors.
func highlights(code string, start, end int, at string) bool {
	h := code[start:end]
	if at == "" {
		return strings.HasPrefix(code, "resource ")
	}
	first := strings.TrimSpace(strings.Split(h, "\n")[0])
	for _, at := range strings.Split(at, "||") {
		if strings.Contains(h, at) || strings.Contains(code, at) && first != "" && first != "{" && strings.Contains(at, first) {
			return true
		}
	}
	return false
}

func runValidate(t *testing.T, tfrc, config string) validateOutput {
	t.Helper()
	dir := t.TempDir()
	main := "terraform {\n  required_providers {\n    llmops = { source = \"llmops/llmops\" }\n  }\n}\n\n" + config + "\n"
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), "validate", "-json", "-no-color")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+tfrc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	b, _ := cmd.Output()
	var out validateOutput
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("terraform validate -json: %v\n%s", err, b)
	}
	return out
}
