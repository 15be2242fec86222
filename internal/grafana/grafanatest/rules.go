package grafanatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/common/model"
)

var (
	noDataStates  = map[string]bool{"Alerting": true, "NoData": true, "OK": true, "KeepLast": true}
	execErrStates = map[string]bool{"OK": true, "Alerting": true, "Error": true, "KeepLast": true}
)

func (f *Fake) putGroup(w http.ResponseWriter, r *http.Request) {
	var g group
	if !decode(w, r, &g) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	folderUID, title := r.PathValue("f"), r.PathValue("g")
	if f.folders[folderUID] == nil {
		errorf(w, http.StatusBadRequest, "invalid alert rule: folder does not exist")
		return
	}
	if g.Interval <= 0 || g.Interval%10 != 0 {
		errorf(w, http.StatusBadRequest, "invalid rule group: interval (%ds) should be non-zero and divided exactly by scheduler interval: 10s", g.Interval)
		return
	}
	provenance := "api"
	if _, off := r.Header["X-Disable-Provenance"]; off {
		provenance = ""
	}
	seen := map[string]bool{}
	for i, rule := range g.Rules {
		if err := checkRule(rule, folderUID, title); err != nil {
			errorf(w, http.StatusBadRequest, "invalid alert rule %d: %v", i, err)
			return
		}
		uid, _ := rule["uid"].(string)
		if uid == "" {
			uid = fmt.Sprintf("gen%06d", f.id())
			rule["uid"] = uid
		}
		if seen[uid] {
			errorf(w, http.StatusBadRequest, "invalid rule group: uid %s used twice", uid)
			return
		}
		seen[uid] = true
		for k, o := range f.groups {
			if k == folderUID+"/"+title {
				continue
			}
			for _, or := range o.Rules {
				if or["uid"] == uid {
					errorf(w, http.StatusConflict, "rule %s belongs to another group", uid)
					return
				}
			}
		}
		d, _ := model.ParseDuration(rule["for"].(string))
		rule["for"] = d.String() // Grafana answers "5m", not "5m0s"
		rule["provenance"] = provenance
		rule["updated"] = time.Now().UTC().Format(time.RFC3339)
		rule["orgID"] = 1
		rule["id"] = f.id()
		for _, q := range rule["data"].([]any) {
			if m, ok := q.(map[string]any)["model"].(map[string]any); ok {
				m["intervalMs"], m["maxDataPoints"] = 1000, 43200
			}
		}
	}
	g.Title, g.FolderUID = title, folderUID
	f.groups[folderUID+"/"+title] = &g
	writeJSON(w, http.StatusOK, g)
}

// checkRule enforces the provisioning API's validation of one rule.
func checkRule(rule map[string]any, folderUID, group string) error {
	str := func(k string) string { s, _ := rule[k].(string); return s }
	title := str("title")
	if len(title) < 1 || len(title) > 190 {
		return fmt.Errorf("title must be 1 to 190 characters")
	}
	if str("ruleGroup") != group {
		return fmt.Errorf("ruleGroup %q does not match the group in the path %q", str("ruleGroup"), group)
	}
	if str("folderUID") != folderUID {
		return fmt.Errorf("folderUID %q does not match the folder in the path", str("folderUID"))
	}
	if uid := str("uid"); len(uid) > 40 {
		return fmt.Errorf("uid longer than 40 characters")
	}
	if !noDataStates[str("noDataState")] {
		return fmt.Errorf("noDataState %q is invalid", str("noDataState"))
	}
	if !execErrStates[str("execErrState")] {
		return fmt.Errorf("execErrState %q is invalid", str("execErrState"))
	}
	if _, err := model.ParseDuration(str("for")); err != nil {
		return fmt.Errorf("for: %v", err)
	}
	data, _ := rule["data"].([]any)
	if len(data) == 0 {
		return fmt.Errorf("no queries or expressions are found")
	}
	refs := map[string]bool{}
	for _, q := range data {
		m, _ := q.(map[string]any)
		ref, _ := m["refId"].(string)
		ds, _ := m["datasourceUid"].(string)
		if ref == "" || ds == "" {
			return fmt.Errorf("every query needs refId and datasourceUid")
		}
		refs[ref] = true
	}
	if !refs[str("condition")] {
		return fmt.Errorf("condition %s does not exist, must be one of %v", str("condition"), refs)
	}
	return nil
}

func (f *Fake) getGroup(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.groups[r.PathValue("f")+"/"+r.PathValue("g")]
	if g == nil {
		notFound(w, "rule group")
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (f *Fake) deleteGroup(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := r.PathValue("f") + "/" + r.PathValue("g")
	if f.groups[k] == nil {
		notFound(w, "rule group")
		return
	}
	delete(f.groups, k)
	w.WriteHeader(http.StatusNoContent)
}

// EditRule changes one stored rule as a UI user would.
func (f *Fake) EditRule(folderUID, group, title string, edit func(rule map[string]any)) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.groups[folderUID+"/"+group]
	if g == nil {
		return false
	}
	for _, r := range g.Rules {
		if r["title"] == title {
			edit(r)
			return true
		}
	}
	return false
}

// RuleGroupJSON returns a stored group, "" when absent.
func (f *Fake) RuleGroupJSON(folderUID, group string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.groups[folderUID+"/"+group]
	if g == nil {
		return ""
	}
	b, _ := json.Marshal(g)
	return string(b)
}
