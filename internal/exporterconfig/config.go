// Package exporterconfig is llmops-exporter's configuration: a strict YAML
// file (an unknown key is an error naming the key and its line), defaults for
// everything, and environment overrides under the names Dify users know.
package exporterconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/llmops/terraform-provider-llmops/internal/pricing"
	"github.com/llmops/terraform-provider-llmops/internal/redact"
	"github.com/llmops/terraform-provider-llmops/internal/resp"
)

// Config is the whole exporter configuration.
type Config struct {
	Receivers    Receivers     `yaml:"receivers"`
	Metrics      Metrics       `yaml:"metrics"`
	TraceContext TraceContext  `yaml:"trace_context"`
	Dify         Dify          `yaml:"dify"`
	Sampling     Sampling      `yaml:"sampling"`
	Prices       Prices        `yaml:"prices"`
	Redaction    redact.Config `yaml:"redaction"`
	Queue        QueueStore    `yaml:"queue"`
	Destinations []Destination `yaml:"destinations"`
	Log          Log           `yaml:"log"`
	Admin        Admin         `yaml:"admin"`
}

// Receivers configures ingest.
type Receivers struct {
	OTLP OTLP `yaml:"otlp"`
}

// OTLP configures the OTLP receivers.
type OTLP struct {
	HTTP Listener `yaml:"http"`
	GRPC Listener `yaml:"grpc"`
	Auth Auth     `yaml:"auth"`
	// Langfuse also serves Langfuse's ingest API on the HTTP listener, for
	// Dify's Langfuse provider (host = the exporter).
	Langfuse LangfuseIngest `yaml:"langfuse"`
	// MaxRequestBytes bounds a request body, after decompression.
	MaxRequestBytes int64 `yaml:"max_request_bytes"`
	// MaxInFlightBytes bounds the request bytes held in memory at once over
	// both receivers; beyond it senders get 429 / RESOURCE_EXHAUSTED before
	// their bodies are read. 0: a quarter of the container's memory limit,
	// or 64 MiB when there is none (see memlimit).
	MaxInFlightBytes int64 `yaml:"max_in_flight_bytes,omitempty"`
	// ReadTimeout bounds reading one HTTP request, headers and body: a
	// client dripping its body is cut off.
	ReadTimeout Duration `yaml:"read_timeout"`
	// WriteTimeout bounds one HTTP request from the end of its headers to
	// the end of the answer (processing and the durable enqueue included).
	WriteTimeout Duration `yaml:"write_timeout"`
	// IdleTimeout closes keep-alive HTTP connections and gRPC connections
	// that carry no request for this long.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// MaxConcurrentStreams bounds the gRPC calls in flight per connection.
	MaxConcurrentStreams uint32 `yaml:"max_concurrent_streams"`
}

// Listener is one receiver's address.
type Listener struct {
	Enabled  *bool  `yaml:"enabled"`
	Endpoint string `yaml:"endpoint"`
}

// On reports whether the listener is enabled (default true).
func (l Listener) On() bool { return l.Enabled == nil || *l.Enabled }

