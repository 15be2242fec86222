package grafana

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/grafana/grafana-openapi-client-go/client/provisioning"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// ContactPoint is a contact point as Grafana stores it (secrets redacted).
type ContactPoint struct {
	UID, Name, Type string
	Settings        map[string]any
	DisableResolve  bool
}

// CreateContactPoint creates a contact point and returns its uid.
func (c *Client) CreateContactPoint(ctx context.Context, cp ContactPoint) (string, error) {
	off := provenanceOff
	resp, err := c.provisioning.PostContactpoints(ctxParams(ctx, provisioning.NewPostContactpointsParams().
		WithBody(embedded(cp)).WithXDisableProvenance(&off)))
	if err != nil {
		return "", apiError("create contact point "+cp.Name, err)
	}
	return resp.Payload.UID, nil
}

// UpdateContactPoint replaces a contact point's settings.
func (c *Client) UpdateContactPoint(ctx context.Context, cp ContactPoint) error {
	off := provenanceOff
	_, err := c.provisioning.PutContactpoint(ctxParams(ctx, provisioning.NewPutContactpointParams().
		WithUID(cp.UID).WithBody(embedded(cp)).WithXDisableProvenance(&off)))
	return apiError("update contact point "+cp.Name, err)
}

// GetContactPoint finds a contact point by uid (Grafana lists by name
// only, and a rename in the UI keeps the uid).
func (c *Client) GetContactPoint(ctx context.Context, uid string) (*ContactPoint, error) {
	resp, err := c.provisioning.GetContactpoints(ctxParams(ctx, provisioning.NewGetContactpointsParams()))
	if err != nil {
		return nil, apiError("list contact points", err)
	}
	for _, e := range resp.Payload {
		if e.UID == uid {
			b, _ := json.Marshal(e.Settings)
			var s map[string]any
			_ = json.Unmarshal(b, &s)
			return &ContactPoint{UID: e.UID, Name: e.Name, Type: deref(e.Type), Settings: s, DisableResolve: e.DisableResolveMessage}, nil
		}
	}
	return nil, fmt.Errorf("read contact point %s: %w", uid, ErrNotFound)
}

// DeleteContactPoint deletes a contact point; an absent one is not an error.
func (c *Client) DeleteContactPoint(ctx context.Context, uid string) error {
	_, err := c.provisioning.DeleteContactpointsWithParams(ctxParams(ctx, provisioning.NewDeleteContactpointsParams().WithUID(uid)))
	if err = apiError("delete contact point "+uid, err); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

func embedded(cp ContactPoint) *models.EmbeddedContactPoint {
	t := cp.Type
	return &models.EmbeddedContactPoint{UID: cp.UID, Name: cp.Name, Type: &t, Settings: cp.Settings, DisableResolveMessage: cp.DisableResolve}
}

// CanonicalContactPoint is the JSON of what this provider owns of a contact
// point: name, type, resolve flag and the non-secret settings (Grafana
// redacts secrets on read, so they are compared through their version
// counter instead).
func CanonicalContactPoint(cp ContactPoint, secretKeys []string) string {
	s := map[string]any{}
	keys := make([]string, 0, len(cp.Settings))
	for k := range cp.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(secretKeys, k) {
			s[k] = cp.Settings[k]
		}
	}
	b, _ := json.Marshal(struct {
		Name, Type     string
		DisableResolve bool
		Settings       map[string]any
	}{cp.Name, cp.Type, cp.DisableResolve, s})
	return string(b)
}
