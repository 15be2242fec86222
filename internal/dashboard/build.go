package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Options declares a dashboard.
type Options struct {
	UID, Title string
	Tags       []string
	Refresh    string // e.g. "30s"; "" for none
	From, To   string // time range, e.g. "now-6h", "now"
	Presets    []string
	// ExtraPanels are user panels as Grafana panel JSON objects; they go
	// below the presets, keep their own gridPos if they have one, and get
	// an id when they have none.
	ExtraPanels      []string
	LatencyThreshold float64 // seconds; the P95 line (seed: 5)
	// AvailabilityTarget is the availability stat's red line (seed: 0.999).
	AvailabilityTarget float64
	// Thresholds are alert thresholds by alert preset (alerting's names),
	// read from the user's rule group; they replace the defaults above and
	// the presets' own.
	Thresholds map[string]float64
}

// threshold is the line a panel draws for alert preset p.
func (o Options) threshold(p string, def float64) *float64 {
	if v, ok := o.Thresholds[p]; ok {
		return &v
	}
	return &def
}

var uidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// FieldError names the option that is wrong.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Build renders the dashboard JSON (the "dashboard" object of Grafana's
// save API), with explicit panel ids, refIds and grid positions.
func Build(o Options) ([]byte, error) {
	if !uidPattern.MatchString(o.UID) {
		return nil, &FieldError{"uid", fmt.Errorf("%q: 1 to 40 characters of A-Z a-z 0-9 - _ (Grafana's rule)", o.UID)}
	}
	if o.Title == "" {
		return nil, &FieldError{"title", errors.New("must not be empty")}
	}
	for _, p := range o.Presets {
		if !slices.Contains(AllPresets(), p) {
			return nil, &FieldError{"presets", fmt.Errorf("unknown preset %q (one of %v)", p, AllPresets())}
		}
	}
	ds := common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}
	b := dashboard.NewDashboardBuilder(o.Title).Uid(o.UID).Tags(orEmpty(o.Tags)).
		Time(o.From, o.To).Timezone("browser").Editable().
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type("prometheus"))
	if o.Refresh != "" {
		b = b.Refresh(o.Refresh)
	}
	for _, v := range [][2]string{
		{"service", "label_values(llm_requests_total, service)"},
		{"app", `label_values(llm_requests_total{service=~"$service"}, app)`},
		{"model", `label_values(llm_requests_total{service=~"$service", app=~"$app"}, model)`},
	} {
		b = b.WithVariable(dashboard.NewQueryVariableBuilder(v[0]).Label(v[0]).Datasource(ds).
			Query(dashboard.StringOrMap{String: cog.ToPtr(v[1])}).Definition(v[1]).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).Multi(true).IncludeAll(true).AllValue(".*"))
	}
	l := &layout{}
	for _, p := range catalogue {
		if (len(o.Presets) > 0 && !slices.Contains(o.Presets, p.name)) || (len(o.Presets) == 0 && p.optional) {
			continue
		}
		if p.row != l.row {
			l.row = p.row
			b = b.WithRow(dashboard.NewRowBuilder(p.row).Id(l.nextID()).GridPos(l.rowPos()))
		}
		for _, pn := range p.panels(o) {
			b = b.WithPanel(pn.builder(ds, l))
		}
	}
	d, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("build dashboard: %w", err)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode dashboard: %w", err)
	}
	return withExtraPanels(raw, o.ExtraPanels, l)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// layout places panels on Grafana's 24-column grid, left to right, a new
// line when one is full, a new line after each row header.
type layout struct {
	row          string
	id           uint32
	x, y, height uint32
}

func (l *layout) nextID() uint32 { l.id++; return l.id }

func (l *layout) rowPos() dashboard.GridPos {
	l.newLine()
	p := dashboard.GridPos{H: 1, W: 24, X: 0, Y: l.y}
	l.y++
	return p
}

