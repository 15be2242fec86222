package exporterconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func TestDefaults(t *testing.T) {
	c, err := Parse(nil, "empty.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Receivers.OTLP.HTTP.Endpoint != ":4318" || c.Receivers.OTLP.GRPC.Endpoint != ":4317" || c.Metrics.Endpoint != ":9464" {
		t.Fatalf("ports: %+v", c.Receivers)
	}
	if *c.Sampling.Rate != 1 || !*c.Sampling.KeepErrors || time.Duration(c.Sampling.DecisionWait) != 5*time.Second {
		t.Fatalf("sampling: %+v", c.Sampling)
	}
}

func TestFullFile(t *testing.T) {
	src := `
receivers:
  otlp:
    http: {endpoint: "127.0.0.1:14318"}
    grpc: {enabled: false}
    auth: {bearer_token_env: MY_TOKEN}
    max_request_bytes: 4096
metrics: {endpoint: "127.0.0.1:19464", max_label_values: 50}
sampling:
  rate: 0.25
  keep_errors: false
  keep_slower_than: 30s
prices:
  overrides:
    - {name: local qwen, match: '^qwen:14b$', input: 0.1, output: 0.2}
log: {level: debug, format: text}
`
	c, err := Parse([]byte(src), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Receivers.OTLP.GRPC.On() || !c.Receivers.OTLP.HTTP.On() || *c.Sampling.Rate != 0.25 || *c.Sampling.KeepErrors ||
		time.Duration(c.Sampling.KeepSlowerThan) != 30*time.Second || c.Prices.Overrides[0].Output != 0.2 {
		t.Fatalf("parsed %+v", c)
	}
	tok, err := c.BearerToken(func(k string) string { return map[string]string{"MY_TOKEN": "s3cret"}[k] })
	if err != nil || tok != "s3cret" {
		t.Fatalf("token %q %v", tok, err)
	}
}

func TestUnknownKeyNamesKeyAndLine(t *testing.T) {
	_, err := Parse([]byte("receivers:\n  otlp:\n    htp: {}\n"), "bad.yaml")
	if err == nil || !strings.Contains(err.Error(), `bad.yaml: line 3: unknown key "htp" in receivers.otlp`) {
		t.Fatalf("got %v", err)
	}
	_, err = Parse([]byte("sampling:\n  rate: 0.5\n  keep_slower_then: 1s\n"), "bad.yaml")
	if err == nil || !strings.Contains(err.Error(), `line 3: unknown key "keep_slower_then" in sampling`) {
		t.Fatalf("got %v", err)
	}
	_, err = Parse([]byte("sampling:\n  keep_slower_than: soon\n"), "bad.yaml")
	if err == nil || !strings.Contains(err.Error(), `line 2: "soon" is not a duration`) {
		t.Fatalf("got %v", err)
	}
	_, err = Parse([]byte("sampling: [1, 2]\n"), "bad.yaml")
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("got %v", err)
	}
}

