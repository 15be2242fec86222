package exporterconfig

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/queue"
)

// Console is the debug destination type: spans are logged, not sent.
const Console platform.Type = "console"

// Destination is one platform the exporter delivers sampled traces to. The
// platform settings are inline, with the names llmops_tracing_provider uses.
type Destination struct {
	Name            string `yaml:"name"`
	platform.Config `yaml:",inline"`

	// Secret sources: a file (mounted secret) or an environment variable.
	SecretFile        string            `yaml:"secret_file,omitempty"`
	SecretEnv         string            `yaml:"secret_env,omitempty"`
	SecretHeaderFiles map[string]string `yaml:"secret_header_files,omitempty"`
	SecretHeaderEnv   map[string]string `yaml:"secret_header_env,omitempty"`

	// Include and Exclude filter by span kind; ancestors of kept spans are
	// always kept.
	Include []string `yaml:"include,omitempty"`
	Exclude []string `yaml:"exclude,omitempty"`
	// Content is "full" (default) or "none": drop prompts and completions.
	Content string `yaml:"content,omitempty"`
	// DefaultServiceName is set as service.name on forwarded resources
	// that have none (Dify's Phoenix provider sends none).
	DefaultServiceName string `yaml:"default_service_name,omitempty"`
	// Compression is "gzip", "none", or "" for the platform's default
	// (gzip only where the platform is known to accept it).
	Compression string `yaml:"compression,omitempty"`

	Batch   Batch            `yaml:"batch"`
	Queue   DestinationQueue `yaml:"queue"`
	Retry   Retry            `yaml:"retry"`
	Timeout Duration         `yaml:"timeout,omitempty"`
}

// Batch bounds one export request.
type Batch struct {
	MaxSpans int `yaml:"max_spans,omitempty"`
	MaxBytes int `yaml:"max_bytes,omitempty"`
}

// DestinationQueue bounds a destination's durable queue.
type DestinationQueue struct {
	MaxBytes int64        `yaml:"max_bytes,omitempty"`
	Overflow queue.Policy `yaml:"overflow,omitempty"`
}

// Retry is the exponential backoff of retryable failures. MaxElapsed,
// when set, bounds how long one batch is retried: after it the batch goes
// to the dead-letter store (replayable), so one batch a platform keeps
// refusing with a retryable status cannot hold the queue behind it
// forever. 0, the default, retries until the platform takes it.
type Retry struct {
	Initial    Duration `yaml:"initial,omitempty"`
	Max        Duration `yaml:"max,omitempty"`
	MaxElapsed Duration `yaml:"max_elapsed,omitempty"`
}

// QueueStore configures the on-disk queue shared by all destinations.
type QueueStore struct {
	Directory string `yaml:"directory"`
	// Fsync true (default): a batch is on disk before the sender gets its OK.
	// false: it is in the OS page cache: safe against process crashes only.
	Fsync *bool `yaml:"fsync"`
}

var destNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (c *Config) fillDestinationDefaults() {
	setDefault(&c.Queue.Directory, "llmops-exporter-data")
	if c.Queue.Fsync == nil {
		yes := true
		c.Queue.Fsync = &yes
	}
	for i := range c.Destinations {
		d := &c.Destinations[i]
		setDefault(&d.Content, "full")
		if d.Batch.MaxSpans == 0 {
			d.Batch.MaxSpans = 512
		}
		if d.Batch.MaxBytes == 0 {
			d.Batch.MaxBytes = 4 << 20
		}
		if d.Queue.MaxBytes == 0 {
			d.Queue.MaxBytes = 256 << 20
		}
		if d.Queue.Overflow == "" {
			d.Queue.Overflow = queue.Refuse
		}
		if d.Retry.Initial == 0 {
			d.Retry.Initial = Duration(time.Second)
		}
		if d.Retry.Max == 0 {
			d.Retry.Max = Duration(30 * time.Second)
		}
		if d.Timeout == 0 {
			d.Timeout = Duration(10 * time.Second)
		}
	}
}

func kindNames() []string {
	out := []string{}
	for _, k := range llmspan.Kinds() {
		out = append(out, k.String())
	}
	return out
}

