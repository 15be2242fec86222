package grafanatest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// secure lists the settings Grafana encrypts and redacts on read, per type.
var secure = map[string][]string{
	"webhook": {"authorization_credentials", "password"}, "slack": {"url", "token"}, "pagerduty": {"integrationKey"},
	"dingding": {"url"}, "wecom": {"url", "secret"}, "email": nil,
}

// required lists the settings each type cannot do without.
var required = map[string][]string{
	"webhook": {"url"}, "email": {"addresses"}, "slack": {"url"}, "pagerduty": {"integrationKey"}, "dingding": {"url"}, "wecom": {"url"},
}

type contactPoint struct {
	UID                   string         `json:"uid"`
	Name                  string         `json:"name"`
	Type                  string         `json:"type"`
	Settings              map[string]any `json:"settings"`
	DisableResolveMessage bool           `json:"disableResolveMessage"`
	Provenance            string         `json:"provenance"`
}

func provenanceOf(r *http.Request) string {
	if _, off := r.Header["X-Disable-Provenance"]; off {
		return ""
	}
	return "api"
}

func (f *Fake) checkContactPoint(w http.ResponseWriter, cp *contactPoint) bool {
	req, known := required[cp.Type]
	switch {
	case cp.Name == "":
		errorf(w, http.StatusBadRequest, "contact point name cannot be empty")
	case !known:
		errorf(w, http.StatusBadRequest, "invalid integration type %q", cp.Type)
	default:
		for _, k := range req {
			if s, _ := cp.Settings[k].(string); s == "" {
				errorf(w, http.StatusBadRequest, "failed to validate integration %q (%s): required field %s is not specified", cp.Name, cp.Type, k)
				return false
			}
		}
		return true
	}
	return false
}

func (f *Fake) postContactPoint(w http.ResponseWriter, r *http.Request) {
	var cp contactPoint
	if !decode(w, r, &cp) || !f.checkContactPoint(w, &cp) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if cp.UID == "" {
		cp.UID = fmt.Sprintf("cp%08d", f.id())
	}
	if f.contactPoints[cp.UID] != nil {
		errorf(w, http.StatusConflict, "contact point with uid %s already exists", cp.UID)
		return
	}
	cp.Provenance = provenanceOf(r)
	f.contactPoints[cp.UID] = &cp
	writeJSON(w, http.StatusAccepted, redacted(cp))
}

func (f *Fake) putContactPoint(w http.ResponseWriter, r *http.Request) {
	var cp contactPoint
	if !decode(w, r, &cp) || !f.checkContactPoint(w, &cp) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.contactPoints[r.PathValue("uid")]
	if old == nil {
		notFound(w, "contact point")
		return
	}
	if old.Provenance == "api" && provenanceOf(r) == "" {
		writeJSON(w, http.StatusForbidden, map[string]any{"messageId": "alerting.notifications.invalidProvenance",
			"message": "cannot change provenance from 'api' to ''"})
		return
	}
	// A redacted secret sent back means "unchanged", as in Grafana.
	for _, k := range secure[cp.Type] {
		if cp.Settings[k] == "[REDACTED]" {
			cp.Settings[k] = old.Settings[k]
		}
	}
	if old.Name != cp.Name && f.routesReceiver(old.Name) {
		// Grafana renames the receiver in the routes too.
		f.renameReceiver(f.policy, old.Name, cp.Name)
	}
	cp.UID, cp.Provenance = old.UID, provenanceOf(r)
	f.contactPoints[cp.UID] = &cp
	writeJSON(w, http.StatusAccepted, map[string]any{"message": "contactpoint updated"})
}

func (f *Fake) getContactPoints(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := r.URL.Query().Get("name")
	out := []any{}
	for _, cp := range f.contactPoints {
		if name == "" || cp.Name == name {
			out = append(out, redacted(*cp))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *Fake) deleteContactPoint(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp := f.contactPoints[r.PathValue("uid")]
	if cp == nil {
		notFound(w, "contact point")
		return
	}
	if f.routesReceiver(cp.Name) {
		errorf(w, http.StatusConflict, "contact point %q is used by a notification policy", cp.Name)
		return
	}
	delete(f.contactPoints, cp.UID)
	writeJSON(w, http.StatusAccepted, map[string]any{"message": "contactpoint deleted"})
}

func redacted(cp contactPoint) contactPoint {
	s := map[string]any{}
	for k, v := range cp.Settings {
		s[k] = v
	}
	for _, k := range secure[cp.Type] {
		if _, ok := s[k]; ok {
			s[k] = "[REDACTED]"
		}
	}
	cp.Settings = s
	return cp
}

// ContactPointSetting returns a stored (unredacted) setting, for tests
// that check a write-only secret reached Grafana.
func (f *Fake) ContactPointSetting(uid, key string) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cp := f.contactPoints[uid]; cp != nil {
		return cp.Settings[key]
	}
	return nil
}

// EditContactPoint changes a contact point as a UI user would.
func (f *Fake) EditContactPoint(uid string, edit func(settings map[string]any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cp := f.contactPoints[uid]; cp != nil {
		edit(cp.Settings)
	}
}

// ContactPointJSON returns a stored contact point, "" when absent.
func (f *Fake) ContactPointJSON(uid string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cp := f.contactPoints[uid]; cp != nil {
		b, _ := json.Marshal(cp)
		return string(b)
	}
	return ""
}
