package platform

import (
	"maps"
	"net/url"
	"slices"
)

// Any OTLP back end (Tempo, Jaeger, an OTel Collector, ...): the three
// transports, user-defined plain and secret headers, and requests forwarded
// as received (no attribute mapping).
var otlp = &descriptor{
	typ: OTLP, title: "OTLP",
	fields: []fieldSpec{
		{name: FieldEndpoint, required: true, url: anyURL, doc: "`scheme://host:port` for gRPC"},
	},
	protocols:    []Protocol{HTTPProtobuf, HTTPJSON, GRPC},
	headers:      true,
	gzip:         true, // the OTLP specification requires receivers to accept it
	export:       otlpExport,
	validate:     otlpValidate,
	rejectedHint: "headers and secret_headers",
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

func otlpValidate(c Config) Errors {
	if c.Protocol == GRPC {
		if u, err := url.Parse(c.Endpoint); err == nil && u.Path != "" && u.Path != "/" {
			return Errors{{FieldEndpoint, "a gRPC endpoint is scheme://host:port with no path"}}
		}
	}
	return nil
}
