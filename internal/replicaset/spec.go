// Package replicaset holds a replica set as declared, whatever runs it: the
// Spec (one meaning per field, defaults owned by Normalize), its hash, the
// replicas as observed, and the Backend interface that the Docker engine,
// Swarm and Kubernetes implementations satisfy.
package replicaset

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"sort"
	"time"
)

// SecretsDir is where secret files are mounted.
const SecretsDir = "/run/secrets"

// Port publishes a container port. Host 0 lets the engine pick; otherwise
// replica n (from 1) gets Host+n-1, so replicas never collide.
type Port struct {
	Container int
	Host      int
	HostIP    string
	Protocol  string
}

// Health is the container healthcheck.
type Health struct {
	Test                           []string
	Interval, Timeout, StartPeriod time.Duration
	Retries                        int
}

// Spec is one replicated service.
type Spec struct {
	Name string
	// Project is the Compose project the service belongs to ("" = Name):
	// replicas are named <project>-<name>-<n> and labelled with it, as
	// Compose names and labels a project's service.
	Project    string
	Image      string
	Replicas   int
	Entrypoint []string
	Command    []string
	Env        map[string]string
	// EnvFile is a Compose env file's path and FileEnv what it held when
	// read (keys in SecretFiles left out); Env wins over FileEnv.
	EnvFile        string
	FileEnv        map[string]string
	SecretFiles    map[string]string // name -> content, under SecretsDir, mode 0400
	SecretsVersion int64
	ConfigFiles    map[string]string // absolute path -> content
	Ports          []Port
	RestartPolicy  string // no, on-failure, always, unless-stopped
	MaxAttempts    int
	RestartDelay   time.Duration // Compose and Swarm only; the engine has its own back-off
	// Volumes are per-replica named volumes by container path: replica n
	// always gets the same volume, so its data (the exporter's queue)
	// survives replacement. They force stop-first replacement.
	Volumes     map[string]string // container path -> volume name suffix
	Health      *Health
	CPUs        float64
	MemoryBytes int64
	Network     string
	Labels      map[string]string
	Parallelism int
	StartFirst  bool
	WaitTimeout time.Duration
	// StopGrace is how long a retiring replica gets between SIGTERM and
	// SIGKILL to finish what it is serving (Compose's stop_grace_period).
	StopGrace time.Duration
	// EndpointMode is how a Swarm service's name resolves: "" (a virtual
	// IP) or EndpointDNSRR. Omitted from the hash when empty, so specs
	// from before it existed keep theirs.
	EndpointMode string `json:",omitempty"`
	// ExpectHash, when set, is the spec hash replicas must carry instead of
	// Hash() (after an import, the full spec is not known).
	ExpectHash string `json:"-"`
}

// EndpointDNSRR makes a Swarm service's name resolve to its running tasks'
// addresses: Swarm drops a task from DNS before stopping it, and needs no
// IPVS (which a virtual IP does).
const EndpointDNSRR = "dnsrr"

// The backends a replica set runs on: containers on one engine, named and
// labelled as Compose names them, or a Swarm service.
const (
	ModeEngine = "engine"
	ModeSwarm  = "swarm"
)

// Hash identifies everything that, when changed, requires new containers.
// Secret values are not hashed (a hash of a short secret can be reversed):
// their names and SecretsVersion are.
func (s Spec) Hash() string {
	secretNames := make([]string, 0, len(s.SecretFiles))
	for k := range s.SecretFiles {
		secretNames = append(secretNames, k)
	}
	sort.Strings(secretNames)
	v := s
	v.SecretFiles, v.Replicas, v.Parallelism, v.StartFirst, v.WaitTimeout, v.StopGrace, v.ExpectHash = nil, 0, 0, false, 0, 0, ""
	b, _ := json.Marshal(struct {
		Spec
		SecretNames []string
	}{v, secretNames})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Replica is one observed container.
type Replica struct {
	Number  int
	ID      string
	Name    string
	Running bool
	// Health is healthy, unhealthy, starting, or none (no healthcheck).
	Health string
	// Matches is false when the container no longer runs what the spec says
	// (edited by hand, another image or environment, an older spec).
	Matches bool
	// Drift says how it differs from the spec, one phrase per difference.
	Drift []string
	// Published is the host address (IPv4) of the first declared port, when
	// the spec publishes one (engine mode).
	Published string
	// Ports are the host addresses of every declared port, by
	// "<container port>/<protocol>" (engine mode).
	Ports map[string]string
}

// Good reports whether the replica needs nothing done.
func (r Replica) Good() bool {
	return r.Running && r.Matches && r.Health != "unhealthy"
}

// ProjectName is the Compose project of the replicas.
func (s Spec) ProjectName() string { return cmp.Or(s.Project, s.Name) }

// Environment is what the replicas' environment holds: the env file's
// values, then Env over them.
func (s Spec) Environment() map[string]string {
	out := maps.Clone(s.FileEnv)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, s.Env)
	return out
}

// VolumePrefix names the set's volumes: <name>, or <project>-<name> in
// another project, so two projects' services never share one.
func (s Spec) VolumePrefix() string {
	if p := s.ProjectName(); p != s.Name {
		return p + "-" + s.Name
	}
	return s.Name
}

// NetworkName is the network the replicas join.
func (s Spec) NetworkName() string {
	if s.Network != "" {
		return s.Network
	}
	return s.Name
}

// secretRef finds the secret files a configuration reads.
var secretRef = regexp.MustCompile(regexp.QuoteMeta(SecretsDir+"/") + `([A-Za-z0-9._-]+)`)

// MissingSecrets returns, for each secret file that a config file reads
// under SecretsDir but secretNames does not provide, the config files that
// read it, sorted. A replica would otherwise start, fail its health check
// after the wait timeout, and say why only in its log.
func MissingSecrets(configFiles map[string]string, secretNames []string) map[string][]string {
	out := map[string][]string{}
	for _, p := range slices.Sorted(maps.Keys(configFiles)) {
		for _, m := range secretRef.FindAllStringSubmatch(configFiles[p], -1) {
			name := m[1]
			if !slices.Contains(secretNames, name) && !slices.Contains(out[name], p) {
				out[name] = append(out[name], p)
			}
		}
	}
	return out
}
