// Package grafanatest is an in-process Grafana that enforces the HTTP API
// contracts the provider relies on (auth, org header, content type,
// dashboard versions and server-added fields, folder conflicts, whole-group
// rule PUTs with `for` normalisation and provenance), for tests that cannot
// run a real Grafana. It is deliberately strict: a request real Grafana
// would refuse is refused here with Grafana's status and message shape.
package grafanatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Fake is a running fake Grafana.
type Fake struct {
	*httptest.Server
	Token string

	mu         sync.Mutex
	nextID     int64
	dashboards map[string]*dashboard
	folders    map[string]*folder
	groups     map[string]*group // key folderUID + "/" + title
	requests   int

	contactPoints    map[string]*contactPoint
	policy           map[string]any
	policyProvenance string
	policyWrites     int
}

type dashboard struct {
	body      map[string]any
	folderUID string
	version   int64
}

type folder struct {
	UID     string `json:"uid"`
	Title   string `json:"title"`
	ID      int64  `json:"id"`
	URL     string `json:"url"`
	Version int64  `json:"version"`
}

type group struct {
	Title     string           `json:"title"`
	FolderUID string           `json:"folderUid"`
	Interval  int64            `json:"interval"`
	Rules     []map[string]any `json:"rules"`
}

// New starts a fake Grafana for a test, accepting `Authorization: Bearer
// <token>`; it stops when the test ends.
func New(t testing.TB) *Fake {
	f := Start("glsa_test_" + strings.ReplaceAll(t.Name(), "/", "_"))
	t.Cleanup(f.Close)
	return f
}

// Start starts a fake Grafana outside a test (benchmarks, scripts); the
// caller closes it.
func Start(token string) *Fake {
	f := &Fake{Token: token, dashboards: map[string]*dashboard{},
		folders: map[string]*folder{}, groups: map[string]*group{},
		contactPoints: map[string]*contactPoint{}, policy: defaultPolicy()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/dashboards/db", f.postDashboard)
	mux.HandleFunc("GET /api/dashboards/uid/{uid}", f.getDashboard)
	mux.HandleFunc("DELETE /api/dashboards/uid/{uid}", f.deleteDashboard)
	mux.HandleFunc("POST /api/folders", f.postFolder)
	mux.HandleFunc("GET /api/folders/{uid}", f.getFolder)
	mux.HandleFunc("PUT /api/folders/{uid}", f.putFolder)
	mux.HandleFunc("DELETE /api/folders/{uid}", f.deleteFolder)
	mux.HandleFunc("PUT /api/v1/provisioning/folder/{f}/rule-groups/{g}", f.putGroup)
	mux.HandleFunc("GET /api/v1/provisioning/folder/{f}/rule-groups/{g}", f.getGroup)
	mux.HandleFunc("DELETE /api/v1/provisioning/folder/{f}/rule-groups/{g}", f.deleteGroup)
	mux.HandleFunc("POST /api/v1/provisioning/contact-points", f.postContactPoint)
	mux.HandleFunc("GET /api/v1/provisioning/contact-points", f.getContactPoints)
	mux.HandleFunc("PUT /api/v1/provisioning/contact-points/{uid}", f.putContactPoint)
	mux.HandleFunc("DELETE /api/v1/provisioning/contact-points/{uid}", f.deleteContactPoint)
	mux.HandleFunc("GET /api/v1/provisioning/policies", f.getPolicies)
	mux.HandleFunc("PUT /api/v1/provisioning/policies", f.putPolicies)
	mux.HandleFunc("DELETE /api/v1/provisioning/policies", f.resetPolicies)
	f.Server = httptest.NewServer(f.guard(mux))
	return f
}

// Requests is the number of API requests served.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// guard enforces what every Grafana API call needs: a valid token, a known
// organisation, and a JSON body on writes.
func (f *Fake) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests++
		f.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+f.Token {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "invalid API key", "messageId": "api-key.invalid", "statusCode": 401})
			return
		}
		if org := r.Header.Get("X-Grafana-Org-Id"); org != "" && org != "1" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "user is not a member of org " + org})
			return
		}
		if (r.Method == http.MethodPost || r.Method == http.MethodPut) && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"message": "Content-Type must be application/json"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "bad request data: " + err.Error()})
		return false
	}
	return true
}

var uidRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

func slug(title string) string {
	s := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(title, "-"))
	return strings.Trim(s, "-")
}

func (f *Fake) id() int64 { f.nextID++; return f.nextID }

func notFound(w http.ResponseWriter, what string) {
	writeJSON(w, http.StatusNotFound, map[string]any{"message": what + " not found", "status": "not-found"})
}

func errorf(w http.ResponseWriter, code int, format string, a ...any) {
	writeJSON(w, code, map[string]any{"message": fmt.Sprintf(format, a...)})
}
