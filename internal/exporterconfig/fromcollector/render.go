// Package fromcollector renders llmops-exporter's configuration from what the
// llmops_collector resource declares, and the environment that points Dify at
// it. Secrets are never rendered: the configuration names files under
// SecretsDir that the replica set mounts at run time.
package fromcollector

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/pricing"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
	"github.com/llmops/terraform-provider-llmops/internal/redact"
)

// Paths inside the exporter's container.
const (
	SecretsDir = "/run/secrets"
	QueueDir   = "/var/lib/llmops-exporter"
	// TokenFile is the secret file holding the receivers' bearer token.
	TokenFile = "otlp_token"
)

// DestinationRef is what llmops_tracing_provider publishes as
// exporter_destination: a platform's normalised, non-secret settings.
type DestinationRef struct {
	Name string `json:"name"`
	platform.Config
	HasSecret     bool     `json:"has_secret,omitempty"`
	SecretHeaders []string `json:"secret_headers,omitempty"`
}

// EncodeRef serialises a reference (stable key order, for plan stability).
func EncodeRef(r DestinationRef) string {
	sort.Strings(r.SecretHeaders)
	b, _ := json.Marshal(r)
	return string(b)
}

// DecodeRef parses an exporter_destination value.
func DecodeRef(s string) (DestinationRef, error) {
	var r DestinationRef
	if err := json.Unmarshal([]byte(s), &r); err != nil || r.Name == "" || r.Type == "" {
		return r, fmt.Errorf("is not an llmops_tracing_provider exporter_destination value")
	}
	return r, nil
}

// Destination is one destination of a collector.
type Destination struct {
	Ref              DestinationRef
	Include, Exclude []string
	Content          string
	MaxQueueBytes    int64
	Overflow         string
	Compression      string // "gzip", "none" or "" (the platform's default)
}

// Spec is everything llmops_collector declares.
type Spec struct {
	HTTPPort, GRPCPort, MetricsPort int
	Auth                            bool
	SamplingRate                    float64
	KeepErrors                      bool
	KeepSlowerThan                  time.Duration
	Destinations                    []Destination
	Redaction                       redact.Config
	Prices                          []pricing.Price
	Fsync                           bool
	MaxLabelValues                  int
	LogLevel                        string
	// DifyQueues, when set, turns on the Dify queue monitor.
	DifyQueues *DifyQueues
	// LangfuseIngest serves Langfuse's ingest API for Dify's Langfuse
	// provider (public key LangfusePublicKey, secret key the token).
	LangfuseIngest bool
}

// LangfusePublicKey is the public key Dify's Langfuse provider uses with a
// collector; the secret key is the collector's token.
const LangfusePublicKey = "pk-lf-llmops-exporter"

// DifyQueues configures the exporter's Dify queue monitor.
type DifyQueues struct {
	RedisURL string // without password: it is a secret file when Password
	Password bool
	Queues   []string
	Interval time.Duration
}

// DifyRedisPasswordFile is the secret file of the Dify broker's password.
const DifyRedisPasswordFile = "dify_redis_password"

// Rendered is the output of Render.
type Rendered struct {
	YAML string
	// SecretFiles are the files the replica set must provide under SecretsDir.
	SecretFiles []string
}

// SecretFileName is the file of a destination's secret (or of one header).
func SecretFileName(dest, header string) string {
	if header == "" {
		return dest
	}
	return dest + "-" + strings.ToLower(strings.NewReplacer(" ", "-", "_", "-").Replace(header))
}

