package grafana

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-openapi-client-go/client/dashboards"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// Dashboard is a dashboard as stored in Grafana.
type Dashboard struct {
	JSON      []byte // the "dashboard" object
	FolderUID string
	URL       string // absolute
	Version   int64
}

// SaveDashboard creates or overwrites the dashboard whose uid is in
// dashboardJSON. Overwrite is deliberate: Terraform's state is the source
// of truth, and a version conflict (412) would only block the repair of a
// hand edit.
func (c *Client) SaveDashboard(ctx context.Context, dashboardJSON []byte, folderUID, message string) (*Dashboard, error) {
	var body map[string]any
	if err := json.Unmarshal(dashboardJSON, &body); err != nil {
		return nil, fmt.Errorf("save dashboard: %w", err)
	}
	body["id"] = nil // Grafana matches by uid; a stale id would be refused
	resp, err := c.dashboards.PostDashboardWithParams(ctxParams(ctx, dashboards.NewPostDashboardParams().WithBody(&models.SaveDashboardCommand{
		Dashboard: body, FolderUID: folderUID, Overwrite: true, Message: message,
	})))
	if err != nil {
		return nil, apiError(fmt.Sprintf("save dashboard %v", body["uid"]), err)
	}
	p := resp.Payload
	out := &Dashboard{JSON: dashboardJSON, FolderUID: folderUID}
	if p.URL != nil {
		out.URL = c.URL(*p.URL)
	}
	if p.Version != nil {
		out.Version = *p.Version
	}
	return out, nil
}

// GetDashboard reads a dashboard; the error wraps ErrNotFound when absent.
func (c *Client) GetDashboard(ctx context.Context, uid string) (*Dashboard, error) {
	resp, err := c.dashboards.GetDashboardByUIDWithParams(ctxParams(ctx, dashboards.NewGetDashboardByUIDParams().WithUID(uid)))
	if err != nil {
		return nil, apiError("read dashboard "+uid, err)
	}
	b, err := json.Marshal(resp.Payload.Dashboard)
	if err != nil {
		return nil, fmt.Errorf("read dashboard %s: %w", uid, err)
	}
	out := &Dashboard{JSON: b}
	if m := resp.Payload.Meta; m != nil {
		out.FolderUID, out.URL, out.Version = m.FolderUID, c.URL(m.URL), m.Version
	}
	return out, nil
}

// DeleteDashboard deletes a dashboard; an absent one is not an error.
func (c *Client) DeleteDashboard(ctx context.Context, uid string) error {
	_, err := c.dashboards.DeleteDashboardByUIDWithParams(ctxParams(ctx, dashboards.NewDeleteDashboardByUIDParams().WithUID(uid)))
	if err = apiError("delete dashboard "+uid, err); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}
