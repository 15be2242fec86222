package fromcollector

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/pricing"
	"github.com/llmops/terraform-provider-llmops/internal/redact"
)

func spec() Spec {
	lf, _ := DecodeRef(EncodeRef(DestinationRef{Name: "langfuse", Config: platform.Config{Type: platform.Langfuse, Host: "https://cloud.langfuse.com", PublicKey: "pk-lf-1", Protocol: platform.HTTPProtobuf}, HasSecret: true}))
	tempo := DestinationRef{Name: "tempo", Config: platform.Config{Type: platform.OTLP, Endpoint: "http://tempo:4317", Protocol: platform.GRPC,
		Headers: map[string]string{"X-Scope-OrgID": "t1"}}, SecretHeaders: []string{"Authorization"}}
	return Spec{HTTPPort: 4318, GRPCPort: 4317, MetricsPort: 9464, Auth: true, SamplingRate: 0.25, KeepErrors: true, KeepSlowerThan: 30 * time.Second,
		Destinations: []Destination{{Ref: lf, Include: []string{"llm", "chain"}, Content: "none"}, {Ref: tempo, Overflow: "drop_oldest", MaxQueueBytes: 1 << 26}},
		Redaction:    redact.Config{Presets: []string{"email"}}, Prices: []pricing.Price{{Name: "qwen", Match: "^qwen:14b$"}}, Fsync: true, LogLevel: "info"}
}

func TestRenderIsWhatTheExporterReads(t *testing.T) {
	r, err := Render(spec())
	if err != nil {
		t.Fatal(err)
	}
	c, err := exporterconfig.Parse([]byte(r.YAML), "rendered")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if *c.Sampling.Rate != 0.25 || c.Receivers.OTLP.Auth.BearerTokenFile != "/run/secrets/otlp_token" || len(c.Destinations) != 2 {
		t.Fatalf("%+v", c)
	}
	lf := c.Destinations[0]
	if lf.SecretFile != "/run/secrets/langfuse" || lf.PublicKey != "pk-lf-1" || lf.Content != "none" || !reflect.DeepEqual(lf.Include, []string{"llm", "chain"}) {
		t.Fatalf("langfuse %+v", lf)
	}
	if c.Destinations[1].SecretHeaderFiles["Authorization"] != "/run/secrets/tempo-authorization" || c.Destinations[1].Queue.Overflow != "drop_oldest" {
		t.Fatalf("tempo %+v", c.Destinations[1])
	}
	if !reflect.DeepEqual(r.SecretFiles, []string{"langfuse", "otlp_token", "tempo-authorization"}) {
		t.Fatalf("secret files %v", r.SecretFiles)
	}
	again, _ := Render(spec())
	if again.YAML != r.YAML {
		t.Fatal("rendering is not deterministic")
	}
}

// The real binary accepts what Render produces (the issue asks for a test
// that the rendered config passes `llmops-exporter validate`).
func TestRenderedConfigPassesExporterValidate(t *testing.T) {
	r, err := Render(spec())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "llmops-exporter")
	if out, err := exec.Command("go", "build", "-o", bin, "../../../cmd/llmops-exporter").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(r.YAML), 0o600)
	if out, err := exec.Command(bin, "validate", "-c", cfg).CombinedOutput(); err != nil || !strings.Contains(string(out), "valid") {
		t.Fatalf("validate: %v\n%s", err, out)
	}
}

func TestRenderRejectsBadInput(t *testing.T) {
	s := spec()
	s.SamplingRate = 2
	if _, err := Render(s); err == nil || !strings.Contains(err.Error(), "sampling.rate") {
		t.Fatalf("got %v", err)
	}
	s = spec()
	s.Destinations[0].Include = []string{"generation"}
	if _, err := Render(s); err == nil || !strings.Contains(err.Error(), `unknown span kind "generation"`) {
		t.Fatalf("got %v", err)
	}
	if _, err := DecodeRef(`{"type":"langfuse"}`); err == nil {
		t.Fatal("a reference without a name must fail")
	}
}

func TestDifyEnv(t *testing.T) {
	env := DifyEnv("llmops-exporter", spec())
	want := map[string]string{"ENABLE_OTEL": "true", "OTEL_EXPORTER_TYPE": "otlp", "OTLP_BASE_ENDPOINT": "http://llmops-exporter:4318",
		"OTEL_EXPORTER_OTLP_PROTOCOL": "http", "OTEL_SAMPLING_RATE": "1.0"}
	if !reflect.DeepEqual(env, want) {
		t.Fatalf("%v", env)
	}
}

func TestCompressionLangfuseAndQueueMonitorReachTheExporter(t *testing.T) {
	s := spec()
	s.Destinations[0].Compression = "none"
	s.LangfuseIngest = true
	s.DifyQueues = &DifyQueues{RedisURL: "redis://redis:6379/1", Password: true}
	out, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := exporterconfig.Parse([]byte(out.YAML), "rendered")
	if err != nil {
		t.Fatal(err)
	}
	if c.Destinations[0].Compression != "none" || !c.Receivers.OTLP.Langfuse.Enabled || c.Receivers.OTLP.Langfuse.PublicKey != LangfusePublicKey ||
		c.Dify.PasswordFile != SecretsDir+"/"+DifyRedisPasswordFile {
		t.Fatalf("rendered: %+v %+v %+v", c.Destinations[0], c.Receivers.OTLP.Langfuse, c.Dify)
	}
	s.Destinations[0].Compression = "brotli"
	if _, err := Render(s); err == nil || !strings.Contains(err.Error(), "compression") {
		t.Fatalf("bad compression: %v", err)
	}
}
