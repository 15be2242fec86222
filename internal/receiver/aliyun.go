package receiver

import (
	"context"
	"net/http"
	"regexp"
)

// aliyunPath is the trace path of Alibaba Cloud's Managed Service for
// OpenTelemetry (ARMS), which Dify's Aliyun tracing provider builds as
// {endpoint}/adapt_{license_key}/api/otlp/traces (its traceclient.py
// build_endpoint), under whatever path prefix the endpoint has.
var aliyunPath = regexp.MustCompile(`(?:^|/)adapt_([^/]+)/api/otlp/traces$`)

type pathTokenKey struct{}

func contextWith(ctx context.Context, k, v any) context.Context { return context.WithValue(ctx, k, v) }

// aliyunTraces serves the ARMS trace path as an alias of /v1/traces, so
// Dify's Aliyun provider can point at the exporter: the path's token is
// accepted as the bearer credential, and HEAD and GET answer 405 as ARMS
// does (Dify saves the provider only after a HEAD on the path gets 405).
// Any other path is 404.
func aliyunTraces(c Consumer, o Options) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := aliyunPath.FindStringSubmatch(r.URL.Path)
		if m == nil {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed: POST OTLP traces here", http.StatusMethodNotAllowed)
			return
		}
		handleTraces(c, o, w, r.WithContext(context.WithValue(r.Context(), pathTokenKey{}, m[1])))
	}
}

// authorizedRequest accepts the bearer header, or, on the ARMS path, the
// token in the path.
func authorizedRequest(token string, r *http.Request) bool {
	if Authorized(token, r.Header.Get("Authorization")) || basicAuthorized(token, r) {
		return true
	}
	pathToken, _ := r.Context().Value(pathTokenKey{}).(string)
	return pathToken != "" && TokenEqual(pathToken, token)
}
