package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

// The tracing provider's per-platform documentation is generated from the
// platform descriptors (internal/platform), so that a new platform, its
// defaults, requirements and secrets appear in the schema and the docs
// without an edit here.

// platformField is a string attribute that some platforms take: base, then
// which platforms use it and how. It is Computed when any platform gives it
// a default, so the plan shows the default that will be used.
func platformField(field, base string) schema.StringAttribute {
	uses := platform.FieldUses(field)
	computed := false
	parts := make([]string, 0, len(uses))
	for _, u := range uses {
		var notes []string
		if u.Required {
			notes = append(notes, "required")
		}
		if u.Default != "" {
			computed = true
			notes = append(notes, "default `"+u.Default+"`")
		}
		if platform.URLField(u.Type) == field && platform.HTTPSOnly(u.Type) {
			notes = append(notes, "`https://` only")
		}
		if u.Doc != "" {
			notes = append(notes, u.Doc)
		}
		part := "`" + string(u.Type) + "`"
		if len(notes) > 0 {
			part += ": " + strings.Join(notes, "; ")
		}
		parts = append(parts, part)
	}
	return schema.StringAttribute{
		Optional:            true,
		Computed:            computed,
		MarkdownDescription: base + " Used by " + strings.Join(parts, ". ") + ". Other types refuse it.",
	}
}

// protocolDescription lists each platform's transports, default first.
func protocolDescription() string {
	var parts []string
	for _, t := range platform.Types() {
		ps := platform.Protocols(t)
		names := make([]string, len(ps))
		for i, p := range ps {
			names[i] = "`" + string(p) + "`"
		}
		names[0] += " (default)"
		part := "`" + string(t) + "`: " + strings.Join(names, ", ")
		for _, p := range []platform.Protocol{platform.HTTPProtobuf, platform.HTTPJSON, platform.GRPC} {
			if why := platform.RefusedProtocolReason(t, p); why != "" {
				part += fmt.Sprintf(" (not `%s`: %s)", p, why)
			}
		}
		parts = append(parts, part)
	}
	return "OTLP transport: `http/protobuf`, `http/json` or `grpc`. " + strings.Join(parts, "; ") + "."
}

// headerTypes names the platforms that take user-defined headers.
func headerTypes() string {
	var names []string
	for _, t := range platform.HeaderTypes() {
		names = append(names, string(t))
	}
	return quoteList(names)
}

// secretAttribute is one secret attribute pair (`<name>_wo` and `<name>`)
// and the platforms that use it.
type secretAttribute struct{ name, usedBy string }

// secretAttributes lists the secret attributes in registry order, each
// with the platforms that use it.
func secretAttributes() []secretAttribute {
	var out []secretAttribute
	index := map[string]int{}
	for _, u := range platform.SecretUses() {
		use := "`" + string(u.Type) + "`"
		if u.Doc != "" {
			use += " (" + u.Doc + ")"
		}
		i, seen := index[u.Name]
		if !seen {
			index[u.Name] = len(out)
			out = append(out, secretAttribute{name: u.Name, usedBy: use})
			continue
		}
		out[i].usedBy += ", " + use
	}
	return out
}
