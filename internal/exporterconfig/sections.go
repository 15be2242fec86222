package exporterconfig

// LangfuseIngest configures the Langfuse-compatible ingest. Dify's
// Langfuse provider then uses public_key as its public key and the
// receivers' bearer token as its secret key.
type LangfuseIngest struct {
	Enabled     bool   `yaml:"enabled"`
	PublicKey   string `yaml:"public_key"`
	ProjectID   string `yaml:"project_id"`
	ProjectName string `yaml:"project_name"`
	// ServiceName is service.name on ingested spans (metrics' service
	// label, and what forwarded spans carry); default: the trace's Dify
	// app name when it names one, else project_name.
	ServiceName string `yaml:"service_name"`
}

// TraceContext bounds how trace-level labels (Dify's app) reach the LLM
// calls of a trace that name none themselves.
type TraceContext struct {
	// Wait is how long a call waits for its trace's app or root (default
	// 30s: Dify's Phoenix provider sends a workflow's root when it ends).
	Wait Duration `yaml:"wait"`
	// TTL is how long a trace's labels are remembered after its last span.
	TTL          Duration `yaml:"ttl"`
	MaxTraces    int      `yaml:"max_traces"`
	MaxHeldCalls int      `yaml:"max_held_calls"`
}

// Dify configures the Dify queue monitor (off without redis_url).
type Dify struct {
	// RedisURL is Dify's CELERY_BROKER_URL (redis:// or rediss://; db from
	// the path, default 1). Prefer password_file or password_env to a
	// password in the URL.
	RedisURL     string   `yaml:"redis_url"`
	PasswordFile string   `yaml:"password_file"`
	PasswordEnv  string   `yaml:"password_env"`
	Queues       []string `yaml:"queues"`
	Interval     Duration `yaml:"interval"`
}

// Admin protects the admin endpoints of the metrics port (GET /deadletters,
// POST /deadletters/replay). They take a bearer token: this one, else the
// receivers' (receivers.otlp.auth); with neither they are off, and the
// `deadletter` command works on the queue file while the exporter is
// stopped.
type Admin struct {
	TokenFile string `yaml:"token_file"`
	TokenEnv  string `yaml:"token_env"`
}
