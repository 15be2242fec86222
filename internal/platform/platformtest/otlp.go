package platformtest

import (
	"net/http"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// A generic OTLP receiver: every configured header is required.
var otlpFake = fakeRules{
	routes: func(f *Fake, mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
		f.otlpHTTPRoutes(mux, cfg, sec)
	},
}

// otlpHTTPRoutes serves a generic OTLP/HTTP receiver that requires every
// configured header: a wrong secret header is 401, a wrong plain one 400.
func (f *Fake) otlpHTTPRoutes(mux *http.ServeMux, cfg platform.Config, sec platform.Secrets) {
	auth := func(r *http.Request) int {
		for k, v := range sec.Headers {
			if r.Header.Get(k) != v {
				return http.StatusUnauthorized
			}
		}
		for k, v := range cfg.Headers {
			if r.Header.Get(k) != v {
				return http.StatusBadRequest
			}
		}
		return 0
	}
	mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
		mt := r.Header.Get("Content-Type")
		if mt != "application/x-protobuf" && mt != "application/json" {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		f.serveIngest(w, r, auth, false)
	})
}
