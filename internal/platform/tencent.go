package platform

import (
	"net/url"
	"strings"
)

// Tencent Cloud APM: OTLP/gRPC on the region's ingest host (port 4317), a
// bearer token (Dify's TencentConfig).
var tencent = &descriptor{
	typ: Tencent, title: "Tencent Cloud APM",
	fields: []fieldSpec{
		// No default: the ingest host names the region (<region>.apm.tencentcs.com:4317).
		{name: FieldEndpoint, required: true, url: &urlRule{originOnly: true}, doc: "the region's ingest host, `scheme://host[:port]` (`http://` means gRPC without TLS)"},
		{name: FieldServiceName, def: "dify_app", doc: "the service name reported to Tencent APM"},
	},
	secret:       secretSpec{name: "token", required: true},
	protocols:    []Protocol{GRPC},
	export:       tencentExport,
	validate:     tencentValidate,
	rejectedHint: "token",
	// Tencent reads GenAI; a model call in another convention gets it.
	mapping: mapEach(genAI),
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

func tencentValidate(c Config) Errors {
	if u, err := url.Parse(c.Endpoint); err == nil && strings.HasSuffix(strings.ToLower(u.Hostname()), "tencentcloudapi.com") {
		return Errors{{FieldEndpoint, "is Tencent Cloud's management API, not an APM ingest host: use the region's ingest host, " +
			"e.g. http://ap-guangzhou.apm.tencentcs.com:4317 (see the APM console's access guide)"}}
	}
	return nil
}
