package platform

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustNormalize(t *testing.T, c Config) Config {
	t.Helper()
	n, err := Normalize(c)
	if err != nil {
		t.Fatalf("Normalize(%+v): %v", c, err)
	}
	return n
}

func TestExportFor(t *testing.T) {
	cases := []struct {
		name     string
		cfg      Config
		sec      Secrets
		url      string
		display  string
		proto    Protocol
		insecure bool
		headers  map[string]string
		attrs    map[string]string
	}{
		{name: "langfuse", cfg: Config{Type: Langfuse, Host: "https://lf.example/", PublicKey: "pk"}, sec: Secrets{Key: "sk"},
			url: "https://lf.example/api/public/otel/v1/traces", proto: HTTPProtobuf,
			headers: map[string]string{"Authorization": "Basic cGs6c2s=", "x-langfuse-ingestion-version": "4"}},
		{name: "langsmith self-hosted", cfg: Config{Type: LangSmith, Endpoint: "https://ls.example/api/v1", Project: "demo"}, sec: Secrets{Key: "k"},
			url: "https://ls.example/api/v1/otel/v1/traces", proto: HTTPProtobuf,
			headers: map[string]string{"x-api-key": "k", "Langsmith-Project": "demo"}},
		{name: "langsmith workspace", cfg: Config{Type: LangSmith, Project: "demo", Workspace: "ws-uuid"}, sec: Secrets{Key: "k"},
			url: "https://api.smith.langchain.com/otel/v1/traces", proto: HTTPProtobuf,
			headers: map[string]string{"x-api-key": "k", "Langsmith-Project": "demo", "x-tenant-id": "ws-uuid"}},
		{name: "phoenix no auth", cfg: Config{Type: Phoenix, Endpoint: "http://phoenix:6006"},
			url: "http://phoenix:6006/v1/traces", proto: HTTPProtobuf,
			headers: map[string]string{"x-project-name": "default"}, attrs: map[string]string{"openinference.project.name": "default"}},
		{name: "phoenix auth", cfg: Config{Type: Phoenix}, sec: Secrets{Key: "k"},
			url: "https://app.phoenix.arize.com/v1/traces", proto: HTTPProtobuf,
			headers: map[string]string{"x-project-name": "default", "Authorization": "Bearer k"}, attrs: map[string]string{"openinference.project.name": "default"}},
		{name: "weave", cfg: Config{Type: Weave, Entity: "team", Project: "app"}, sec: Secrets{Key: "k"},
			url: "https://trace.wandb.ai/otel/v1/traces", proto: HTTPProtobuf,
			headers: map[string]string{"wandb-api-key": "k", "project_id": "team/app"}, attrs: map[string]string{"wandb.entity": "team", "wandb.project": "app"}},
		{name: "aliyun http hides token", cfg: Config{Type: Aliyun}, sec: Secrets{Key: "TOKEN"},
			url: "https://tracing-analysis-dc-hz.aliyuncs.com/adapt_TOKEN/api/otlp/traces", display: "https://tracing-analysis-dc-hz.aliyuncs.com/adapt_{license_key}/api/otlp/traces",
			proto: HTTPProtobuf, headers: map[string]string{}, attrs: map[string]string{"service.name": "dify_app", "acs.arms.service.feature": "genai_app"}},
		{name: "aliyun cms2", cfg: Config{Type: Aliyun, Endpoint: "https://proj.cn-hangzhou.log.aliyuncs.com"}, sec: Secrets{Key: "T"},
			url: "https://proj.cn-hangzhou.log.aliyuncs.com/adapt_T/api/v1/traces", display: "https://proj.cn-hangzhou.log.aliyuncs.com/adapt_{license_key}/api/v1/traces",
			proto: HTTPProtobuf, headers: map[string]string{}, attrs: map[string]string{"service.name": "dify_app", "acs.arms.service.feature": "genai_app"}},
		{name: "aliyun grpc", cfg: Config{Type: Aliyun, Protocol: GRPC, Endpoint: "http://tracing-analysis-dc-hz.aliyuncs.com:8090"}, sec: Secrets{Key: "T"},
			url: "tracing-analysis-dc-hz.aliyuncs.com:8090", proto: GRPC, insecure: true,
			headers: map[string]string{"Authentication": "T"}, attrs: map[string]string{"service.name": "dify_app", "acs.arms.service.feature": "genai_app"}},
		{name: "opik", cfg: Config{Type: Opik, Workspace: "ws"}, sec: Secrets{Key: "k"},
			url: "https://www.comet.com/opik/api/v1/private/otel/v1/traces", proto: HTTPProtobuf,
			headers: map[string]string{"Authorization": "k", "Comet-Workspace": "ws", "projectName": "Default Project"}},
		{name: "tencent", cfg: Config{Type: Tencent, Endpoint: "http://apm.local"}, sec: Secrets{Key: "t"},
			url: "apm.local:4317", proto: GRPC, insecure: true,
			headers: map[string]string{"authorization": "Bearer t"}, attrs: map[string]string{"service.name": "dify_app"}},
		{name: "otlp grpc", cfg: Config{Type: OTLP, Endpoint: "https://tempo:4317", Protocol: GRPC, Headers: map[string]string{"x-scope-orgid": "t1"}},
			sec: Secrets{Headers: map[string]string{"authorization": "Bearer z"}},
			url: "tempo:4317", proto: GRPC, headers: map[string]string{"x-scope-orgid": "t1", "authorization": "Bearer z"}},
		{name: "otlp http json", cfg: Config{Type: OTLP, Endpoint: "http://jaeger:4318", Protocol: HTTPJSON},
			url: "http://jaeger:4318/v1/traces", proto: HTTPJSON, headers: map[string]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ExportFor(mustNormalize(t, c.cfg), c.sec)
			if e.URL != c.url || e.Protocol != c.proto || e.Insecure != c.insecure {
				t.Fatalf("got url=%s proto=%s insecure=%v", e.URL, e.Protocol, e.Insecure)
			}
			if want := c.display; want == "" && e.DisplayURL != c.url || want != "" && e.DisplayURL != want {
				t.Fatalf("display url %s", e.DisplayURL)
			}
			got := map[string]string{}
			for _, h := range e.Headers {
				got[h.Name] = h.Value
			}
			if !reflect.DeepEqual(got, c.headers) {
				t.Fatalf("headers %v, want %v", got, c.headers)
			}
			if len(c.attrs) > 0 || len(e.ResourceAttributes) > 0 {
				if !reflect.DeepEqual(e.ResourceAttributes, c.attrs) {
					t.Fatalf("resource attributes %v, want %v", e.ResourceAttributes, c.attrs)
				}
			}
		})
	}
}

