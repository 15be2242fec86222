package platform

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/llmops/terraform-provider-llmops/internal/llmspan"
)

// descriptor is everything one platform is: its settings and their rules,
// where and how traces go, how its credentials are checked, what it needs
// added to spans. Each platform's file (langfuse.go, langsmith.go, ...)
// defines one; registry.go lists them. Nothing outside this package branches
// on a platform's type: it asks the descriptor through the functions below.
type descriptor struct {
	typ Type
	// title is the platform as it names itself, for documentation.
	title  string
	fields []fieldSpec
	secret secretSpec
	// altSecret, when set, replaces secret once its field is set (a
	// Databricks service principal: client_id, then client_secret).
	altSecret *altSecret
	// secretWith names the field the secret is only sent with (MLflow's
	// password goes with username as HTTP Basic): one without the other is
	// refused by the provider.
	secretWith string
	// protocols lists the accepted protocols, default first.
	protocols []Protocol
	// refusedProtocol explains, per protocol, why the platform cannot take
	// it when the reason is not obvious (Opik and OTLP/JSON).
	refusedProtocol map[Protocol]string
	// headers: takes plain and secret user-defined headers (generic OTLP).
	headers bool
	// gzip: known to accept gzip-compressed OTLP (off where unconfirmed:
	// uncompressed always works).
	gzip bool
	// export says where and how traces go.
	export func(Config, Secrets) Export
	// validate catches the mistakes users of this platform really make,
	// after the generic field rules passed. Nil: none.
	validate func(Config) Errors
	// probes are the HTTP requests of the credential check, cheapest
	// authenticated first. Nil: an empty OTLP export (valid, stores nothing).
	probes func(Config, Secrets, Export) []probe
	// rejectedHint names what to fix when credentials are refused;
	// notFoundHint what a 404 means ("" : a wrong endpoint or path prefix).
	rejectedHint, notFoundHint string
	// explain adds a platform-specific hint to a failed check. Nil: none.
	explain func(Config, *CheckError)
	// mapping adds what the platform reads and the app did not send to a
	// destination's copy of a request. Nil: copies go as received.
	mapping func(ptrace.Traces, llmspan.Views)
}

// secretSpec is a platform's secret: its attribute name (without _wo) and
// what it is on this platform.
type secretSpec struct {
	name     string
	doc      string
	required bool
}

// altSecret is a secret chosen by another field being set.
type altSecret struct {
	field string
	secretSpec
}

// fieldSpec describes one non-secret field of one platform.
type fieldSpec struct {
	name     string
	def      string
	required bool
	url      *urlRule
	// doc says what the field is on this platform, when the attribute's
	// general description does not.
	doc string
}

// urlRule says what one URL field accepts.
type urlRule struct {
	httpsOnly  bool   // the platform refuses plain HTTP (as Dify does)
	originOnly bool   // scheme://host[:port] and nothing else
	suffix     string // the URL must end with this (Opik: "/api/")
}

var anyURL = &urlRule{}

// byType indexes the registry.
var byType = func() map[Type]*descriptor {
	m := make(map[Type]*descriptor, len(registry))
	for _, d := range registry {
		if m[d.typ] != nil {
			panic("platform registered twice: " + string(d.typ))
		}
		m[d.typ] = d
	}
	return m
}()

// lookup returns t's descriptor, or an empty one for an unknown type (whose
// answers are all "nothing"), so callers need no nil checks.
func lookup(t Type) *descriptor {
	if d := byType[t]; d != nil {
		return d
	}
	return &descriptor{}
}

// Types lists every supported platform in documentation order.
func Types() []Type {
	out := make([]Type, len(registry))
	for i, d := range registry {
		out[i] = d.typ
	}
	return out
}

// TypeNames is Types as strings, for validators and messages.
func TypeNames() []string {
	out := make([]string, len(registry))
	for i, d := range registry {
		out[i] = string(d.typ)
	}
	return out
}

// Title is the platform's own name ("Langfuse", "Arize Phoenix").
func Title(t Type) string { return lookup(t).title }

// SecretName returns the attribute name of t's secret, or "" when t has none.
func SecretName(t Type) string { return lookup(t).secret.name }

// SecretNameFor is SecretName for a configuration: a field may choose
// another secret (a Databricks service principal, client_id set,
// authenticates with its client_secret instead of a personal access token).
func SecretNameFor(c Config) string {
	d := lookup(c.Type)
	if a := d.altSecret; a != nil && *fieldPtr(&c, a.field) != "" {
		return a.name
	}
	return d.secret.name
}

// SecretChosenBy names the field that chooses t's secret ("" when none).
func SecretChosenBy(t Type) string {
	if a := lookup(t).altSecret; a != nil {
		return a.field
	}
	return ""
}

// SecretSentWith names the field t's secret is only sent with ("" when the
// secret stands alone).
func SecretSentWith(t Type) string { return lookup(t).secretWith }

// SecretRequired reports whether t cannot work without its secret.
func SecretRequired(t Type) bool { return lookup(t).secret.required }

// AcceptsHeaders reports whether t takes user-defined headers.
func AcceptsHeaders(t Type) bool { return lookup(t).headers }

// HeaderTypes lists the platforms that take user-defined headers.
func HeaderTypes() []Type {
	var out []Type
	for _, d := range registry {
		if d.headers {
			out = append(out, d.typ)
		}
	}
	return out
}

// Protocols lists the protocols t accepts, default first.
func Protocols(t Type) []Protocol { return lookup(t).protocols }

// RefusedProtocolReason says why t refuses p when that is not obvious.
func RefusedProtocolReason(t Type, p Protocol) string { return lookup(t).refusedProtocol[p] }

// URLField names the field that holds t's base URL (host, url or endpoint).
func URLField(t Type) string {
	for _, f := range lookup(t).fields {
		if f.url != nil {
			return f.name
		}
	}
	return FieldEndpoint
}

// HTTPSOnly reports whether t's URL must use https://.
func HTTPSOnly(t Type) bool {
	for _, f := range lookup(t).fields {
		if f.url != nil && f.url.httpsOnly {
			return true
		}
	}
	return false
}

// MapsAttributes reports whether a destination of type t gets a changed
// copy of each request (attributes the platform reads are added).
func MapsAttributes(t Type) bool { return lookup(t).mapping != nil }

// MapAttributes adds what t reads and the app did not send to td, never
// overwriting what the app sent. views are td's decoded spans.
func MapAttributes(t Type, td ptrace.Traces, views llmspan.Views) {
	if m := lookup(t).mapping; m != nil {
		m(td, views)
	}
}
