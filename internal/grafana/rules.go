package grafana

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/grafana-openapi-client-go/client/provisioning"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// PutRuleGroup replaces a whole rule group (rules matched by uid, missing
// ones deleted, the group created when absent). editable keeps the rules
// editable in Grafana's UI (no provenance); otherwise Grafana locks them
// (provenance "api"). Rule groups, unlike contact points, may switch both ways.
func (c *Client) PutRuleGroup(ctx context.Context, g *models.AlertRuleGroup, editable bool) error {
	params := provisioning.NewPutAlertRuleGroupParams().WithFolderUID(g.FolderUID).WithGroup(g.Title).WithBody(g)
	if editable {
		off := provenanceOff
		params = params.WithXDisableProvenance(&off)
	}
	_, err := c.provisioning.PutAlertRuleGroup(ctxParams(ctx, params))
	return apiError(fmt.Sprintf("put rule group %s/%s", g.FolderUID, g.Title), err)
}

// GetRuleGroup reads a rule group; the error wraps ErrNotFound when absent.
func (c *Client) GetRuleGroup(ctx context.Context, folderUID, group string) (*models.AlertRuleGroup, error) {
	resp, err := c.provisioning.GetAlertRuleGroupWithParams(ctxParams(ctx, provisioning.NewGetAlertRuleGroupParams().WithFolderUID(folderUID).WithGroup(group)))
	if err != nil {
		return nil, apiError(fmt.Sprintf("read rule group %s/%s", folderUID, group), err)
	}
	return resp.Payload, nil
}

// DeleteRuleGroup deletes a rule group; an absent one is not an error.
func (c *Client) DeleteRuleGroup(ctx context.Context, folderUID, group string) error {
	_, err := c.provisioning.DeleteAlertRuleGroupWithParams(ctxParams(ctx, provisioning.NewDeleteAlertRuleGroupParams().WithFolderUID(folderUID).WithGroup(group)))
	if err = apiError(fmt.Sprintf("delete rule group %s/%s", folderUID, group), err); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

// CanonicalGroup is the JSON of the fields of a rule group this provider
// owns, the same for what it sends and what Grafana returns: server-set
// fields (id, orgID, provenance, updated) are dropped, `for` is a duration
// ("5m0s" and "5m" alike), rules are in the order sent.
func CanonicalGroup(g *models.AlertRuleGroup) (string, error) {
	type query struct {
		RefID, DatasourceUID string
		From, To             int64
		Model                any
	}
	type rule struct {
		UID, Title, Condition, NoData, ExecErr, For string
		Paused                                      bool
		Labels, Annotations                         map[string]string
		Data                                        []query
	}
	out := struct {
		Title, Folder string
		Interval      int64
		Rules         []rule
	}{Title: g.Title, Folder: g.FolderUID, Interval: g.Interval}
	for _, r := range g.Rules {
		cr := rule{UID: r.UID, Title: deref(r.Title), Condition: deref(r.Condition), NoData: deref(r.NoDataState),
			ExecErr: deref(r.ExecErrState), Paused: r.IsPaused, Labels: nonNil(r.Labels), Annotations: nonNil(r.Annotations)}
		if r.For != nil {
			cr.For = time.Duration(*r.For).String()
		}
		for _, q := range r.Data {
			cq := query{RefID: q.RefID, DatasourceUID: q.DatasourceUID, Model: ownedModel(q.Model)}
			if q.RelativeTimeRange != nil {
				cq.From, cq.To = int64(q.RelativeTimeRange.From), int64(q.RelativeTimeRange.To)
			}
			cr.Data = append(cr.Data, cq)
		}
		out.Rules = append(out.Rules, cr)
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// ownedModel keeps the query model keys this provider writes; Grafana adds
// intervalMs, maxDataPoints and datasource to stored models.
func ownedModel(m any) any {
	b, _ := json.Marshal(m)
	var in map[string]any
	if json.Unmarshal(b, &in) != nil {
		return m
	}
	out := map[string]any{}
	for _, k := range []string{"refId", "expr", "instant", "range", "type", "expression", "reducer", "conditions"} {
		if v, ok := in[k]; ok {
			out[k] = v
		}
	}
	if conds, ok := out["conditions"].([]any); ok {
		for i, c := range conds {
			if cm, ok := c.(map[string]any); ok {
				conds[i] = map[string]any{"evaluator": cm["evaluator"]}
			}
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