func TestSecretHeadersAreMarked(t *testing.T) {
	for _, typ := range Types() {
		cfg := Config{Type: typ, PublicKey: "pk", Project: "p", Entity: "e", Endpoint: "https://x.example"}
		if typ == Langfuse || typ == Opik {
			cfg.Endpoint = ""
		}
		if typ == Opik {
			cfg.Workspace = "ws"
		}
		if typ != Langfuse {
			cfg.PublicKey = ""
		}
		if typ != Weave {
			cfg.Entity = ""
		}
		if typ == Langfuse || typ == Aliyun || typ == Tencent || typ == OTLP || typ == MLflow || typ == Databricks {
			cfg.Project = ""
		}
		if typ == MLflow {
			cfg.Username = "u" // Basic auth carries the password
		}
		if typ == Databricks {
			cfg.ExperimentID = "42"
		}
		n := mustNormalize(t, cfg)
		e := ExportFor(n, Secrets{Key: "S3CR3T"})
		for _, h := range e.Headers {
			if strings.Contains(h.Value, "S3CR3T") != h.Secret && !strings.HasPrefix(h.Value, "Basic ") {
				t.Errorf("%s: header %s secret flag %v", typ, h.Name, h.Secret)
			}
		}
		if strings.Contains(e.DisplayURL, "S3CR3T") {
			t.Errorf("%s: display URL leaks the secret", typ)
		}
	}
}

