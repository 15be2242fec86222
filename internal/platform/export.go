package platform

import (
	"encoding/base64"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
)

// ExportFor returns where and how to send OTLP traces to the platform c
// describes. c must come from Normalize. s may be empty: header names and
// display URL are still right, which is what the provider shows in plans.
func ExportFor(c Config, s Secrets) Export {
	sp, ok := specs[c.Type]
	if !ok {
		return Export{}
	}
	e := sp.export(c, s)
	e.Protocol = c.Protocol
	e.Gzip = gzipConfirmed[c.Type]
	if e.DisplayURL == "" {
		e.DisplayURL = e.URL
	}
	return e
}

// gzipConfirmed are the platforms known to accept gzip-compressed OTLP.
var gzipConfirmed = map[Type]bool{Langfuse: true, Phoenix: true, Opik: true, OTLP: true}

func langfuseExport(c Config, s Secrets) Export {
	return Export{
		SuspendedOn403: true, Retry500: true,
		URL: c.Host + "/api/public/otel/v1/traces",
		Headers: []Header{
			{Name: "Authorization", Value: basic(c.PublicKey, s.Key), Secret: true},
			// Without it Langfuse v4 shows the data ~10 minutes late.
			{Name: "x-langfuse-ingestion-version", Value: "4"},
		},
	}
}

func langsmithExport(c Config, s Secrets) Export {
	e := Export{
		URL: c.Endpoint + "/otel/v1/traces",
		Headers: []Header{
			{Name: "x-api-key", Value: s.Key, Secret: true},
			{Name: "Langsmith-Project", Value: c.Project},
		},
	}
	if c.Workspace != "" {
		// Keys that belong to several workspaces need the workspace id.
		e.Headers = append(e.Headers, Header{Name: "x-tenant-id", Value: c.Workspace})
	}
	return e
}

func phoenixExport(c Config, s Secrets) Export {
	e := Export{
		URL:                c.Endpoint + "/v1/traces",
		ProtobufOnly:       true,
		Headers:            []Header{{Name: "x-project-name", Value: c.Project}},
		ResourceAttributes: map[string]string{"openinference.project.name": c.Project},
	}
	if s.Key != "" {
		e.Headers = append(e.Headers, Header{Name: "Authorization", Value: "Bearer " + s.Key, Secret: true})
	}
	return e
}

func weaveExport(c Config, s Secrets) Export {
	return Export{
		URL:          c.Endpoint + "/otel/v1/traces",
		ProtobufOnly: true,
		Headers: []Header{
			{Name: "wandb-api-key", Value: s.Key, Secret: true},
			// Older Weave deployments route by this header instead of the
			// resource attributes; sending both works everywhere.
			{Name: "project_id", Value: c.Entity + "/" + c.Project},
		},
		ResourceAttributes: map[string]string{"wandb.entity": c.Entity, "wandb.project": c.Project},
	}
}

func aliyunExport(c Config, s Secrets) Export {
	attrs := map[string]string{"service.name": c.AppName, "acs.arms.service.feature": "genai_app"}
	if c.Protocol == GRPC {
		u, _ := url.Parse(c.Endpoint)
		return Export{
			URL:                hostPort(u, "8090"),
			Insecure:           u.Scheme == "http",
			Headers:            []Header{{Name: "Authentication", Value: s.Key, Secret: true}},
			ResourceAttributes: attrs,
		}
	}
	// ARMS takes the token in the path, so the real URL is itself a secret.
	path := "/api/otlp/traces"
	if u, err := url.Parse(c.Endpoint); err == nil && strings.HasSuffix(u.Hostname(), ".log.aliyuncs.com") {
		path = "/api/v1/traces"
	}
	return Export{
		URL:                c.Endpoint + "/adapt_" + s.Key + path,
		DisplayURL:         c.Endpoint + "/adapt_{license_key}" + path,
		ResourceAttributes: attrs,
	}
}

func opikExport(c Config, s Secrets) Export {
	e := Export{URL: c.URL + "v1/private/otel/v1/traces"}
	if s.Key != "" {
		// Opik wants the raw key, without "Bearer".
		e.Headers = append(e.Headers, Header{Name: "Authorization", Value: s.Key, Secret: true})
	}
	if c.Workspace != "" {
		e.Headers = append(e.Headers, Header{Name: "Comet-Workspace", Value: c.Workspace})
	}
	e.Headers = append(e.Headers, Header{Name: "projectName", Value: c.Project})
	return e
}

func tencentExport(c Config, s Secrets) Export {
	u, _ := url.Parse(c.Endpoint)
	return Export{
		URL:                hostPort(u, "4317"),
		Insecure:           u.Scheme == "http",
		Headers:            []Header{{Name: "authorization", Value: "Bearer " + s.Key, Secret: true}},
		ResourceAttributes: map[string]string{"service.name": c.ServiceName},
		// Tencent's docs carry the token as a resource attribute; Dify sends
		// the header. Both go: which one APM requires is unconfirmed.
		SendTimeResourceAttributes: map[string]string{"token": s.Key},
	}
}

// mlflowExport: the tracking server's root /v1/traces (not under /api),
// the experiment in x-mlflow-experiment-id, Basic auth when a user is set
// (MLflow's basic-auth app).
func mlflowExport(c Config, s Secrets) Export {
	e := Export{
		URL:          c.Endpoint + "/v1/traces",
		ProtobufOnly: true,
		Headers:      []Header{{Name: "x-mlflow-experiment-id", Value: c.ExperimentID}},
	}
	if c.Username != "" {
		e.Headers = append(e.Headers, Header{Name: "Authorization", Value: basic(c.Username, s.Key), Secret: true})
	}
	return e
}

// databricksExport: Databricks-managed MLflow's OTLP endpoint with a bearer
// token: a personal access token, or one the sender fetches from the
// workspace's OAuth endpoint for a service principal (client_id).
func databricksExport(c Config, s Secrets) Export {
	e := Export{
		URL:          c.Endpoint + "/api/2.0/otel/v1/traces",
		ProtobufOnly: true,
		Headers:      []Header{{Name: "x-mlflow-experiment-id", Value: c.ExperimentID}},
	}
	if c.ClientID != "" {
		e.OAuth = &OAuthClient{TokenURL: c.Endpoint + "/oidc/v1/token", ClientID: c.ClientID, ClientSecret: s.Key, Scopes: []string{"all-apis"}}
		return e
	}
	e.Headers = append(e.Headers, Header{Name: "Authorization", Value: "Bearer " + s.Key, Secret: true})
	return e
}

func otlpExport(c Config, s Secrets) Export {
	var e Export
	if c.Protocol == GRPC {
		u, _ := url.Parse(c.Endpoint)
		e = Export{URL: hostPort(u, "4317"), Insecure: u.Scheme == "http"}
	} else {
		e = Export{URL: c.Endpoint + "/v1/traces"}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Headers)) {
		e.Headers = append(e.Headers, Header{Name: k, Value: c.Headers[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
		e.Headers = append(e.Headers, Header{Name: k, Value: s.Headers[k], Secret: true})
	}
	return e
}

// hostPort returns u's host:port, with def when u names no port.
func hostPort(u *url.URL, def string) string {
	port := u.Port()
	if port == "" {
		port = def
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}