// validateDestinations returns every problem, each prefixed with its path.
func (c *Config) validateDestinations() []string {
	var errs []string
	seen := map[string]bool{}
	for i, d := range c.Destinations {
		at := fmt.Sprintf("destinations[%d]", i)
		if !destNameRE.MatchString(d.Name) {
			errs = append(errs, at+".name: must be 1-63 lower-case letters, digits, '-' or '_'")
		} else if seen[d.Name] {
			errs = append(errs, fmt.Sprintf("%s.name: %q is used twice", at, d.Name))
		}
		seen[d.Name] = true
		if d.Type != Console {
			if _, err := platform.Normalize(d.Config); err != nil {
				var fe platform.Errors
				if errors.As(err, &fe) {
					for _, e := range fe {
						errs = append(errs, at+"."+e.Error())
					}
				}
			}
			if platform.SecretRequired(d.Type) && d.SecretFile == "" && d.SecretEnv == "" {
				errs = append(errs, fmt.Sprintf("%s: type %q needs its %s: set secret_file or secret_env", at, d.Type, platform.SecretName(d.Type)))
			}
		}
		if d.SecretFile != "" && d.SecretEnv != "" {
			errs = append(errs, at+": set only one of secret_file and secret_env")
		}
		for _, list := range [][]string{d.Include, d.Exclude} {
			for _, k := range list {
				if !slices.Contains(kindNames(), k) {
					errs = append(errs, fmt.Sprintf("%s: unknown span kind %q in include/exclude (kinds: %s)", at, k, strings.Join(kindNames(), ", ")))
				}
			}
		}
		if d.Compression != "" && d.Compression != "gzip" && d.Compression != "none" {
			errs = append(errs, fmt.Sprintf("%s.compression: must be gzip or none (or unset for the platform's default), got %q", at, d.Compression))
		}
		if d.Content != "full" && d.Content != "none" {
			errs = append(errs, fmt.Sprintf("%s.content: must be full or none, got %q", at, d.Content))
		}
		if d.Queue.Overflow != queue.Refuse && d.Queue.Overflow != queue.DropOldest {
			errs = append(errs, fmt.Sprintf("%s.queue.overflow: must be refuse or drop_oldest, got %q", at, d.Queue.Overflow))
		}
		if d.Batch.MaxSpans < 1 || d.Batch.MaxBytes < 1024 || d.Queue.MaxBytes < 4096 {
			errs = append(errs, at+": batch.max_spans must be >= 1, batch.max_bytes >= 1024, queue.max_bytes >= 4096")
		}
		if d.Retry.Initial <= 0 || d.Retry.Max < d.Retry.Initial || d.Timeout <= 0 {
			errs = append(errs, at+": retry.initial and timeout must be positive and retry.max >= retry.initial")
		}
		if d.Retry.MaxElapsed < 0 || d.Retry.MaxElapsed > 0 && d.Retry.MaxElapsed < d.Retry.Max {
			errs = append(errs, fmt.Sprintf("%s.retry.max_elapsed: 0 (retry until delivered) or at least retry.max (%s), got %s",
				at, time.Duration(d.Retry.Max), time.Duration(d.Retry.MaxElapsed)))
		}
	}
	return errs
}

// Secrets reads the destination's secrets from their files or variables.
// Errors name the source, never the value.
func (d Destination) Secrets(getenv func(string) string) (platform.Secrets, error) {
	var s platform.Secrets
	var err error
	if s.Key, err = readSecret(d.SecretFile, d.SecretEnv, getenv); err != nil {
		return s, fmt.Errorf("destination %s: %w", d.Name, err)
	}
	for h, f := range d.SecretHeaderFiles {
		v, err := readSecret(f, "", getenv)
		if err != nil {
			return s, fmt.Errorf("destination %s: header %s: %w", d.Name, h, err)
		}
		if s.Headers == nil {
			s.Headers = map[string]string{}
		}
		s.Headers[h] = v
	}
	for h, env := range d.SecretHeaderEnv {
		v, err := readSecret("", env, getenv)
		if err != nil {
			return s, fmt.Errorf("destination %s: header %s: %w", d.Name, h, err)
		}
		if s.Headers == nil {
			s.Headers = map[string]string{}
		}
		s.Headers[h] = v
	}
	return s, nil
}

func readSecret(file, env string, getenv func(string) string) (string, error) {
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("secret_file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	case env != "":
		v := getenv(env)
		if v == "" {
			return "", fmt.Errorf("secret_env: %s is empty or unset", env)
		}
		return v, nil
	}
	return "", nil
}
