package platform

import (
	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// LangSmith: OTLP/HTTP at /otel, the key in x-api-key, the project in
// Langsmith-Project (Dify's LangSmithConfig: https only).
var langsmith = &descriptor{
	typ: LangSmith, title: "LangSmith",
	fields: []fieldSpec{
		{name: FieldEndpoint, def: "https://api.smith.langchain.com", url: &urlRule{httpsOnly: true}},
		{name: FieldProject, required: true},
		{name: FieldWorkspace, doc: "workspace id, sent as `x-tenant-id` (needed for API keys that belong to several workspaces)"},
	},
	secret:       secretSpec{name: "api_key", required: true},
	protocols:    []Protocol{HTTPProtobuf, HTTPJSON},
	export:       langsmithExport,
	probes:       langsmithProbes,
	rejectedHint: "api_key (and workspace, sent as x-tenant-id, for keys of several workspaces)",
	mapping:      mapEach(kindAttribute("langsmith.span.kind", langsmithKind), genAI),
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

func langsmithProbes(c Config, _ Secrets, exp Export) []probe {
	hs := onlyHeader(exp.Headers, "x-api-key")
	hs = append(hs, onlyHeader(exp.Headers, "x-tenant-id")...)
	return []probe{get(c.Endpoint+"/sessions?limit=1", hs...)}
}

var langsmithKind = kindNames{llmspan.KindLLM: "llm", llmspan.KindEmbedding: "embedding", llmspan.KindChain: "chain",
	llmspan.KindRetriever: "retriever", llmspan.KindTool: "tool", llmspan.KindAgent: "chain", llmspan.KindOther: "chain"}
