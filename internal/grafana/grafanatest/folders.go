package grafanatest

import (
	"net/http"
	"strings"
)

func (f *Fake) postFolder(w http.ResponseWriter, r *http.Request) {
	var in struct{ UID, Title, ParentUID string }
	if !decode(w, r, &in) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.TrimSpace(in.Title) == "" {
		errorf(w, http.StatusBadRequest, "folder title cannot be empty")
		return
	}
	if in.UID == "" {
		in.UID = "f" + strings.Repeat("0", 8)
	}
	if !uidRE.MatchString(in.UID) {
		errorf(w, http.StatusBadRequest, "uid contains illegal characters or is too long")
		return
	}
	for _, o := range f.folders {
		if o.UID == in.UID || o.Title == in.Title {
			errorf(w, http.StatusConflict, "a folder with the same name or uid already exists")
			return
		}
	}
	fo := &folder{UID: in.UID, Title: in.Title, ID: f.id(), URL: "/dashboards/f/" + in.UID + "/" + slug(in.Title), Version: 1}
	f.folders[in.UID] = fo
	writeJSON(w, http.StatusOK, fo)
}

func (f *Fake) getFolder(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fo := f.folders[r.PathValue("uid")]
	if fo == nil {
		notFound(w, "folder")
		return
	}
	writeJSON(w, http.StatusOK, fo)
}

func (f *Fake) putFolder(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title     string
		Version   int64
		Overwrite bool
	}
	if !decode(w, r, &in) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fo := f.folders[r.PathValue("uid")]
	switch {
	case fo == nil:
		notFound(w, "folder")
	case strings.TrimSpace(in.Title) == "":
		errorf(w, http.StatusBadRequest, "folder title cannot be empty")
	case !in.Overwrite && in.Version != fo.Version:
		writeJSON(w, http.StatusPreconditionFailed, map[string]any{"status": "version-mismatch", "message": "the folder has been changed by someone else"})
	default:
		fo.Title, fo.URL = in.Title, "/dashboards/f/"+fo.UID+"/"+slug(in.Title)
		fo.Version++
		writeJSON(w, http.StatusOK, fo)
	}
}

func (f *Fake) deleteFolder(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	uid := r.PathValue("uid")
	fo := f.folders[uid]
	if fo == nil {
		notFound(w, "folder")
		return
	}
	force := r.URL.Query().Get("forceDeleteRules") == "true"
	for k := range f.groups {
		if strings.HasPrefix(k, uid+"/") {
			if !force {
				errorf(w, http.StatusBadRequest, "folder contains alert rules; use forceDeleteRules")
				return
			}
			delete(f.groups, k)
		}
	}
	for k, d := range f.dashboards {
		if d.folderUID == uid {
			delete(f.dashboards, k)
		}
	}
	delete(f.folders, uid)
	writeJSON(w, http.StatusOK, map[string]any{"title": fo.Title, "message": "Folder deleted", "id": fo.ID})
}

// RenameFolderOutside changes a folder's title as a UI user would.
func (f *Fake) RenameFolderOutside(uid, title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fo := f.folders[uid]; fo != nil {
		fo.Title = title
		fo.Version++
	}
}

// FolderTitle returns a folder's title, "" when absent.
func (f *Fake) FolderTitle(uid string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fo := f.folders[uid]; fo != nil {
		return fo.Title
	}
	return ""
}
