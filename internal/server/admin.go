package server

import (
	"encoding/json"
	"net/http"
)

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
