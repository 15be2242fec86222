package platform

import (
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// Alibaba Cloud ARMS: OTLP/HTTP with the license key in the path, or gRPC
// on 8090 with an Authentication header (Dify's AliyunConfig: endpoint
// default https://tracing-analysis-dc-hz.aliyuncs.com, app_name dify_app).
var aliyun = &descriptor{
	typ: Aliyun, title: "Alibaba Cloud ARMS",
	fields: []fieldSpec{
		{name: FieldEndpoint, def: "https://tracing-analysis-dc-hz.aliyuncs.com", url: anyURL},
		{name: FieldAppName, def: "dify_app", doc: "the service name reported to ARMS"},
	},
	secret:       secretSpec{name: "license_key", required: true},
	protocols:    []Protocol{HTTPProtobuf, GRPC},
	export:       aliyunExport,
	validate:     aliyunValidate,
	probes:       aliyunProbes,
	rejectedHint: "license_key",
	mapping: mapEach(kindAttribute("gen_ai.span.kind", aliyunKind), func(span ptrace.Span, _ llmspan.Span) {
		putIfAbsent(span.Attributes(), "gen_ai.framework", "dify")
	}, genAI),
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

func aliyunValidate(c Config) Errors {
	if u, err := url.Parse(c.Endpoint); err == nil && c.Protocol == GRPC && u.Scheme == "https" {
		return Errors{{FieldEndpoint, "ARMS's gRPC ingest (port 8090) is plain text: use http://tracing-analysis-dc-<region>.aliyuncs.com:8090 " +
			"(Alibaba's docs set tls insecure for gRPC); https:// would make the exporter dial TLS and fail the handshake"}}
	}
	return nil
}

// aliyunProbes is Dify's check: ARMS answers HEAD on the traces URL with 405.
func aliyunProbes(_ Config, _ Secrets, exp Export) []probe {
	return []probe{{method: http.MethodHead, url: exp.URL, display: exp.DisplayURL, headers: exp.Headers,
		accept: func(st int, _ string) bool { return st == http.StatusMethodNotAllowed || st/100 == 2 }}}
}

var aliyunKind = kindNames{llmspan.KindLLM: "LLM", llmspan.KindEmbedding: "EMBEDDING", llmspan.KindChain: "CHAIN",
	llmspan.KindRetriever: "RETRIEVER", llmspan.KindTool: "TOOL", llmspan.KindAgent: "AGENT", llmspan.KindOther: "TASK"}
