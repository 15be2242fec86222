package server

import (
	"encoding/json"
	"net"
	"net/http"

	"github.com/llmops/terraform-provider-llmops/internal/receiver"
)

// admin requires the admin token (admin.token_file/token_env, else the
// receivers' token) on an admin endpoint: dead letters hold trace content,
// and replay changes state. With no token configured the endpoints are
// off: never open to whoever reaches the metrics port.
func (s *Server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.adminToken == "" {
			http.Error(w, "admin endpoints are off: no token is configured (set admin.token_file or receivers.otlp.auth); "+
				"with the exporter stopped, `llmops-exporter deadletter` works on the queue file", http.StatusForbidden)
			return
		}
		if !receiver.Authorized(s.adminToken, r.Header.Get("Authorization")) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="llmops-exporter"`)
			http.Error(w, "missing or invalid bearer token (admin.token_file, else the receivers' token)", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

// warnIfOpen logs a warning when a port is reachable beyond loopback
// without auth: anyone who reaches it can send spans (receivers) or read
// the metrics, whose labels name apps and models.
func (s *Server) warnIfOpen() {
	if s.token != "" {
		return
	}
	for name, l := range map[string]net.Listener{"metrics": s.metrLis, "otlp_http": s.httpLis, "otlp_grpc": s.grpcLis} {
		if l == nil {
			continue
		}
		if a, ok := l.Addr().(*net.TCPAddr); ok && !a.IP.IsLoopback() {
			s.log.Warn("a port is bound beyond loopback and no receiver auth is configured: anyone who can reach it can send spans "+
				"or read the metrics; set receivers.otlp.auth (OTLP_API_KEY) or bind to 127.0.0.1", "listener", name, "address", a.String())
		}
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

// readyz serves /ready: 200 once serving; 503 before, while stopping, and
// while requests are refused because the queue's volume is full (with the
// reason). The JSON body carries what an operator must know even while
// ready, such as a damaged queue file moved aside at start-up.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	body := map[string]any{"status": "ready"}
	code := http.StatusOK
	if !s.ready.Load() {
		body["status"], code = "not ready", http.StatusServiceUnavailable
	}
	if s.fanout != nil {
		if full, why := s.fanout.Store().DiskFull(); full {
			body["status"], code = "not ready", http.StatusServiceUnavailable
			body["reason"] = "refusing requests: the durable queue's volume is full (" + why + ")"
		}
		if rec := s.fanout.Recovery(); rec != nil {
			body["queue_corruption"] = rec
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}
