package grafanatest

import (
	"encoding/json"
	"net/http"
	"sort"
)

type saveCommand struct {
	Dashboard map[string]any `json:"dashboard"`
	FolderUID string         `json:"folderUid"`
	Overwrite bool           `json:"overwrite"`
	Message   string         `json:"message"`
}

func (f *Fake) postDashboard(w http.ResponseWriter, r *http.Request) {
	var cmd saveCommand
	if !decode(w, r, &cmd) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	d := cmd.Dashboard
	title, _ := d["title"].(string)
	uid, _ := d["uid"].(string)
	switch {
	case d == nil:
		errorf(w, http.StatusBadRequest, "bad request data: dashboard missing")
		return
	case title == "":
		errorf(w, http.StatusBadRequest, "Dashboard title cannot be empty")
		return
	case !uidRE.MatchString(uid):
		errorf(w, http.StatusBadRequest, "uid contains illegal characters or is too long")
		return
	case len(cmd.Message) > 500:
		errorf(w, http.StatusBadRequest, "Dashboard message too long")
		return
	case cmd.FolderUID != "" && f.folders[cmd.FolderUID] == nil:
		errorf(w, http.StatusBadRequest, "folder not found")
		return
	}
	old := f.dashboards[uid]
	if old != nil && !cmd.Overwrite {
		if v, _ := d["version"].(float64); int64(v) != old.version {
			writeJSON(w, http.StatusPreconditionFailed, map[string]any{"status": "version-mismatch",
				"message": "The dashboard has been changed by someone else"})
			return
		}
	}
	for u, o := range f.dashboards {
		if u != uid && o.folderUID == cmd.FolderUID && o.body["title"] == title {
			writeJSON(w, http.StatusPreconditionFailed, map[string]any{"status": "name-exists",
				"message": "A dashboard with the same name in the folder already exists"})
			return
		}
	}
	stored := &dashboard{body: serverFields(d), folderUID: cmd.FolderUID, version: 1}
	if old != nil {
		stored.version = old.version + 1
		stored.body["id"] = old.body["id"]
	} else {
		stored.body["id"] = f.id()
	}
	stored.body["version"] = stored.version
	f.dashboards[uid] = stored
	writeJSON(w, http.StatusOK, map[string]any{"id": stored.body["id"], "uid": uid, "url": "/d/" + uid + "/" + slug(title),
		"status": "success", "version": stored.version, "slug": slug(title), "folderUid": cmd.FolderUID})
}

// serverFields adds what Grafana 12 adds on save: the built-in annotation,
// a pluginVersion on each panel, panels sorted by grid position, unique
// panel ids.
func serverFields(in map[string]any) map[string]any {
	b, _ := json.Marshal(in)
	var d map[string]any
	_ = json.Unmarshal(b, &d)
	if _, ok := d["annotations"]; !ok {
		d["annotations"] = map[string]any{"list": []any{map[string]any{"builtIn": 1, "datasource": map[string]any{"type": "grafana", "uid": "-- Grafana --"},
			"enable": true, "hide": true, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}}}
	}
	panels, _ := d["panels"].([]any)
	seen := map[float64]bool{}
	maxID := 0.0
	for _, p := range panels {
		if m, ok := p.(map[string]any); ok {
			if id, ok := m["id"].(float64); ok && id > maxID {
				maxID = id
			}
		}
	}
	for _, p := range panels {
		m, ok := p.(map[string]any)
		if !ok {
			continue
		}
		if m["type"] != "row" {
			m["pluginVersion"] = "12.2.0"
		}
		if id, ok := m["id"].(float64); !ok || seen[id] {
			maxID++
			m["id"] = maxID
		}
		seen[m["id"].(float64)] = true
	}
	sort.SliceStable(panels, func(i, j int) bool {
		yi, xi := pos(panels[i])
		yj, xj := pos(panels[j])
		return yi < yj || yi == yj && xi < xj
	})
	return d
}

func pos(p any) (float64, float64) {
	m, _ := p.(map[string]any)
	g, _ := m["gridPos"].(map[string]any)
	y, _ := g["y"].(float64)
	x, _ := g["x"].(float64)
	return y, x
}

func (f *Fake) getDashboard(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.dashboards[r.PathValue("uid")]
	if d == nil {
		notFound(w, "Dashboard")
		return
	}
	title, _ := d.body["title"].(string)
	writeJSON(w, http.StatusOK, map[string]any{"dashboard": d.body, "meta": map[string]any{
		"url": "/d/" + r.PathValue("uid") + "/" + slug(title), "slug": slug(title), "folderUid": d.folderUID,
		"version": d.version, "canEdit": true, "provisioned": false}})
}

func (f *Fake) deleteDashboard(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	uid := r.PathValue("uid")
	d := f.dashboards[uid]
	if d == nil {
		notFound(w, "Dashboard")
		return
	}
	delete(f.dashboards, uid)
	writeJSON(w, http.StatusOK, map[string]any{"title": d.body["title"], "message": "Dashboard deleted", "id": d.body["id"]})
}

// EditDashboard changes a stored dashboard as a user would in the UI
// (Grafana bumps the version).
func (f *Fake) EditDashboard(uid string, edit func(d map[string]any)) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.dashboards[uid]
	if d == nil {
		return false
	}
	edit(d.body)
	d.version++
	d.body["version"] = d.version
	return true
}

// Dashboard returns a copy of a stored dashboard, or nil.
func (f *Fake) Dashboard(uid string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.dashboards[uid]
	if d == nil {
		return nil
	}
	b, _ := json.Marshal(d.body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// DashboardFolder returns the folder a dashboard is in.
func (f *Fake) DashboardFolder(uid string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d := f.dashboards[uid]; d != nil {
		return d.folderUID
	}
	return ""
}

// DeleteDashboardOutside removes a dashboard as if deleted in the UI.
func (f *Fake) DeleteDashboardOutside(uid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.dashboards, uid)
}
