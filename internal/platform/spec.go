package platform

import (
	"fmt"
	"net/url"
	"strings"
)

// urlRule says what one URL field accepts.
type urlRule struct {
	httpsOnly  bool   // LangSmith and Weave refuse plain HTTP (as Dify does)
	originOnly bool   // scheme://host[:port] and nothing else
	suffix     string // the URL must end with this (Opik: "/api/")
}

// fieldSpec describes one non-secret field of one platform.
type fieldSpec struct {
	name     string
	def      string
	required bool
	url      *urlRule
	get      func(*Config) *string
}

// spec describes one platform.
type spec struct {
	fields []fieldSpec
	// secret is the attribute name of the platform's secret ("" for none).
	secret         string
	secretRequired bool
	// protocols lists the accepted protocols, default first.
	protocols []Protocol
	headers   bool // accepts plain and secret headers (generic OTLP)
	export    func(Config, Secrets) Export
}

func host(c *Config) *string         { return &c.Host }
func endpoint(c *Config) *string     { return &c.Endpoint }
func rawURL(c *Config) *string       { return &c.URL }
func publicKey(c *Config) *string    { return &c.PublicKey }
func project(c *Config) *string      { return &c.Project }
func workspace(c *Config) *string    { return &c.Workspace }
func entity(c *Config) *string       { return &c.Entity }
func appName(c *Config) *string      { return &c.AppName }
func serviceName(c *Config) *string  { return &c.ServiceName }
func experimentID(c *Config) *string { return &c.ExperimentID }
func username(c *Config) *string     { return &c.Username }
func clientID(c *Config) *string     { return &c.ClientID }

var anyURL = &urlRule{}

