package platformtest

import (
	"net"
	"net/http"
	"strings"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// Alibaba Cloud ARMS: the license key in the path over HTTP, or gRPC with
// the Authentication header.
var aliyunFake = fakeRules{
	routes: func(f *Fake, mux *http.ServeMux, _ platform.Config, sec platform.Secrets) {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { f.serveARMS(w, r, sec) })
	},
}

// serveARMS is ARMS's OTLP/HTTP ingest: the token is the path's adapt_
// segment, the rest of the path is /api/otlp/traces, or /api/v1/traces on
// the CMS 2.0 *.log.aliyuncs.com hosts (Dify's aliyun_trace traceclient.py
// builds both). HEAD on a valid URL answers 405 (what Dify's check counts as
// valid); an unknown token is assumed to be refused with 403.
func (f *Fake) serveARMS(w http.ResponseWriter, r *http.Request, sec platform.Secrets) {
	rest := "/api/otlp/traces"
	if host, _, err := net.SplitHostPort(r.Host); (err == nil && strings.HasSuffix(host, ".log.aliyuncs.com")) || strings.HasSuffix(r.Host, ".log.aliyuncs.com") {
		rest = "/api/v1/traces"
	}
	good := "/adapt_" + sec.Key + rest
	switch {
	case r.URL.Path == good && r.Method == http.MethodHead:
		w.WriteHeader(http.StatusMethodNotAllowed)
	case r.URL.Path == good && r.Method == http.MethodPost:
		f.serveIngest(w, r, func(*http.Request) int { return 0 }, false)
	case strings.HasPrefix(r.URL.Path, "/adapt_") && strings.HasSuffix(r.URL.Path, rest):
		w.WriteHeader(http.StatusForbidden)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}
