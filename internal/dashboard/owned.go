package dashboard

import (
	"encoding/json"
	"fmt"
)

// serverOwned are keys Grafana sets or migrates on every save; they are
// never compared, wherever they appear. A panel's id is among them: Grafana
// renumbers panels whose ids collide.
var serverOwned = map[string]bool{"id": true, "version": true, "schemaVersion": true, "iteration": true}

// Owned returns the canonical JSON of the fields of remote that this
// provider owns: the keys present in shape (the dashboard as last built),
// recursively, minus server-owned keys. Arrays are compared element by
// element, so a panel added, removed or changed by hand in Grafana shows,
// while annotations, defaults and fields Grafana adds inside our objects do
// not. Owned(shape, shape) is the canonical form of what we send.
func Owned(remote, shape []byte) (string, error) {
	var r, s any
	if err := json.Unmarshal(remote, &r); err != nil {
		return "", fmt.Errorf("decode dashboard: %w", err)
	}
	if err := json.Unmarshal(shape, &s); err != nil {
		return "", fmt.Errorf("decode dashboard shape: %w", err)
	}
	if m, ok := r.(map[string]any); ok && m["tags"] == nil {
		m["tags"] = []any{} // no tags, whether omitted, null or empty
	}
	out, err := json.Marshal(project(r, s))
	if err != nil {
		return "", fmt.Errorf("encode dashboard: %w", err)
	}
	return string(out), nil
}

func project(remote, shape any) any {
	switch s := shape.(type) {
	case map[string]any:
		r, ok := remote.(map[string]any)
		if !ok {
			return remote
		}
		out := map[string]any{}
		for k, sv := range s {
			if serverOwned[k] {
				continue
			}
			if rv, ok := r[k]; ok {
				out[k] = project(rv, sv)
			}
		}
		return out
	case []any:
		r, ok := remote.([]any)
		if !ok {
			return remote
		}
		out := make([]any, len(r))
		for i, rv := range r {
			if i < len(s) {
				out[i] = project(rv, s[i])
			} else {
				out[i] = project(rv, rv) // added by hand: shown whole
			}
		}
		return out
	default:
		return remote
	}
}