// specs is the catalogue. Defaults and rules follow Dify's tracing provider
// configs (the values its users already know) and each platform's OTLP docs;
// see the provider's tracing_provider docs for the table of each platform.
var specs = map[Type]spec{
	Langfuse: {
		fields: []fieldSpec{
			{name: FieldHost, def: "https://cloud.langfuse.com", url: anyURL, get: host},
			{name: FieldPublicKey, required: true, get: publicKey},
		},
		secret: "secret_key", secretRequired: true,
		protocols: []Protocol{HTTPProtobuf, HTTPJSON},
		export:    langfuseExport,
	},
	LangSmith: {
		fields: []fieldSpec{
			{name: FieldEndpoint, def: "https://api.smith.langchain.com", url: &urlRule{httpsOnly: true}, get: endpoint},
			{name: FieldProject, required: true, get: project},
			{name: FieldWorkspace, get: workspace}, // sent as x-tenant-id
		},
		secret: "api_key", secretRequired: true,
		protocols: []Protocol{HTTPProtobuf, HTTPJSON},
		export:    langsmithExport,
	},
	Phoenix: {
		fields: []fieldSpec{
			{name: FieldEndpoint, def: "https://app.phoenix.arize.com", url: anyURL, get: endpoint},
			{name: FieldProject, def: "default", get: project},
		},
		secret:    "api_key",
		protocols: []Protocol{HTTPProtobuf},
		export:    phoenixExport,
	},
	Weave: {
		fields: []fieldSpec{
			{name: FieldEndpoint, def: "https://trace.wandb.ai", url: &urlRule{httpsOnly: true}, get: endpoint},
			{name: FieldEntity, required: true, get: entity},
			{name: FieldProject, required: true, get: project},
		},
		secret: "api_key", secretRequired: true,
		protocols: []Protocol{HTTPProtobuf},
		export:    weaveExport,
	},
	Aliyun: {
		fields: []fieldSpec{
			{name: FieldEndpoint, def: "https://tracing-analysis-dc-hz.aliyuncs.com", url: anyURL, get: endpoint},
			{name: FieldAppName, def: "dify_app", get: appName},
		},
		secret: "license_key", secretRequired: true,
		protocols: []Protocol{HTTPProtobuf, GRPC},
		export:    aliyunExport,
	},
	Opik: {
		fields: []fieldSpec{
			{name: FieldURL, def: "https://www.comet.com/opik/api/", url: &urlRule{suffix: "/api/"}, get: rawURL},
			{name: FieldWorkspace, get: workspace},
			{name: FieldProject, def: "Default Project", get: project},
		},
		secret: "api_key",
		// Not http/json: Opik parses OTLP/JSON with protobuf JsonFormat, which
		// reads ids as base64 where OTLP/JSON writes hex, so every trace and
		// span id would be rewritten (comet-ml/opik OtelJsonMessageBodyReader).
		protocols: []Protocol{HTTPProtobuf},
		export:    opikExport,
	},
	Tencent: {
		fields: []fieldSpec{
			// No default: the ingest host names the region (<region>.apm.tencentcs.com:4317).
			{name: FieldEndpoint, required: true, url: &urlRule{originOnly: true}, get: endpoint},
			{name: FieldServiceName, def: "dify_app", get: serviceName},
		},
		secret: "token", secretRequired: true,
		protocols: []Protocol{GRPC},
		export:    tencentExport,
	},
	// MLflow >= 3.6 ingests OTLP/HTTP protobuf at the tracking server's root
	// and routes by the x-mlflow-experiment-id header (Dify's MLflowConfig:
	// tracking_uri default http://localhost:5000, experiment_id "0").
	MLflow: {
		fields: []fieldSpec{
			{name: FieldEndpoint, def: "http://localhost:5000", url: anyURL, get: endpoint},
			{name: FieldExperimentID, def: "0", get: experimentID},
			{name: FieldUsername, get: username},
		},
		secret:    "password",
		protocols: []Protocol{HTTPProtobuf},
		export:    mlflowExport,
	},
	// Databricks-managed MLflow (Dify's DatabricksConfig: host and
	// experiment_id required; a personal access token, or client_id and
	// client_secret of a service principal).
	Databricks: {
		fields: []fieldSpec{
			{name: FieldEndpoint, required: true, url: &urlRule{httpsOnly: true}, get: endpoint},
			{name: FieldExperimentID, required: true, get: experimentID},
			{name: FieldClientID, get: clientID},
		},
		secret: "token", secretRequired: true,
		protocols: []Protocol{HTTPProtobuf},
		export:    databricksExport,
	},
	OTLP: {
		fields: []fieldSpec{
			{name: FieldEndpoint, required: true, url: anyURL, get: endpoint},
		},
		protocols: []Protocol{HTTPProtobuf, HTTPJSON, GRPC},
		headers:   true,
		export:    otlpExport,
	},
}

// allFields is every non-secret field any platform has, in schema order.
var allFields = []struct {
	name string
	get  func(*Config) *string
}{
	{FieldHost, host}, {FieldEndpoint, endpoint}, {FieldURL, rawURL}, {FieldPublicKey, publicKey},
	{FieldProject, project}, {FieldWorkspace, workspace}, {FieldEntity, entity},
	{FieldAppName, appName}, {FieldServiceName, serviceName}, {FieldExperimentID, experimentID},
	{FieldUsername, username}, {FieldClientID, clientID},
}

// SecretName returns the attribute name of t's secret, or "" when t has none.
func SecretName(t Type) string { return specs[t].secret }

// SecretNameFor is SecretName for a configuration: a Databricks service
// principal (client_id set) authenticates with its client_secret instead of
// a personal access token.
func SecretNameFor(c Config) string {
	if c.Type == Databricks && c.ClientID != "" {
		return "client_secret"
	}
	return SecretName(c.Type)
}

// SecretRequired reports whether t cannot work without its secret.
func SecretRequired(t Type) bool { return specs[t].secretRequired }

// AcceptsHeaders reports whether t takes user-defined headers.
func AcceptsHeaders(t Type) bool { return specs[t].headers }