// Auth is optional bearer-token auth on both receivers. At most one source.
type Auth struct {
	BearerToken     string `yaml:"bearer_token"`
	BearerTokenFile string `yaml:"bearer_token_file"`
	BearerTokenEnv  string `yaml:"bearer_token_env"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	Endpoint       string `yaml:"endpoint"`
	MaxLabelValues int    `yaml:"max_label_values"`
	MaxOTLPSeries  int    `yaml:"max_otlp_series"`
	// LatencyBuckets overrides llm_request_duration_seconds' boundaries
	// (seconds, increasing); empty keeps the default, dense around 5 s.
	LatencyBuckets []float64 `yaml:"latency_buckets"`
	// NativeHistograms also exposes llm_request_duration_seconds as a
	// Prometheus native histogram (default true; about 100 ns per call).
	NativeHistograms *bool `yaml:"native_histograms"`
}

// Sampling configures the sampler.
type Sampling struct {
	Rate       *float64 `yaml:"rate"`
	KeepErrors *bool    `yaml:"keep_errors"`
	// KeepAuditFailures keeps traces with a failed audited operation
	// (audit.status failure/failed/denied/error); default true.
	KeepAuditFailures *bool    `yaml:"keep_audit_failures"`
	KeepSlowerThan    Duration `yaml:"keep_slower_than"`
	DecisionWait      Duration `yaml:"decision_wait"`
	MaxBufferedSpans  int      `yaml:"max_buffered_spans"`
}

// Prices holds operator price overrides (USD per million tokens).
type Prices struct {
	Overrides []pricing.Price `yaml:"overrides"`
}

// Log configures structured logging.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Duration is a time.Duration written as "5s" in YAML.
type Duration time.Duration

// UnmarshalYAML parses Go duration syntax.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 500ms, 5s or 1m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the Go duration syntax.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Defaults returns a configuration with every default filled.
func Defaults() *Config {
	c := &Config{}
	c.fillDefaults()
	return c
}

func (c *Config) fillDefaults() {
	o := &c.Receivers.OTLP
	setDefault(&o.HTTP.Endpoint, ":4318")
	setDefault(&o.GRPC.Endpoint, ":4317")
	if o.MaxRequestBytes == 0 {
		o.MaxRequestBytes = 16 << 20
	}
	for p, d := range map[*Duration]time.Duration{&o.ReadTimeout: 30 * time.Second, &o.WriteTimeout: 30 * time.Second, &o.IdleTimeout: 2 * time.Minute} {
		if *p == 0 {
			*p = Duration(d)
		}
	}
	if o.MaxConcurrentStreams == 0 {
		o.MaxConcurrentStreams = 100
	}
	setDefault(&o.Langfuse.ProjectID, "llmops-exporter")
	setDefault(&o.Langfuse.ProjectName, "llmops-exporter")
	setDefault(&c.Metrics.Endpoint, ":9464")
	if c.Metrics.MaxLabelValues == 0 {
		c.Metrics.MaxLabelValues = 1000
	}
	if c.Metrics.MaxOTLPSeries == 0 {
		c.Metrics.MaxOTLPSeries = 10000
	}
	if c.Metrics.NativeHistograms == nil {
		yes := true
		c.Metrics.NativeHistograms = &yes
	}
	tc := &c.TraceContext
	for p, d := range map[*Duration]time.Duration{&tc.Wait: 30 * time.Second, &tc.TTL: 5 * time.Minute} {
		if *p == 0 {
			*p = Duration(d)
		}
	}
	for p, d := range map[*int]int{&tc.MaxTraces: 50000, &tc.MaxHeldCalls: 100000} {
		if *p == 0 {
			*p = d
		}
	}
	s := &c.Sampling
	if s.Rate == nil {
		one := 1.0
		s.Rate = &one
	}
	if s.KeepErrors == nil {
		yes := true
		s.KeepErrors = &yes
	}
	if s.KeepAuditFailures == nil {
		yes := true
		s.KeepAuditFailures = &yes
	}
	if s.DecisionWait == 0 {
		s.DecisionWait = Duration(5 * time.Second)
	}
	if s.MaxBufferedSpans == 0 {
		s.MaxBufferedSpans = 50000
	}
	setDefault(&c.Log.Level, "info")
	setDefault(&c.Log.Format, "json")
	c.fillDestinationDefaults()
}

func setDefault(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

// Load reads, parses, applies the environment and validates a file.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	if err := c.ApplyEnv(getenv); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

var unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type exporterconfig\.(\w+)`)

// sections maps Go types to the YAML path users see in errors.
var sections = map[string]string{
	"Config": "the top level", "Receivers": "receivers", "OTLP": "receivers.otlp", "Listener": "receivers.otlp.http/grpc",
	"Auth": "receivers.otlp.auth", "Metrics": "metrics", "Sampling": "sampling", "Prices": "prices", "Log": "log", "Price": "prices.overrides[]",
	"Destination": "destinations[]", "Batch": "destinations[].batch", "DestinationQueue": "destinations[].queue", "Retry": "destinations[].retry",
	"QueueStore": "queue", "TraceContext": "trace_context", "Dify": "dify", "LangfuseIngest": "receivers.otlp.langfuse", "Admin": "admin",
}

// Parse decodes data strictly and fills defaults. name prefixes errors.
func Parse(data []byte, name string) (*Config, error) {
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %s", name, friendlyYAMLError(err))
	}
	c.fillDefaults()
	return c, nil
}

func friendlyYAMLError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n")
	msg = unknownField.ReplaceAllStringFunc(msg, func(m string) string {
		p := unknownField.FindStringSubmatch(m)
		section := sections[p[3]]
		if section == "" && p[3] == "Price" {
			section = "prices.overrides[]"
		}
		return fmt.Sprintf("line %s: unknown key %q in %s", p[1], p[2], section)
	})
	msg = strings.NewReplacer("exporterconfig.", "", "redact.Config", "redaction", "redact.Rule", "redaction.rules[]").Replace(msg)
	return strings.TrimSpace(strings.ReplaceAll(msg, "\n  ", "; "))
}