func TestValidateNamesEveryKey(t *testing.T) {
	src := `
receivers:
  otlp:
    http: {endpoint: "localhost"}
    auth: {bearer_token: a, bearer_token_file: b}
    max_request_bytes: 10
sampling: {rate: 1.5}
prices:
  overrides: [{match: "("}]
log: {level: loud}
dify: {redis_url: "redis://:pw@redis:6379/1?dial_timeout=3s"}
`
	c, err := Parse([]byte(src), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	for _, want := range []string{"receivers.otlp.http.endpoint", "receivers.otlp.auth", "receivers.otlp.max_request_bytes",
		"sampling.rate", "prices.overrides[0].match", "log.level", `dify.redis_url: unknown option "dial_timeout"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error naming %s, got %v", want, err)
		}
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	c := Defaults()
	env := map[string]string{EnvSamplingRate: "0.1", EnvAPIKey: "k", EnvHTTPEndpoint: "0.0.0.0:5318", EnvLogLevel: "warn"}
	if err := c.ApplyEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if *c.Sampling.Rate != 0.1 || c.Receivers.OTLP.Auth.BearerToken != "k" || c.Receivers.OTLP.HTTP.Endpoint != "0.0.0.0:5318" || c.Log.Level != "warn" {
		t.Fatalf("%+v", c)
	}
	if err := c.ApplyEnv(func(k string) string { return map[string]string{EnvSamplingRate: "ten%"}[k] }); err == nil || !strings.Contains(err.Error(), EnvSamplingRate) {
		t.Fatalf("bad rate: %v", err)
	}
}

func TestLoadAndTokenFile(t *testing.T) {
	dir := t.TempDir()
	tok := filepath.Join(dir, "token")
	os.WriteFile(tok, []byte("from-file\n"), 0o400)
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("receivers:\n  otlp:\n    auth:\n      bearer_token_file: "+tok+"\n"), 0o600)
	c, err := Load(cfg, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.BearerToken(noEnv); err != nil || got != "from-file" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), noEnv); err == nil {
		t.Fatal("missing file must fail")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("receivers:\n  otlp:\n    http: {endpoint: ':4318'}\n"))
	f.Add([]byte("sampling: {rate: 0.5, keep_slower_than: 3s}\nprices: {overrides: [{match: 'x', input: 1}]}\n"))
	f.Add([]byte("log: [\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err != nil {
			return
		}
		_ = c.Validate() // must not panic
	})
}

// The documented example must stay valid.
func TestExampleConfigIsValid(t *testing.T) {
	data, err := os.ReadFile("../../examples/exporter/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "examples/exporter/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if *c.Sampling.Rate != 0.1 || len(c.Prices.Overrides) != 2 || len(c.Destinations) != 9 || len(c.Redaction.Rules) != 2 {
		t.Fatalf("example not read as documented: %+v", c.Sampling)
	}
}

func TestDestinations(t *testing.T) {
	src := `
queue: {directory: /tmp/q, fsync: false}
redaction: {presets: [email]}
destinations:
  - name: langfuse
    type: langfuse
    public_key: pk-lf-1
    secret_env: LF_SECRET
    include: [llm, chain]
    content: none
  - name: tempo
    type: otlp
    endpoint: http://tempo:4317
    protocol: grpc
    secret_header_env: {authorization: TEMPO_AUTH}
    queue: {max_bytes: 1048576, overflow: drop_oldest}
  - name: debug
    type: console
`
	c, err := Parse([]byte(src), "d.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	lf := c.Destinations[0]
	if lf.Batch.MaxSpans != 512 || lf.Queue.Overflow != "refuse" || time.Duration(lf.Retry.Max) != 30*time.Second || *c.Queue.Fsync {
		t.Fatalf("defaults %+v", lf)
	}
	env := map[string]string{"LF_SECRET": "sk-lf-2", "TEMPO_AUTH": "Bearer t"}
	sec, err := lf.Secrets(func(k string) string { return env[k] })
	if err != nil || sec.Key != "sk-lf-2" {
		t.Fatalf("%+v %v", sec, err)
	}
	sec, _ = c.Destinations[1].Secrets(func(k string) string { return env[k] })
	if sec.Headers["authorization"] != "Bearer t" {
		t.Fatalf("%+v", sec)
	}
	if _, err := lf.Secrets(noEnv); err == nil || !strings.Contains(err.Error(), "LF_SECRET is empty") || strings.Contains(err.Error(), "sk-lf") {
		t.Fatalf("missing secret: %v", err)
	}
}

func TestDestinationErrorsNameThePath(t *testing.T) {
	src := `
redaction: {presets: [ssn]}
destinations:
  - {name: Bad Name, type: langfuse}
  - {name: ls, type: langsmith, project: p, endpoint: "http://x", secret_env: K, include: [generation], content: some}
  - {name: ls, type: phoenix, queue: {overflow: block}}
`
	c, err := Parse([]byte(src), "d.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	for _, want := range []string{"redaction.presets[0]", "destinations[0].name", "destinations[0].public_key: is required",
		`destinations[0]: type "langfuse" needs its secret_key`, "destinations[1].endpoint: must use https://",
		`destinations[1]: unknown span kind "generation"`, "destinations[1].content", `destinations[2].name: "ls" is used twice`,
		"destinations[2].queue.overflow"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
	_, err = Parse([]byte("destinations:\n  - name: x\n    type: otlp\n    endpoint: http://a\n    batch: {max_span: 3}\n"), "d.yaml")
	if err == nil || !strings.Contains(err.Error(), `line 5: unknown key "max_span" in destinations[].batch`) {
		t.Fatalf("got %v", err)
	}
}

// Two listeners on one port would fail at start ("address already in use"):
// the validator says so first, on the later listener.
func TestValidatePortCollisions(t *testing.T) {
	for _, c := range []struct {
		http, grpc, metrics string
		want                string
	}{
		{":4318", ":4318", ":9464", "receivers.otlp.grpc.endpoint: port 4318 is already receivers.otlp.http.endpoint's"},
		{":4318", ":4317", "0.0.0.0:4317", "metrics.endpoint: port 4317 is already receivers.otlp.grpc.endpoint's"},
		{"127.0.0.1:4318", "10.0.0.1:4318", ":9464", ""},
		{":4318", ":4317", ":9464", ""},
		{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", ""},
	} {
		cfg := Defaults()
		on := true
		cfg.Receivers.OTLP.HTTP.Endpoint, cfg.Receivers.OTLP.GRPC.Endpoint, cfg.Metrics.Endpoint = c.http, c.grpc, c.metrics
		cfg.Receivers.OTLP.HTTP.Enabled, cfg.Receivers.OTLP.GRPC.Enabled = &on, &on
		err := cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: want %q, got %v", c, c.want, err)
		}
	}
}
