package platform

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestNormalizeDefaults(t *testing.T) {
	cases := []struct {
		in   Config
		want Config
	}{
		{Config{Type: Langfuse, PublicKey: "pk-lf-1"},
			Config{Type: Langfuse, Host: "https://cloud.langfuse.com", PublicKey: "pk-lf-1", Protocol: HTTPProtobuf}},
		{Config{Type: LangSmith, Project: "p"},
			Config{Type: LangSmith, Endpoint: "https://api.smith.langchain.com", Project: "p", Protocol: HTTPProtobuf}},
		{Config{Type: Phoenix},
			Config{Type: Phoenix, Endpoint: "https://app.phoenix.arize.com", Project: "default", Protocol: HTTPProtobuf}},
		{Config{Type: Weave, Entity: "e", Project: "p"},
			Config{Type: Weave, Endpoint: "https://trace.wandb.ai", Entity: "e", Project: "p", Protocol: HTTPProtobuf}},
		{Config{Type: Aliyun},
			Config{Type: Aliyun, Endpoint: "https://tracing-analysis-dc-hz.aliyuncs.com", AppName: "dify_app", Protocol: HTTPProtobuf}},
		{Config{Type: Opik, Workspace: "ws"},
			Config{Type: Opik, URL: "https://www.comet.com/opik/api/", Workspace: "ws", Project: "Default Project", Protocol: HTTPProtobuf}},
		{Config{Type: Opik, URL: "http://opik.local:5173/api/"},
			Config{Type: Opik, URL: "http://opik.local:5173/api/", Project: "Default Project", Protocol: HTTPProtobuf}},
		{Config{Type: Tencent, Endpoint: "http://ap-guangzhou.apm.tencentcs.com:4317"},
			Config{Type: Tencent, Endpoint: "http://ap-guangzhou.apm.tencentcs.com:4317", ServiceName: "dify_app", Protocol: GRPC}},
		{Config{Type: OTLP, Endpoint: "http://tempo:4318/"},
			Config{Type: OTLP, Endpoint: "http://tempo:4318", Protocol: HTTPProtobuf}},
	}
	for _, c := range cases {
		t.Run(string(c.in.Type), func(t *testing.T) {
			got, err := Normalize(c.in)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
			again, err := Normalize(got)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("Normalize is not idempotent: %+v, %v", again, err)
			}
		})
	}
}

func TestNormalizeErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name  string
		in    Config
		field string
		text  string
	}{
		{"unknown type", Config{Type: "datadog"}, FieldType, "expected one of langfuse"},
		{"langfuse needs public key", Config{Type: Langfuse}, FieldPublicKey, "is required"},
		{"langfuse swapped keys", Config{Type: Langfuse, PublicKey: "sk-lf-secret"}, FieldPublicKey, "secret key"},
		{"langfuse bad host", Config{Type: Langfuse, PublicKey: "pk", Host: "cloud.langfuse.com"}, FieldHost, "absolute http"},
		{"langfuse host with credentials", Config{Type: Langfuse, PublicKey: "pk", Host: "https://u:p@x"}, FieldHost, "credentials"},
		{"langsmith https only", Config{Type: LangSmith, Project: "p", Endpoint: "http://ls.local"}, FieldEndpoint, "https"},
		{"langsmith needs project", Config{Type: LangSmith}, FieldProject, "is required"},
		{"weave https only", Config{Type: Weave, Entity: "e", Project: "p", Endpoint: "http://w"}, FieldEndpoint, "https"},
		{"weave doubled path", Config{Type: Weave, Entity: "e", Project: "p", Endpoint: "https://trace.wandb.ai/otel/v1/traces"}, FieldEndpoint, "base URL"},
		{"weave needs entity", Config{Type: Weave, Project: "p"}, FieldEntity, "is required"},
		{"opik suffix", Config{Type: Opik, URL: "https://www.comet.com/opik/api"}, FieldURL, `end with "/api/"`},
		{"tencent origin only", Config{Type: Tencent, Endpoint: "https://apm.x/path"}, FieldEndpoint, "no path"},
		{"tencent management api", Config{Type: Tencent, Endpoint: "https://apm.tencentcloudapi.com"}, FieldEndpoint, "management API"},
		{"tencent needs endpoint", Config{Type: Tencent}, FieldEndpoint, "is required"},
		{"opik cloud needs workspace", Config{Type: Opik}, FieldWorkspace, "Workspace name should be provided"},
		{"opik not json", Config{Type: Opik, Workspace: "w", Protocol: HTTPJSON}, FieldProtocol, "base64"},
		{"aliyun grpc not tls", Config{Type: Aliyun, Protocol: GRPC}, FieldEndpoint, "plain text"},
		{"otlp needs endpoint", Config{Type: OTLP}, FieldEndpoint, "is required"},
		{"otlp grpc no path", Config{Type: OTLP, Endpoint: "http://c:4317/v1", Protocol: GRPC}, FieldEndpoint, "no path"},
		{"field of another type", Config{Type: Phoenix, PublicKey: "pk"}, FieldPublicKey, `not used by type "phoenix"`},
		{"protocol not offered", Config{Type: Phoenix, Protocol: GRPC}, FieldProtocol, "accepts http/protobuf"},
		{"headers only otlp", Config{Type: Langfuse, PublicKey: "pk", Headers: map[string]string{"a": "b"}}, FieldHeaders, "only used"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Normalize(c.in)
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("want Errors, got %v", err)
			}
			for _, e := range errs {
				if e.Field == c.field && strings.Contains(e.Message, c.text) {
					return
				}
			}
			t.Fatalf("no error on %s containing %q in %v", c.field, c.text, err)
		})
	}
}

func TestNormalizeSwappedKeyDoesNotEchoIt(t *testing.T) {
	_, err := Normalize(Config{Type: Langfuse, PublicKey: "sk-lf-TOPSECRET"})
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") {
		t.Fatalf("error must exist and must not echo the key: %v", err)
	}
}

func TestNormalizeReportsAllProblems(t *testing.T) {
	_, err := Normalize(Config{Type: Weave, Endpoint: "http://x"})
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 3 {
		t.Fatalf("want 3 problems (endpoint, entity, project), got %v", err)
	}
}

func TestFieldsAndSecrets(t *testing.T) {
	if got := Fields(Aliyun); !reflect.DeepEqual(got, []string{FieldEndpoint, FieldAppName, FieldProtocol}) {
		t.Fatalf("aliyun fields: %v", got)
	}
	if got := Fields(Phoenix); !reflect.DeepEqual(got, []string{FieldEndpoint, FieldProject}) {
		t.Fatalf("phoenix fields: %v", got)
	}
	for typ, want := range map[Type]string{Langfuse: "secret_key", LangSmith: "api_key", Aliyun: "license_key", Tencent: "token", OTLP: ""} {
		if SecretName(typ) != want {
			t.Errorf("%s secret: %q", typ, SecretName(typ))
		}
	}
	if SecretRequired(Phoenix) || SecretRequired(Opik) || !SecretRequired(Langfuse) {
		t.Error("secret requirement wrong")
	}
	if Default(Tencent, FieldProtocol) != "grpc" || Default(Langfuse, FieldHost) != "https://cloud.langfuse.com" {
		t.Error("defaults wrong")
	}
}