// Render builds the exporter configuration and checks it with the exporter's
// own parser and validator, so what it returns is what the exporter accepts.
func Render(s Spec) (Rendered, error) {
	yes, no := true, false
	c := exporterconfig.Defaults()
	c.Receivers.OTLP.HTTP.Endpoint = ":" + strconv.Itoa(s.HTTPPort)
	c.Receivers.OTLP.GRPC.Endpoint = ":" + strconv.Itoa(s.GRPCPort)
	c.Metrics.Endpoint = ":" + strconv.Itoa(s.MetricsPort)
	c.Receivers.OTLP.HTTP.Enabled, c.Receivers.OTLP.GRPC.Enabled = &yes, &yes
	var files []string
	if s.Auth {
		c.Receivers.OTLP.Auth.BearerTokenFile = SecretsDir + "/" + TokenFile
		files = append(files, TokenFile)
	}
	rate := s.SamplingRate
	c.Sampling.Rate, c.Sampling.KeepErrors = &rate, &no
	if s.KeepErrors {
		c.Sampling.KeepErrors = &yes
	}
	c.Sampling.KeepSlowerThan = exporterconfig.Duration(s.KeepSlowerThan)
	if s.MaxLabelValues > 0 {
		c.Metrics.MaxLabelValues = s.MaxLabelValues
	}
	if s.LogLevel != "" {
		c.Log.Level = s.LogLevel
	}
	if s.LangfuseIngest {
		c.Receivers.OTLP.Langfuse = exporterconfig.LangfuseIngest{Enabled: true, PublicKey: LangfusePublicKey,
			ProjectID: "llmops-exporter", ProjectName: "llmops-exporter"}
	}
	if q := s.DifyQueues; q != nil {
		c.Dify = exporterconfig.Dify{RedisURL: q.RedisURL, Queues: q.Queues, Interval: exporterconfig.Duration(q.Interval)}
		if q.Password {
			c.Dify.PasswordFile = SecretsDir + "/" + DifyRedisPasswordFile
			files = append(files, DifyRedisPasswordFile)
		}
	}
	c.Prices.Overrides = s.Prices
	c.Redaction = s.Redaction
	c.Queue.Directory = QueueDir
	c.Queue.Fsync = &s.Fsync
	for _, d := range s.Destinations {
		ed := exporterconfig.Destination{Name: d.Ref.Name, Config: d.Ref.Config, Include: d.Include, Exclude: d.Exclude, Content: d.Content,
			Compression: d.Compression}
		if d.MaxQueueBytes > 0 {
			ed.Queue.MaxBytes = d.MaxQueueBytes
		}
		if d.Overflow != "" {
			ed.Queue.Overflow = queue.Policy(d.Overflow)
		}
		if d.Ref.HasSecret {
			ed.SecretFile = SecretsDir + "/" + SecretFileName(d.Ref.Name, "")
			files = append(files, SecretFileName(d.Ref.Name, ""))
		}
		for _, h := range d.Ref.SecretHeaders {
			if ed.SecretHeaderFiles == nil {
				ed.SecretHeaderFiles = map[string]string{}
			}
			ed.SecretHeaderFiles[h] = SecretsDir + "/" + SecretFileName(d.Ref.Name, h)
			files = append(files, SecretFileName(d.Ref.Name, h))
		}
		c.Destinations = append(c.Destinations, ed)
	}
	out, err := yaml.Marshal(c)
	if err != nil {
		return Rendered{}, err
	}
	check, err := exporterconfig.Parse(out, "rendered configuration")
	if err != nil {
		return Rendered{}, err
	}
	if err := check.Validate(); err != nil {
		return Rendered{}, err
	}
	sort.Strings(files)
	return Rendered{YAML: "# Rendered by terraform-provider-llmops (llmops_collector). Do not edit.\n" + string(out), SecretFiles: files}, nil
}

// DifyEnv is the environment that points Dify's API and workers at the
// collector reachable as host. Dify should not sample: the exporter does,
// after computing metrics on every span.
func DifyEnv(host string, s Spec) map[string]string {
	env := map[string]string{
		"ENABLE_OTEL":                 "true",
		"OTEL_EXPORTER_TYPE":          "otlp",
		"OTLP_BASE_ENDPOINT":          fmt.Sprintf("http://%s:%d", host, s.HTTPPort),
		"OTEL_EXPORTER_OTLP_PROTOCOL": "http",
		"OTEL_SAMPLING_RATE":          "1.0",
	}
	return env
}