// Environment variables that override the file.
const (
	EnvSamplingRate    = "OTEL_SAMPLING_RATE" // as Dify names it
	EnvAPIKey          = "OTLP_API_KEY"       // Dify sends it as "Authorization: Bearer"
	EnvHTTPEndpoint    = "LLMOPS_HTTP_ENDPOINT"
	EnvGRPCEndpoint    = "LLMOPS_GRPC_ENDPOINT"
	EnvMetricsEndpoint = "LLMOPS_METRICS_ENDPOINT"
	EnvLogLevel        = "LLMOPS_LOG_LEVEL"
	EnvLogFormat       = "LLMOPS_LOG_FORMAT"
)

// ApplyEnv overrides file values with the environment.
func (c *Config) ApplyEnv(getenv func(string) string) error {
	if v := getenv(EnvSamplingRate); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("%s: %q is not a number", EnvSamplingRate, v)
		}
		c.Sampling.Rate = &r
	}
	if v := getenv(EnvAPIKey); v != "" {
		c.Receivers.OTLP.Auth = Auth{BearerToken: v}
	}
	for env, p := range map[string]*string{EnvHTTPEndpoint: &c.Receivers.OTLP.HTTP.Endpoint, EnvGRPCEndpoint: &c.Receivers.OTLP.GRPC.Endpoint,
		EnvMetricsEndpoint: &c.Metrics.Endpoint, EnvLogLevel: &c.Log.Level, EnvLogFormat: &c.Log.Format} {
		if v := getenv(env); v != "" {
			*p = v
		}
	}
	return nil
}

// Validate reports every problem at once, each naming its key.
func (c *Config) Validate() error {
	var errs []string
	add := func(key, format string, args ...any) { errs = append(errs, key+": "+fmt.Sprintf(format, args...)) }
	o := c.Receivers.OTLP
	if !o.HTTP.On() && !o.GRPC.On() {
		add("receivers.otlp", "enable at least one of http and grpc")
	}
	for key, ep := range map[string]string{"receivers.otlp.http.endpoint": o.HTTP.Endpoint, "receivers.otlp.grpc.endpoint": o.GRPC.Endpoint, "metrics.endpoint": c.Metrics.Endpoint} {
		if err := checkAddr(ep); err != nil {
			add(key, "%v", err)
		}
	}
	errs = append(errs, portCollisions(o, c.Metrics.Endpoint)...)
	if o.MaxRequestBytes < 1024 {
		add("receivers.otlp.max_request_bytes", "must be at least 1024")
	}
	if o.MaxInFlightBytes != 0 && o.MaxInFlightBytes < 1<<20 {
		add("receivers.otlp.max_in_flight_bytes", "must be at least 1048576 (1 MiB), or 0 for the default")
	}
	for _, t := range []struct {
		key string
		d   Duration
	}{{"receivers.otlp.read_timeout", o.ReadTimeout}, {"receivers.otlp.write_timeout", o.WriteTimeout}, {"receivers.otlp.idle_timeout", o.IdleTimeout}} {
		if t.d < Duration(time.Second) {
			add(t.key, "must be at least 1s, got %s", time.Duration(t.d))
		}
	}
	n := 0
	for _, v := range []string{o.Auth.BearerToken, o.Auth.BearerTokenFile, o.Auth.BearerTokenEnv} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		add("receivers.otlp.auth", "set only one of bearer_token, bearer_token_file, bearer_token_env")
	}
	if c.Admin.TokenFile != "" && c.Admin.TokenEnv != "" {
		add("admin", "set only one of token_file, token_env")
	}
	if c.Metrics.MaxLabelValues < 1 || c.Metrics.MaxOTLPSeries < 1 {
		add("metrics", "max_label_values and max_otlp_series must be positive")
	}
	if d := c.Dify; d.RedisURL != "" {
		if _, err := resp.ParseURL(d.RedisURL, 1); err != nil { // what the monitor will parse
			add("dify.redis_url", "%s; want redis://[:password@]host:port[/db] or rediss://... (Dify's CELERY_BROKER_URL)", err)
		}
		if d.PasswordFile != "" && d.PasswordEnv != "" {
			add("dify", "set only one of password_file and password_env")
		}
		if d.Interval < 0 {
			add("dify.interval", "must not be negative")
		}
	}
	if tc := c.TraceContext; tc.Wait < 0 || tc.TTL < 0 || tc.MaxTraces < 0 || tc.MaxHeldCalls < 0 {
		add("trace_context", "durations and sizes must not be negative")
	}
	for i, b := range c.Metrics.LatencyBuckets {
		if b <= 0 || b != b || (i > 0 && b <= c.Metrics.LatencyBuckets[i-1]) {
			add("metrics.latency_buckets", "boundaries must be positive and strictly increasing (entry %d is %v)", i, b)
			break
		}
	}
	if r := *c.Sampling.Rate; r < 0 || r > 1 || r != r {
		add("sampling.rate", "must be between 0 and 1, got %v", r)
	}
	if c.Sampling.KeepSlowerThan < 0 || c.Sampling.DecisionWait < 0 {
		add("sampling", "durations must not be negative")
	}
	if c.Sampling.MaxBufferedSpans < 0 {
		add("sampling.max_buffered_spans", "must not be negative")
	}
	if _, err := pricing.New(c.Prices.Overrides); err != nil {
		errs = append(errs, err.Error())
	}
	if _, err := redact.New(c.Redaction); err != nil {
		errs = append(errs, err.Error())
	}
	errs = append(errs, c.validateDestinations()...)
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		add("log.format", "must be json or text, got %q", c.Log.Format)
	}
	if len(errs) > 0 {
		return newValidationError(errs)
	}
	return nil
}

