package platformtest

import (
	"encoding/base64"
	"net/http"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// fakeRules is what one platform's fake enforces beyond what every OTLP
// receiver does (decodable bodies, content types, outages). Each platform's
// file defines its rules; fakes lists them.
type fakeRules struct {
	// tls: the platform refuses plain HTTP, so its fake speaks TLS.
	tls bool
	// basePath is appended to the fake's address for the URL field (Opik's
	// API URL ends in /api/).
	basePath string
	// ingest is the OTLP/HTTP traces path, its auth rule, and whether it
	// takes protobuf only. Nil: the platform's routes serve ingest.
	ingest func(f *Fake, cfg platform.Config, sec platform.Secrets) (path string, auth func(*http.Request) int, protobufOnly bool)
	// routes registers the platform's other endpoints (credential checks).
	routes func(f *Fake, mux *http.ServeMux, cfg platform.Config, sec platform.Secrets)
	// checkRequest refuses an ingest request on its headers (status, message).
	checkRequest func(r *http.Request) (int, string)
	// checkTraces refuses a decoded export ("" accepts it).
	checkTraces func(f *Fake, td ptrace.Traces) string
}

// fakes is every platform's fake, by type. It is filled in init because the
// rules' handlers look fakes up themselves.
var fakes map[platform.Type]fakeRules

func init() {
	fakes = map[platform.Type]fakeRules{
		platform.Langfuse:   langfuseFake,
		platform.LangSmith:  langsmithFake,
		platform.Phoenix:    phoenixFake,
		platform.Weave:      weaveFake,
		platform.Aliyun:     aliyunFake,
		platform.Opik:       opikFake,
		platform.Tencent:    tencentFake,
		platform.MLflow:     mlflowFake,
		platform.Databricks: databricksFake,
		platform.OTLP:       otlpFake,
	}
}

// basicRule requires HTTP Basic user:pass.
func basicRule(user, pass string) func(*http.Request) int {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	return func(r *http.Request) int {
		if r.Header.Get("Authorization") != want {
			return http.StatusUnauthorized
		}
		return 0
	}
}