// MLflow and Databricks as Dify configures them: the OTLP endpoint at the
// tracking server's root (MLflow) or /api/2.0/otel (Databricks), the
// experiment in x-mlflow-experiment-id, Basic or Bearer auth, and a
// Databricks service principal through the OAuth client-credentials grant.
func TestMLflowAndDatabricksExports(t *testing.T) {
	m := mustNormalize(t, Config{Type: MLflow})
	if m.Endpoint != "http://localhost:5000" || m.ExperimentID != "0" {
		t.Fatalf("mlflow defaults: %+v", m)
	}
	e := ExportFor(m, Secrets{})
	if e.URL != "http://localhost:5000/v1/traces" || len(e.Headers) != 1 || e.Headers[0].Name != "x-mlflow-experiment-id" || e.Headers[0].Value != "0" || !e.ProtobufOnly {
		t.Fatalf("mlflow without a user: %+v", e)
	}
	m = mustNormalize(t, Config{Type: MLflow, Endpoint: "https://mlflow.example/prefix/", ExperimentID: "7", Username: "bot"})
	e = ExportFor(m, Secrets{Key: "pw"})
	if e.URL != "https://mlflow.example/prefix/v1/traces" || strings.Join(e.HeaderNames(), ",") != "Authorization,x-mlflow-experiment-id" ||
		e.Headers[1].Value != basic("bot", "pw") {
		t.Fatalf("mlflow with a user: %+v", e)
	}
	d := mustNormalize(t, Config{Type: Databricks, Endpoint: "https://dbc-1.cloud.databricks.com", ExperimentID: "123"})
	e = ExportFor(d, Secrets{Key: "dapi"})
	if e.URL != "https://dbc-1.cloud.databricks.com/api/2.0/otel/v1/traces" || e.Headers[1].Value != "Bearer dapi" || e.OAuth != nil {
		t.Fatalf("databricks with a token: %+v", e)
	}
	d.ClientID = "sp-1"
	if SecretNameFor(d) != "client_secret" || SecretNameFor(Config{Type: Databricks}) != "token" {
		t.Fatal("SecretNameFor")
	}
	e = ExportFor(d, Secrets{Key: "sp-secret"})
	if e.OAuth == nil || e.OAuth.TokenURL != "https://dbc-1.cloud.databricks.com/oidc/v1/token" || e.OAuth.ClientSecret != "sp-secret" ||
		strings.Join(e.HeaderNames(), ",") != "Authorization,x-mlflow-experiment-id" {
		t.Fatalf("databricks with a service principal: %+v", e)
	}
	for _, bad := range []struct {
		c     Config
		field string
	}{
		{Config{Type: MLflow, ExperimentID: "my-experiment"}, FieldExperimentID},
		{Config{Type: MLflow, Endpoint: "https://adb-1.azuredatabricks.net"}, FieldEndpoint},
		{Config{Type: Databricks, Endpoint: "https://dbc-1.cloud.databricks.com"}, FieldExperimentID},
		{Config{Type: Databricks, Endpoint: "http://dbc-1.cloud.databricks.com", ExperimentID: "1"}, FieldEndpoint},
		{Config{Type: Databricks, ExperimentID: "1"}, FieldEndpoint},
	} {
		_, err := Normalize(bad.c)
		var es Errors
		if !errors.As(err, &es) || len(es) != 1 || es[0].Field != bad.field {
			t.Errorf("%+v: %v, want one error on %s", bad.c, err, bad.field)
		}
	}
}
