// Package platform is the catalogue of LLM tracing platforms this project can
// export to: the settings each one takes, their defaults and URL rules, the
// exact OTLP endpoint, protocol and headers each one expects, and the credential
// check each one offers.
//
// It is shared by the Terraform provider (llmops_tracing_provider validates and
// previews a platform with it) and by llmops-exporter (which exports to it), so
// that both always agree on where and how traces go. It has no dependency on
// Terraform.
package platform

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Type names one tracing platform.
type Type string

// The supported platforms. The names are the ones Dify uses where Dify has the
// platform, so that users recognise them.
const (
	Langfuse   Type = "langfuse"
	LangSmith  Type = "langsmith"
	Phoenix    Type = "phoenix"
	Weave      Type = "weave"
	Aliyun     Type = "aliyun"
	Opik       Type = "opik"
	Tencent    Type = "tencent"
	MLflow     Type = "mlflow"
	Databricks Type = "databricks"
	OTLP       Type = "otlp"
)

// Protocol is an OTLP transport, named as OTEL_EXPORTER_OTLP_PROTOCOL names it.
type Protocol string

// OTLP transports.
const (
	HTTPProtobuf Protocol = "http/protobuf"
	HTTPJSON     Protocol = "http/json"
	GRPC         Protocol = "grpc"
)

// Field names. They are the Terraform attribute names and the exporter's YAML
// keys, so that an error names exactly what the user typed.
const (
	FieldType         = "type"
	FieldHost         = "host"
	FieldEndpoint     = "endpoint"
	FieldURL          = "url"
	FieldPublicKey    = "public_key"
	FieldProject      = "project"
	FieldWorkspace    = "workspace"
	FieldEntity       = "entity"
	FieldAppName      = "app_name"
	FieldServiceName  = "service_name"
	FieldProtocol     = "protocol"
	FieldHeaders      = "headers"
	FieldExperimentID = "experiment_id"
	FieldUsername     = "username"
	FieldClientID     = "client_id"
)

// Config is the non-secret part of a platform's settings. Empty strings mean
// "not set"; Normalize fills defaults.
type Config struct {
	Type        Type   `yaml:"type" json:"type"`
	Host        string `yaml:"host,omitempty" json:"host,omitempty"`
	Endpoint    string `yaml:"endpoint,omitempty" json:"endpoint,omitempty"`
	URL         string `yaml:"url,omitempty" json:"url,omitempty"`
	PublicKey   string `yaml:"public_key,omitempty" json:"public_key,omitempty"`
	Project     string `yaml:"project,omitempty" json:"project,omitempty"`
	Workspace   string `yaml:"workspace,omitempty" json:"workspace,omitempty"`
	Entity      string `yaml:"entity,omitempty" json:"entity,omitempty"`
	AppName     string `yaml:"app_name,omitempty" json:"app_name,omitempty"`
	ServiceName string `yaml:"service_name,omitempty" json:"service_name,omitempty"`
	// ExperimentID routes MLflow traces (mlflow, databricks).
	ExperimentID string `yaml:"experiment_id,omitempty" json:"experiment_id,omitempty"`
	// Username is MLflow's Basic-auth user; ClientID a Databricks OAuth
	// service principal (machine-to-machine).
	Username string            `yaml:"username,omitempty" json:"username,omitempty"`
	ClientID string            `yaml:"client_id,omitempty" json:"client_id,omitempty"`
	Protocol Protocol          `yaml:"protocol,omitempty" json:"protocol,omitempty"`
	Headers  map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
}

// Secrets holds a platform's secret values. They never leave the process
// except as the header or path the platform needs.
type Secrets struct {
	// Key is the platform's one secret: Langfuse secret_key, the api_key of
	// LangSmith, Phoenix, Weave and Opik, Aliyun license_key, Tencent token,
	// MLflow password, Databricks token (or OAuth client secret with a
	// client_id: SecretNameFor).
	Key string
	// Headers are extra secret headers (generic OTLP only).
	Headers map[string]string
}

// FieldError is a problem with one field. Field is the attribute/key name.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// Errors is a list of field problems, reported together so the user can fix
// all of them in one go.
type Errors []*FieldError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Header is one HTTP header or gRPC metadata entry of an export request.
type Header struct {
	Name   string
	Value  string
	Secret bool
}

// Export is everything an OTLP exporter needs to reach a platform.
type Export struct {
	// URL is the full traces URL for HTTP, or host:port for gRPC.
	URL string
	// DisplayURL is URL with any secret in it replaced by a placeholder.
	DisplayURL string
	Protocol   Protocol
	// Insecure is true for gRPC without TLS (an http:// endpoint).
	Insecure bool
	Headers  []Header
	// ResourceAttributes must be set on exported resources (project routing).
	ResourceAttributes map[string]string
	// ProtobufOnly is true when the platform rejects OTLP JSON.
	ProtobufOnly bool
	// Gzip compresses requests. On by default only where the platform is
	// known to accept it (Langfuse, Phoenix, Opik, and any OTLP receiver,
	// which the OTLP specification requires to); off where unconfirmed
	// (LangSmith, Weave, ARMS, Tencent): uncompressed always works.
	Gzip bool
	// SuspendedOn403: a 403 means ingestion is suspended (Langfuse's usage
	// limit), not bad credentials: retry slowly instead of dead-lettering.
	SuspendedOn403 bool
	// SendTimeResourceAttributes are resource attributes added only as a
	// batch is sent: they hold secrets (Tencent's token), so they are never
	// written to the durable queue or a dead letter.
	SendTimeResourceAttributes map[string]string
	// Retry500: the platform's 500 is transient (Langfuse answers 500 when
	// publishing to its queue fails).
	Retry500 bool
	// OAuth, when set, makes the sender fetch a bearer token with the
	// client-credentials grant and refresh it (Databricks service
	// principals).
	OAuth *OAuthClient
}

// OAuthClient is an OAuth 2.0 client-credentials grant.
type OAuthClient struct {
	TokenURL, ClientID, ClientSecret string
	Scopes                           []string
}

// Config is the grant for golang.org/x/oauth2 (client id and secret as
// HTTP Basic, as Databricks' token endpoint takes them).
func (o *OAuthClient) Config() clientcredentials.Config {
	return clientcredentials.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, TokenURL: o.TokenURL, Scopes: o.Scopes,
		AuthStyle: oauth2.AuthStyleInHeader}
}

// HeaderNames returns the sorted names of the export headers.
func (e Export) HeaderNames() []string {
	names := make([]string, 0, len(e.Headers)+1)
	for _, h := range e.Headers {
		names = append(names, h.Name)
	}
	if e.OAuth != nil {
		names = append(names, "Authorization") // the bearer token, fetched at send time
	}
	sort.Strings(names)
	return names
}