// Fields returns the names of the non-secret fields t accepts.
func Fields(t Type) []string {
	s := specs[t]
	out := make([]string, 0, len(s.fields)+1)
	for _, f := range s.fields {
		out = append(out, f.name)
	}
	if len(s.protocols) > 1 {
		out = append(out, FieldProtocol)
	}
	return out
}

// Default returns the default of field for t, or "" when it has none.
func Default(t Type, field string) string {
	if field == FieldProtocol {
		if ps := specs[t].protocols; len(ps) > 0 {
			return string(ps[0])
		}
	}
	for _, f := range specs[t].fields {
		if f.name == field {
			return f.def
		}
	}
	return ""
}

// Normalize validates c and returns it with defaults filled and URLs in
// canonical form (no trailing slash, except Opik's required "/api/"). All
// problems are returned together; none of them echoes a secret.
func Normalize(c Config) (Config, error) {
	s, ok := specs[c.Type]
	if !ok {
		return c, Errors{{Field: FieldType, Message: fmt.Sprintf("unknown platform %q; expected one of %s", c.Type, strings.Join(TypeNames(), ", "))}}
	}
	var errs Errors
	out := c
	out.Headers = cloneMap(c.Headers)
	allowed := map[string]bool{}
	for _, f := range s.fields {
		allowed[f.name] = true
		p := f.get(&out)
		*p = strings.TrimSpace(*p)
		if *p == "" {
			*p = f.def
		}
		if *p == "" {
			if f.required {
				errs = append(errs, &FieldError{f.name, fmt.Sprintf("is required for type %q", c.Type)})
			}
			continue
		}
		if f.url != nil {
			norm, err := normalizeURL(*p, *f.url)
			if err != nil {
				errs = append(errs, &FieldError{f.name, err.Error()})
				continue
			}
			*p = norm
		}
	}
	for _, f := range allFields {
		if !allowed[f.name] && *f.get(&out) != "" {
			errs = append(errs, &FieldError{f.name, fmt.Sprintf("is not used by type %q (it takes %s)", c.Type, strings.Join(Fields(c.Type), ", "))})
		}
	}
	errs = append(errs, normalizeProtocol(&out, s)...)
	if !s.headers && len(out.Headers) > 0 {
		errs = append(errs, &FieldError{FieldHeaders, fmt.Sprintf("is only used by type %q", OTLP)})
	}
	errs = append(errs, typeSpecificChecks(out)...)
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

func normalizeProtocol(c *Config, s spec) Errors {
	if c.Protocol == "" {
		c.Protocol = s.protocols[0]
		return nil
	}
	for _, p := range s.protocols {
		if c.Protocol == p {
			return nil
		}
	}
	if c.Type == Opik && c.Protocol == HTTPJSON {
		return Errors{{FieldProtocol, "Opik reads OTLP/JSON ids as base64 (protobuf JsonFormat) where OTLP/JSON writes hex, so every trace and span id " +
			"would be rewritten: use http/protobuf (the default)"}}
	}
	allowed := make([]string, len(s.protocols))
	for i, p := range s.protocols {
		allowed[i] = string(p)
	}
	return Errors{{FieldProtocol, fmt.Sprintf("type %q accepts %s, not %q", c.Type, strings.Join(allowed, ", "), c.Protocol)}}
}

// typeSpecificChecks catches the mistakes users of each platform really make.
func typeSpecificChecks(c Config) Errors {
	var errs Errors
	switch c.Type {
	case Langfuse:
		// The message must not echo the value: it is probably a secret.
		if strings.HasPrefix(c.PublicKey, "sk-lf-") {
			errs = append(errs, &FieldError{FieldPublicKey, "holds a Langfuse secret key (it starts with sk-lf-); put the pk-lf- key here and the sk-lf- key in secret_key"})
		}
	case Opik:
		if u, err := url.Parse(c.URL); err == nil && strings.EqualFold(u.Hostname(), "www.comet.com") && c.Workspace == "" {
			errs = append(errs, &FieldError{FieldWorkspace, "is required for Opik Cloud (www.comet.com): without the Comet-Workspace header Opik answers 403 " +
				"\"Workspace name should be provided\" and every export would be dead-lettered; use your Comet workspace name"})
		}
	case Aliyun:
		if u, err := url.Parse(c.Endpoint); err == nil && c.Protocol == GRPC && u.Scheme == "https" {
			errs = append(errs, &FieldError{FieldEndpoint, "ARMS's gRPC ingest (port 8090) is plain text: use http://tracing-analysis-dc-<region>.aliyuncs.com:8090 " +
				"(Alibaba's docs set tls insecure for gRPC); https:// would make the exporter dial TLS and fail the handshake"})
		}
	case Tencent:
		if u, err := url.Parse(c.Endpoint); err == nil && strings.HasSuffix(strings.ToLower(u.Hostname()), "tencentcloudapi.com") {
			errs = append(errs, &FieldError{FieldEndpoint, "is Tencent Cloud's management API, not an APM ingest host: use the region's ingest host, " +
				"e.g. http://ap-guangzhou.apm.tencentcs.com:4317 (see the APM console's access guide)"})
		}
	case MLflow:
		if u, err := url.Parse(c.Endpoint); err == nil && isDatabricksHost(u.Hostname()) {
			errs = append(errs, &FieldError{FieldEndpoint, "is a Databricks workspace: use type \"databricks\" for Databricks-managed MLflow (as Dify does)"})
		}
		errs = append(errs, integerID(c.ExperimentID)...)
	case Databricks:
		errs = append(errs, integerID(c.ExperimentID)...)
	case OTLP:
		if c.Protocol == GRPC {
			if u, err := url.Parse(c.Endpoint); err == nil && u.Path != "" && u.Path != "/" {
				errs = append(errs, &FieldError{FieldEndpoint, "a gRPC endpoint is scheme://host:port with no path"})
			}
		}
	}
	return errs
}

// integerID checks an MLflow experiment id: Dify and MLflow take integer
// strings (the id, not the experiment's name or path).
func integerID(id string) Errors {
	if id == "" {
		return nil
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return Errors{{FieldExperimentID, "must be the experiment's numeric id (as in its URL, e.g. \"1234567890\"), not its name or path"}}
		}
	}
	return nil
}

