// Command quickstart-summary ends `make quickstart`: it sends a few seconds
// of Dify-shaped demo traffic through the fleet the quickstart applied, then
// reads every replica's /metrics back and prints one short summary: replicas
// healthy, spans received, and tokens and cost per model.
//
//	terraform output -json | go run ./scripts/quickstart-summary [-duration 5s]
//
// The token comes from TF_VAR_otlp_token, as the quickstart's apply got it;
// it is never printed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/llmops/terraform-provider-llmops/internal/loadgen"
)

type outputs struct {
	Replicas struct {
		Value map[string]struct {
			Metrics  string `json:"metrics"`
			OTLPHTTP string `json:"otlp_http"`
		} `json:"value"`
	} `json:"replicas"`
	Healthy struct {
		Value int `json:"value"`
	} `json:"healthy_replicas"`
}

func main() {
	duration := flag.Duration("duration", 5*time.Second, "how long to send demo traffic")
	flag.Parse()
	if err := run(*duration); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart-summary:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration) error {
	var out outputs
	if err := json.NewDecoder(os.Stdin).Decode(&out); err != nil {
		return fmt.Errorf("reading `terraform output -json`: %w", err)
	}
	names := slices.Sorted(maps.Keys(out.Replicas.Value))
	if len(names) == 0 {
		return fmt.Errorf("the quickstart has no replicas")
	}
	first := out.Replicas.Value[names[0]]
	res, err := loadgen.Run(context.Background(), loadgen.Config{Endpoint: first.OTLPHTTP, Protocol: "http/protobuf",
		SpansPerSecond: 500, Duration: duration, Concurrency: 2, TracesPerRequest: 10, Token: os.Getenv("TF_VAR_otlp_token"), Seed: 1})
	if err != nil {
		return err
	}
	time.Sleep(time.Second) // let the last requests' metrics settle
	received := 0.0
	tokens := map[string]map[string]float64{} // model -> type -> tokens
	cost := map[string]float64{}
	priced := map[string]bool{} // models with a cost series: the others are unpriced, not free
	for _, n := range names {
		fams, err := scrape(out.Replicas.Value[n].Metrics)
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		received += sum(fams["llmops_exporter_spans_received_total"])
		for _, m := range metrics(fams["llm_tokens_total"]) {
			model, typ := label(m, "model"), label(m, "type")
			if tokens[model] == nil {
				tokens[model] = map[string]float64{}
			}
			tokens[model][typ] += m.GetCounter().GetValue()
		}
		for _, m := range metrics(fams["llm_cost_usd_total"]) {
			cost[label(m, "model")] += m.GetCounter().GetValue()
			priced[label(m, "model")] = true
		}
	}
	fmt.Printf("\nQuickstart fleet: %d of %d replicas healthy.\n", out.Healthy.Value, len(names))
	fmt.Printf("Demo traffic: %s\n", res)
	fmt.Printf("Spans received by the fleet: %.0f\n\n", received)
	fmt.Printf("%-28s %12s %12s %12s\n", "model", "input tok", "output tok", "cost USD")
	for _, m := range slices.Sorted(maps.Keys(tokens)) {
		usd := "unpriced" // no price: its tokens are in llm_unpriced_tokens_total, never counted as $0
		if priced[m] {
			usd = fmt.Sprintf("%.4f", cost[m])
		}
		fmt.Printf("%-28s %12.0f %12.0f %12s\n", m, tokens[m]["input"], tokens[m]["output"], usd)
	}
	fmt.Println("\nEach replica's endpoints: terraform output replicas; more traffic: terraform output -raw send_traffic")
	return nil
}

func scrape(url string) (map[string]*dto.MetricFamily, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s answered %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	return parser.TextToMetricFamilies(resp.Body)
}

func metrics(f *dto.MetricFamily) []*dto.Metric {
	if f == nil {
		return nil
	}
	return f.GetMetric()
}

func sum(f *dto.MetricFamily) float64 {
	t := 0.0
	for _, m := range metrics(f) {
		t += m.GetCounter().GetValue()
	}
	return t
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
