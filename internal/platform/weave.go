package platform

import (
	"fmt"
	"net/http"
)

// W&B Weave: OTLP/HTTP protobuf at /otel, the key in wandb-api-key, the
// entity and project as resource attributes (and project_id for older
// deployments).
var weave = &descriptor{
	typ: Weave, title: "W&B Weave",
	fields: []fieldSpec{
		{name: FieldEndpoint, def: "https://trace.wandb.ai", url: &urlRule{httpsOnly: true}},
		{name: FieldEntity, required: true, doc: "the team or user that owns the project"},
		{name: FieldProject, required: true},
	},
	secret:       secretSpec{name: "api_key", required: true},
	protocols:    []Protocol{HTTPProtobuf},
	export:       weaveExport,
	probes:       weaveProbes,
	rejectedHint: "api_key, entity and project",
	// Weave reads GenAI natively (and OpenInference); a model call in
	// Langfuse's own attributes would arrive without model or usage.
	mapping: mapEach(genAI),
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

// weaveProbes: the trace server's call statistics for the project, with
// the key as HTTP Basic user "api".
func weaveProbes(c Config, s Secrets, _ Export) []probe {
	p := get(c.Endpoint+"/calls/query_stats", Header{Name: "Authorization", Value: basic("api", s.Key), Secret: true})
	p.method = http.MethodPost
	p.body = []byte(fmt.Sprintf(`{"project_id":%q}`, c.Entity+"/"+c.Project))
	p.contentType = "application/json"
	return []probe{p}
}