func isDatabricksHost(h string) bool {
	h = strings.ToLower(h)
	return strings.HasSuffix(h, ".cloud.databricks.com") || strings.HasSuffix(h, ".azuredatabricks.net") || strings.HasSuffix(h, ".gcp.databricks.com")
}

// normalizeURL checks one URL against its rule and returns its canonical form.
func normalizeURL(raw string, r urlRule) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("must be an absolute http:// or https:// URL")
	}
	if r.httpsOnly && u.Scheme != "https" {
		return "", fmt.Errorf("must use https:// (the platform refuses plain HTTP)")
	}
	if u.User != nil {
		return "", fmt.Errorf("must not contain credentials; use the secret attribute instead")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("must not have a query or fragment")
	}
	if r.originOnly && u.Path != "" && u.Path != "/" {
		return "", fmt.Errorf("must be scheme://host[:port] with no path")
	}
	if r.suffix != "" {
		if !strings.HasSuffix(u.Path, r.suffix) {
			return "", fmt.Errorf("must end with %q", r.suffix)
		}
		return u.String(), nil
	}
	path := strings.TrimRight(u.Path, "/")
	// A base URL that already holds the traces path would double it, which
	// platforms answer with a silent 404.
	if strings.HasSuffix(path, "/v1/traces") {
		return "", fmt.Errorf("must be the base URL; the provider appends the traces path (remove %q)", "/v1/traces")
	}
	u.Path = path
	u.RawPath = ""
	return u.String(), nil
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