// portCollisions reports a listener whose address another listener already
// binds: the exporter would fail at start with "address already in use".
func portCollisions(o OTLP, metrics string) []string {
	var errs []string
	type bound struct{ key, host string }
	seen := map[string]bound{}
	for _, l := range []struct {
		key, ep string
		on      bool
	}{{"receivers.otlp.http.endpoint", o.HTTP.Endpoint, o.HTTP.On()}, {"receivers.otlp.grpc.endpoint", o.GRPC.Endpoint, o.GRPC.On()},
		{"metrics.endpoint", metrics, true}} {
		host, port, err := net.SplitHostPort(l.ep)
		if !l.on || err != nil || port == "0" { // 0: the kernel picks a free port
			continue
		}
		if b, ok := seen[port]; ok && (b.host == host || wildcard(b.host) || wildcard(host)) {
			errs = append(errs, fmt.Sprintf("%s: port %s is already %s's", l.key, port, b.key))
			continue
		}
		seen[port] = bound{l.key, host}
	}
	return errs
}

func wildcard(host string) bool { return host == "" || host == "0.0.0.0" || host == "::" }

func checkAddr(ep string) error {
	_, port, err := net.SplitHostPort(ep)
	if err != nil {
		return fmt.Errorf("%q is not host:port (use \":4318\" for all interfaces)", ep)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%q has no valid port", ep)
	}
	return nil
}

// AdminToken is the token the admin endpoints require: admin.token_file or
// admin.token_env, else the receivers' bearer token; "" means the admin
// endpoints are off.
func (c *Config) AdminToken(getenv func(string) string) (string, error) {
	a := c.Admin
	switch {
	case a.TokenFile != "":
		b, err := os.ReadFile(a.TokenFile)
		if err != nil {
			return "", fmt.Errorf("admin.token_file: %w", err)
		}
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, nil
		}
		return "", fmt.Errorf("admin.token_file: %s is empty", a.TokenFile)
	case a.TokenEnv != "":
		if v := getenv(a.TokenEnv); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("admin.token_env: %s is empty", a.TokenEnv)
	}
	return c.BearerToken(getenv)
}

// BearerToken resolves the receivers' token from its source ("" = no auth).
func (c *Config) BearerToken(getenv func(string) string) (string, error) {
	a := c.Receivers.OTLP.Auth
	switch {
	case a.BearerTokenFile != "":
		b, err := os.ReadFile(a.BearerTokenFile)
		if err != nil {
			return "", fmt.Errorf("receivers.otlp.auth.bearer_token_file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	case a.BearerTokenEnv != "":
		v := getenv(a.BearerTokenEnv)
		if v == "" {
			return "", fmt.Errorf("receivers.otlp.auth.bearer_token_env: %s is empty", a.BearerTokenEnv)
		}
		return v, nil
	}
	return a.BearerToken, nil
}
