package server

import (
	"encoding/json"
	"net/http"

	"github.com/llmops/terraform-provider-llmops/internal/receiver"
)

// admin requires the receivers' bearer token on an admin endpoint when auth
// is configured: dead letters hold trace content, and replay changes state.
// The metrics port has no other protection; keep it private all the same.
func (s *Server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !receiver.Authorized(s.token, r.Header.Get("Authorization")) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="llmops-exporter"`)
			http.Error(w, "missing or invalid bearer token (the receivers' token)", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

// listDeadLetters serves GET /deadletters[?destination=x] for the
// `deadletter list` command while the exporter holds the queue file.
func (s *Server) listDeadLetters(w http.ResponseWriter, r *http.Request) {
	if s.fanout == nil {
		http.Error(w, "no destinations configured", http.StatusNotFound)
		return
	}
	dls, err := s.fanout.Store().DeadLetters(r.URL.Query().Get("destination"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(dls)
}

// replayDeadLetters serves POST /deadletters/replay?destination=x.
func (s *Server) replayDeadLetters(w http.ResponseWriter, r *http.Request) {
	if s.fanout == nil {
		http.Error(w, "no destinations configured", http.StatusNotFound)
		return
	}
	n, err := s.fanout.Replay(r.URL.Query().Get("destination"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]int{"replayed": n})
	s.log.Info("dead letters replayed", "destination", r.URL.Query().Get("destination"), "batches", n)
}

// readyz serves /ready: 200 once serving, 503 before and while stopping.
// The JSON body carries what an operator must know even while ready, such
// as a damaged queue file moved aside at start-up.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	body := map[string]any{"status": "ready"}
	code := http.StatusOK
	if !s.ready.Load() {
		body["status"], code = "not ready", http.StatusServiceUnavailable
	}
	if s.fanout != nil && s.fanout.Recovery() != nil {
		body["queue_corruption"] = s.fanout.Recovery()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}
