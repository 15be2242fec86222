package grafanatest

import (
	"encoding/json"
	"net/http"
)

func defaultPolicy() map[string]any {
	return map[string]any{"receiver": "grafana-default-email", "group_by": []any{"grafana_folder", "alertname"}}
}

func (f *Fake) getPolicies(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	writeJSON(w, http.StatusOK, f.policy)
}

// putPolicies replaces the whole tree, refusing unknown receivers as
// Grafana does.
func (f *Fake) putPolicies(w http.ResponseWriter, r *http.Request) {
	var tree map[string]any
	if !decode(w, r, &tree) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if name, ok := f.unknownReceiver(tree); !ok {
		errorf(w, http.StatusBadRequest, "invalid object specification: receiver '%s' does not exist", name)
		return
	}
	if f.policyProvenance == "api" && provenanceOf(r) == "" {
		writeJSON(w, http.StatusForbidden, map[string]any{"messageId": "alerting.notifications.invalidProvenance",
			"message": "cannot change provenance from 'api' to ''"})
		return
	}
	f.policy, f.policyProvenance = tree, provenanceOf(r)
	f.policyWrites++
	writeJSON(w, http.StatusAccepted, map[string]any{"message": "policies updated"})
}

func (f *Fake) resetPolicies(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.policy, f.policyProvenance = defaultPolicy(), ""
	writeJSON(w, http.StatusAccepted, map[string]any{"message": "policies resetted"})
}

func (f *Fake) receiverExists(name string) bool {
	if name == "grafana-default-email" {
		return true
	}
	for _, cp := range f.contactPoints {
		if cp.Name == name {
			return true
		}
	}
	return false
}

func (f *Fake) unknownReceiver(route map[string]any) (string, bool) {
	if rc, _ := route["receiver"].(string); rc != "" && !f.receiverExists(rc) {
		return rc, false
	}
	routes, _ := route["routes"].([]any)
	for _, sub := range routes {
		if m, ok := sub.(map[string]any); ok {
			if name, ok := f.unknownReceiver(m); !ok {
				return name, false
			}
		}
	}
	return "", true
}

func (f *Fake) routesReceiver(name string) bool {
	var walk func(map[string]any) bool
	walk = func(r map[string]any) bool {
		routes, _ := r["routes"].([]any)
		for _, sub := range routes {
			if m, ok := sub.(map[string]any); ok && (m["receiver"] == name || walk(m)) {
				return true
			}
		}
		return false
	}
	return walk(f.policy)
}

func (f *Fake) renameReceiver(r map[string]any, from, to string) {
	if r["receiver"] == from {
		r["receiver"] = to
	}
	routes, _ := r["routes"].([]any)
	for _, sub := range routes {
		if m, ok := sub.(map[string]any); ok {
			f.renameReceiver(m, from, to)
		}
	}
}

// AddForeignRoute adds a route some other tool owns; tests check it
// survives every write of the provider untouched.
func (f *Fake) AddForeignRoute(route map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	routes, _ := f.policy["routes"].([]any)
	f.policy["routes"] = append(routes, route)
}

// PolicyJSON returns the stored tree.
func (f *Fake) PolicyJSON() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := json.Marshal(f.policy)
	return string(b)
}

// EditPolicy changes the tree as a UI user would.
func (f *Fake) EditPolicy(edit func(tree map[string]any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	edit(f.policy)
}
