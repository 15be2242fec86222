package alerting

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// ExprDatasource is the datasource uid of Grafana's server-side expressions.
const ExprDatasource = "__expr__"

// RuleUID is a stable Grafana rule uid for an alert of a group: Grafana's
// whole-group PUT matches rules by uid, so a rule keeps its uid (and its
// state and history) across applies.
func RuleUID(folderUID, group, alert string) string {
	sum := sha256.Sum256([]byte(folderUID + "\x00" + group + "\x00" + alert))
	return "llmops-" + hex.EncodeToString(sum[:])[:30]
}

// GrafanaGroup renders g as a Grafana-managed rule group: per rule a
// Prometheus query A, a reduce B (last value) and a threshold C, the
// condition. NoData and query errors keep the rule OK and Error: an LLM
// app with no traffic is not an incident.
func GrafanaGroup(g Group, folderUID, datasourceUID string) *models.AlertRuleGroup {
	out := &models.AlertRuleGroup{Title: g.Name, FolderUID: folderUID, Interval: int64(g.Interval / time.Second)}
	for _, r := range g.Rules {
		evaluator := "gt"
		if r.Op == OpBelow {
			evaluator = "lt"
		}
		forDur := strfmt.Duration(r.For)
		out.Rules = append(out.Rules, &models.ProvisionedAlertRule{
			UID:          RuleUID(folderUID, g.Name, r.key()),
			Title:        ptr(cmp.Or(r.Title, r.Alert)),
			RuleGroup:    ptr(g.Name),
			FolderUID:    ptr(folderUID),
			Condition:    ptr("C"),
			For:          &forDur,
			NoDataState:  ptr("OK"),
			ExecErrState: ptr("Error"),
			OrgID:        ptr(int64(1)),
			Labels:       r.Labels,
			Annotations:  r.Annotations,
			Data: []*models.AlertQuery{
				{RefID: "A", DatasourceUID: datasourceUID, RelativeTimeRange: &models.RelativeTimeRange{From: 600},
					Model: map[string]any{"refId": "A", "expr": r.GrafanaQuery(), "instant": true, "range": false}},
				{RefID: "B", DatasourceUID: ExprDatasource,
					Model: map[string]any{"refId": "B", "type": "reduce", "expression": "A", "reducer": "last"}},
				{RefID: "C", DatasourceUID: ExprDatasource,
					Model: map[string]any{"refId": "C", "type": "threshold", "expression": "B",
						"conditions": []any{map[string]any{"evaluator": map[string]any{"type": evaluator, "params": []any{r.Threshold}}}}}},
			},
		})
	}
	return out
}

func ptr[T any](v T) *T { return &v }
