package receiver

import (
	"encoding/json"
	"net/http"

	"github.com/llmops/terraform-provider-llmops/internal/lfingest"
	"github.com/llmops/terraform-provider-llmops/internal/otlpwire"
	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
)

// Langfuse makes the HTTP receiver answer as a Langfuse ingest endpoint, so
// Dify's Langfuse provider can use the exporter as its host: Basic auth
// with PublicKey as the user and the receivers' token as the secret key.
type Langfuse struct {
	PublicKey, ProjectID, ProjectName string
	// ServiceName is service.name on ingested spans (lfingest.Options).
	ServiceName string
}

type langfuseAuthKey struct{}

// langfuseRoutes adds Langfuse's public API surface Dify uses: health, the
// projects call Dify's settings check makes, OTLP traces (Dify's newest
// provider) and the legacy ingestion batch (Dify 1.13 and older).
func langfuseRoutes(mux *http.ServeMux, c Consumer, o Options) {
	lf := o.Langfuse
	mux.HandleFunc("GET /api/public/health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSONBody(w, http.StatusOK, map[string]any{"status": "OK", "version": "llmops-exporter"})
	})
	mux.HandleFunc("GET /api/public/projects", func(w http.ResponseWriter, r *http.Request) {
		if !authorizedRequest(o.Token, withLangfuse(r, lf)) {
			langfuseUnauthorized(w)
			return
		}
		// Dify's check needs a non-empty data list with an id.
		writeJSONBody(w, http.StatusOK, map[string]any{"data": []any{map[string]any{"id": lf.ProjectID, "name": lf.ProjectName,
			"metadata": map[string]any{}}}})
	})
	mux.HandleFunc("/api/public/otel/v1/traces", func(w http.ResponseWriter, r *http.Request) {
		handleTraces(c, o, w, withLangfuse(r, lf))
	})
	mux.HandleFunc("/api/public/ingestion", func(w http.ResponseWriter, r *http.Request) {
		handleIngestion(c, o, w, withLangfuse(r, lf))
	})
}

func withLangfuse(r *http.Request, lf *Langfuse) *http.Request {
	return r.WithContext(contextWith(r.Context(), langfuseAuthKey{}, lf))
}

func langfuseUnauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="langfuse"`)
	writeJSONBody(w, http.StatusUnauthorized, map[string]any{"message": "Invalid credentials: use the exporter's token as the Langfuse secret key"})
}

// basicAuthorized accepts, on Langfuse routes, Basic auth whose password
// is the token (and whose user is the public key, when one is set).
func basicAuthorized(token string, r *http.Request) bool {
	lf, _ := r.Context().Value(langfuseAuthKey{}).(*Langfuse)
	if lf == nil {
		return false
	}
	user, pass, ok := r.BasicAuth()
	return ok && TokenEqual(pass, token) && (lf.PublicKey == "" || TokenEqual(user, lf.PublicKey))
}

// handleIngestion serves POST /api/public/ingestion: a JSON batch of
// events answered 207 with per-event successes and errors; a malformed
// event is reported and the others kept.
func handleIngestion(c Consumer, o Options, w http.ResponseWriter, r *http.Request) {
	body, _, release, herr := readRequest(o, r)
	defer release()
	if herr != nil {
		o.Metrics.refused("langfuse", herr.reason, 0)
		if herr.status == http.StatusUnauthorized {
			langfuseUnauthorized(w)
			return
		}
		writeJSONBody(w, herr.status, map[string]any{"message": herr.msg})
		return
	}
	done := o.Admission.Process()
	defer done()
	var req struct {
		Batch []lfingest.Event `json:"batch"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		o.Metrics.refused("langfuse", "decode", 0)
		writeJSONBody(w, http.StatusBadRequest, map[string]any{"message": "invalid ingestion request: " + err.Error()})
		return
	}
	td, results := lfingest.ConvertWith(req.Batch, lfingest.Options{ServiceName: o.Langfuse.ServiceName, Project: o.Langfuse.ProjectName})
	n := td.SpanCount()
	if n > 0 {
		if err := otlpwire.CheckNesting(td); err != nil {
			writeJSONBody(w, http.StatusBadRequest, map[string]any{"message": err.Error()})
			return
		}
		res, err := c.ConsumeTraces(pipeline.WithYield(r.Context(), done), td)
		done()
		if err != nil {
			writeConsumeError(o, w, ctJSON, n, err)
			return
		}
		o.Metrics.received("langfuse", n, res.Rejected)
	}
	out := map[string]any{"successes": []lfingest.Result{}, "errors": []lfingest.Result{}}
	for _, res := range results {
		key := "successes"
		if res.Status >= 300 {
			key = "errors"
		}
		out[key] = append(out[key].([]lfingest.Result), res)
	}
	writeJSONBody(w, http.StatusMultiStatus, out)
}

func writeJSONBody(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", ctJSON)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
