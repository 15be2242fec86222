package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
)

func TestCollectorPath(t *testing.T) {
	for key, want := range map[string]path.Path{
		"destinations[2].endpoint":     path.Root("destinations").AtListIndex(2),
		"prices.overrides[0].match":    path.Root("prices").AtListIndex(0).AtName("match"),
		"prices.overrides[4]":          path.Root("prices").AtListIndex(4),
		"redaction.rules[1].pattern":   path.Root("redaction_rules").AtListIndex(1).AtName("pattern"),
		"redaction.presets[3]":         path.Root("redaction_presets"),
		"receivers.otlp.http.endpoint": path.Root("http_port"),
		"metrics.endpoint":             path.Root("metrics_port"),
		"metrics":                      path.Root("max_label_values"),
		"sampling.rate":                path.Root("sampling_rate"),
		"sampling":                     path.Root("keep_slower_than"),
		"dify.redis_url":               path.Root("dify_queue_monitor"),
		"queue.directory":              path.Empty(),
	} {
		t.Run(key, func(t *testing.T) {
			if got := collectorPath(key); !got.Equal(want) {
				t.Errorf("%s -> %s, want %s", key, got, want)
			}
		})
	}
}

// A rendered destination's index is the model's, with invalid ones left out.
func TestCollectorSpecModelKey(t *testing.T) {
	s := collectorSpec{destIndex: []int{0, 2}}
	for key, want := range map[string]string{
		"destinations[1].endpoint": "destinations[2].endpoint", "destinations[0]": "destinations[0]",
		"destinations[5].x": "destinations[5].x", "prices.overrides[1].match": "prices.overrides[1].match",
	} {
		if got := s.modelKey(key); got != want {
			t.Errorf("modelKey(%q) = %q, want %q", key, got, want)
		}
	}
}
