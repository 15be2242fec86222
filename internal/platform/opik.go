package platform

import (
	"net/http"
	"net/url"
	"strings"
)

// Opik: OTLP/HTTP protobuf under its API URL, the raw key in Authorization,
// the workspace in Comet-Workspace, the project in projectName.
var opik = &descriptor{
	typ: Opik, title: "Opik",
	fields: []fieldSpec{
		{name: FieldURL, def: "https://www.comet.com/opik/api/", url: &urlRule{suffix: "/api/"}, doc: "ending in `/api/`"},
		{name: FieldWorkspace, doc: "Comet workspace, sent as `Comet-Workspace` (required by Comet's cloud)"},
		{name: FieldProject, def: "Default Project"},
	},
	secret: secretSpec{name: "api_key"},
	// Not http/json: Opik parses OTLP/JSON with protobuf JsonFormat, which
	// reads ids as base64 where OTLP/JSON writes hex, so every trace and
	// span id would be rewritten (comet-ml/opik OtelJsonMessageBodyReader).
	protocols: []Protocol{HTTPProtobuf},
	refusedProtocol: map[Protocol]string{HTTPJSON: "Opik reads OTLP/JSON ids as base64 (protobuf JsonFormat) where OTLP/JSON writes hex, " +
		"so every trace and span id would be rewritten: use http/protobuf (the default)"},
	gzip:         true,
	export:       opikExport,
	validate:     opikValidate,
	probes:       opikProbes,
	rejectedHint: "api_key and workspace",
	// Opik reads GenAI natively (its GenAIMappingRules) and OpenInference.
	mapping: mapEach(genAI),
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

func opikValidate(c Config) Errors {
	if u, err := url.Parse(c.URL); err == nil && strings.EqualFold(u.Hostname(), "www.comet.com") && c.Workspace == "" {
		return Errors{{FieldWorkspace, "is required for Opik Cloud (www.comet.com): without the Comet-Workspace header Opik answers 403 " +
			"\"Workspace name should be provided\" and every export would be dead-lettered; use your Comet workspace name"}}
	}
	return nil
}

// opikProbes: POST v1/private/auth is Opik's authenticated check (204);
// GET projects is on its public-endpoint list and answers 200 to a wrong
// key for an existing workspace (RemoteAuthService.checkAccess).
func opikProbes(c Config, _ Secrets, exp Export) []probe {
	p := get(c.URL+"v1/private/auth", withoutHeader(exp.Headers, "projectName")...)
	p.method, p.contentType, p.body = http.MethodPost, "application/json", []byte("{}")
	p.accept = func(st int, _ string) bool { return st == http.StatusNoContent || st == http.StatusOK }
	return []probe{p}
}
