package provider

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
)

var indexedKey = regexp.MustCompile(`^(destinations|prices\.overrides|redaction\.rules|redaction\.presets)\[(\d+)\](?:\.([a-z_]+))?`)

// collectorPath maps a key of the rendered exporter configuration to the
// llmops_collector attribute that sets it, so a configuration error lands
// on the attribute to fix (the root when no attribute sets the key).
func collectorPath(key string) path.Path {
	if m := indexedKey.FindStringSubmatch(key); m != nil {
		i, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "destinations":
			return path.Root("destinations").AtListIndex(i)
		case "prices.overrides":
			return withField(path.Root("prices").AtListIndex(i), m[3])
		case "redaction.rules":
			return withField(path.Root("redaction_rules").AtListIndex(i), m[3])
		case "redaction.presets":
			return path.Root("redaction_presets")
		}
	}
	best := ""
	for prefix := range keyAttributes { // the most specific prefix wins
		if (key == prefix || strings.HasPrefix(key, prefix+".")) && len(prefix) > len(best) {
			best = prefix
		}
	}
	if best == "" {
		return path.Empty()
	}
	return path.Root(keyAttributes[best])
}

// withField narrows p to the element's attribute: prices and redaction
// rules name their fields as the exporter's configuration does.
func withField(p path.Path, field string) path.Path {
	if field == "" {
		return p
	}
	return p.AtName(field)
}

// keyAttributes maps configuration key prefixes to the attribute setting them.
var keyAttributes = map[string]string{
	"receivers.otlp.http": "http_port", "receivers.otlp.grpc": "grpc_port", "metrics.endpoint": "metrics_port",
	"metrics": "max_label_values", "sampling.rate": "sampling_rate", "sampling": "keep_slower_than",
	"log.level": "log_level", "dify": "dify_queue_monitor", "receivers.otlp.langfuse": "langfuse_ingest",
	"redaction": "redaction_rules", "prices": "prices",
}