func (l *layout) newLine() {
	if l.x > 0 {
		l.y += l.height
		l.x, l.height = 0, 0
	}
}

func (l *layout) place(w, h uint32) dashboard.GridPos {
	if l.x+w > 24 {
		l.newLine()
	}
	p := dashboard.GridPos{H: h, W: w, X: l.x, Y: l.y}
	l.x += w
	l.height = max(l.height, h)
	return p
}

func (p panel) builder(ds common.DataSourceRef, l *layout) cog.Builder[dashboard.Panel] {
	var targets []cog.Builder[variants.Dataquery]
	for i, t := range p.targets {
		targets = append(targets, prometheus.NewDataqueryBuilder().Expr(t.expr).LegendFormat(t.legend).
			RefId(string(rune('A'+i))).Datasource(ds))
	}
	steps := []dashboard.Threshold{{Value: nil, Color: "green"}}
	if p.threshold != nil {
		steps = append(steps, dashboard.Threshold{Value: cog.ToPtr(*p.threshold), Color: "red"})
		if p.belowIsBad {
			steps = []dashboard.Threshold{{Value: nil, Color: "red"}, {Value: cog.ToPtr(*p.threshold), Color: "green"}}
		}
	}
	thresholds := dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)
	h := uint32(8)
	if p.kind == statPanel {
		h = 6
	}
	pos := l.place(p.width, h)
	if p.kind == statPanel {
		return stat.NewPanelBuilder().Id(l.nextID()).Title(p.title).Description(p.desc).Datasource(ds).
			Unit(p.unit).GridPos(pos).Targets(targets).Thresholds(thresholds).
			ColorMode(common.BigValueColorModeBackground).GraphMode(common.BigValueGraphModeArea).
			ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
	}
	ts := timeseries.NewPanelBuilder().Id(l.nextID()).Title(p.title).Description(p.desc).Datasource(ds).
		Unit(p.unit).GridPos(pos).Targets(targets).Thresholds(thresholds).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending))
	mode := common.GraphThresholdsStyleModeOff
	if p.threshold != nil {
		mode = common.GraphThresholdsStyleModeDashed
	}
	return ts.ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(mode))
}

// withExtraPanels appends the user's panels after the presets and sorts all
// panels by position, the order Grafana stores them in.
func withExtraPanels(raw []byte, extra []string, l *layout) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode built dashboard: %w", err)
	}
	panels, _ := doc["panels"].([]any)
	l.newLine()
	for i, e := range extra {
		var p map[string]any
		if err := json.Unmarshal([]byte(e), &p); err != nil || p == nil {
			return nil, &FieldError{fmt.Sprintf("extra_panels[%d]", i), fmt.Errorf("not a JSON object: %v", err)}
		}
		if _, ok := p["type"].(string); !ok {
			return nil, &FieldError{fmt.Sprintf("extra_panels[%d]", i), errors.New(`a panel needs a "type" (e.g. "timeseries")`)}
		}
		if _, ok := p["id"]; !ok {
			p["id"] = l.nextID()
		}
		if _, ok := p["gridPos"]; !ok {
			g := l.place(12, 8)
			p["gridPos"] = map[string]any{"h": float64(g.H), "w": float64(g.W), "x": float64(g.X), "y": float64(g.Y)}
		}
		panels = append(panels, p)
	}
	sort.SliceStable(panels, func(i, j int) bool {
		yi, xi := gridPos(panels[i])
		yj, xj := gridPos(panels[j])
		return yi < yj || yi == yj && xi < xj
	})
	doc["panels"] = panels
	if _, ok := doc["tags"]; !ok {
		doc["tags"] = []any{} // the SDK omits empty tags; Grafana would store null
	}
	return json.Marshal(doc)
}

func gridPos(p any) (y, x float64) {
	m, _ := p.(map[string]any)
	g, _ := m["gridPos"].(map[string]any)
	y, _ = g["y"].(float64)
	x, _ = g["x"].(float64)
	return y, x
}
