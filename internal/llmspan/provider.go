package llmspan

import "strings"

// providerAliases maps names apps send to the GenAI semantic conventions'
// gen_ai.provider.name values (semconv 1.37+ well-known values). Names not
// listed are kept, lower-cased.
var providerAliases = map[string]string{
	"azure_openai": "azure.ai.openai", "azure": "azure.ai.openai", "azureopenai": "azure.ai.openai",
	"azure_ai_inference": "azure.ai.inference",
	"bedrock":            "aws.bedrock", "aws_bedrock": "aws.bedrock", "amazon_bedrock": "aws.bedrock",
	"vertex_ai": "gcp.vertex_ai", "vertexai": "gcp.vertex_ai", "google_vertex": "gcp.vertex_ai",
	"gemini": "gcp.gemini", "google": "gcp.gemini", "google_gemini": "gcp.gemini",
	"mistral": "mistral_ai", "mistralai": "mistral_ai",
	"xai": "x_ai", "x-ai": "x_ai", "grok": "x_ai",
	"watsonx": "ibm.watsonx.ai", "ibm_watsonx": "ibm.watsonx.ai",
	"openai_api_compatible": "openai", "azure.openai": "azure.ai.openai",
}

// NormalizeProvider returns the semconv provider name for what an app
// sent: Dify's plugin ids ("langgenius/openai/openai") keep their last
// segment, known aliases map to the well-known values.
func NormalizeProvider(p string) string {
	switch p { // already canonical: the common case, no hashing
	case "", "openai", "anthropic", "aws.bedrock", "azure.ai.openai", "azure.ai.inference", "gcp.gemini", "gcp.vertex_ai",
		"gcp.gen_ai", "deepseek", "mistral_ai", "cohere", "groq", "x_ai", "perplexity", "ibm.watsonx.ai":
		return p
	}
	p = strings.ToLower(strings.TrimSpace(p))
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if a, ok := providerAliases[p]; ok {
		return a
	}
	return p
}
