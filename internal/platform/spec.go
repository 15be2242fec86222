package platform

import (
	"fmt"
	"net/url"
	"strings"
)

// allFields is every non-secret field any platform has, in schema order.
var allFields = []string{FieldHost, FieldEndpoint, FieldURL, FieldPublicKey, FieldProject, FieldWorkspace, FieldEntity,
	FieldAppName, FieldServiceName, FieldExperimentID, FieldUsername, FieldClientID}

// fieldPtr returns the Config field named name (a Field* constant).
func fieldPtr(c *Config, name string) *string {
	switch name {
	case FieldHost:
		return &c.Host
	case FieldEndpoint:
		return &c.Endpoint
	case FieldURL:
		return &c.URL
	case FieldPublicKey:
		return &c.PublicKey
	case FieldProject:
		return &c.Project
	case FieldWorkspace:
		return &c.Workspace
	case FieldEntity:
		return &c.Entity
	case FieldAppName:
		return &c.AppName
	case FieldServiceName:
		return &c.ServiceName
	case FieldExperimentID:
		return &c.ExperimentID
	case FieldUsername:
		return &c.Username
	case FieldClientID:
		return &c.ClientID
	}
	panic("platform: unknown field " + name)
}

// Fields returns the names of the non-secret fields t accepts.
func Fields(t Type) []string {
	d := lookup(t)
	out := make([]string, 0, len(d.fields)+1)
	for _, f := range d.fields {
		out = append(out, f.name)
	}
	if len(d.protocols) > 1 {
		out = append(out, FieldProtocol)
	}
	return out
}

// Default returns the default of field for t, or "" when it has none.
func Default(t Type, field string) string {
	d := lookup(t)
	if field == FieldProtocol && len(d.protocols) > 0 {
		return string(d.protocols[0])
	}
	for _, f := range d.fields {
		if f.name == field {
			return f.def
		}
	}
	return ""
}

// Normalize validates c and returns it with defaults filled and URLs in
// canonical form (no trailing slash, except Opik's required "/api/"). All
// problems are returned together; none of them echoes a secret.
func Normalize(c Config) (Config, error) {
	d, ok := byType[c.Type]
	if !ok {
		return c, Errors{{Field: FieldType, Message: fmt.Sprintf("unknown platform %q; expected one of %s", c.Type, strings.Join(TypeNames(), ", "))}}
	}
	out := c
	out.Headers = cloneMap(c.Headers)
	errs := normalizeFields(&out, d)
	errs = append(errs, normalizeProtocol(&out, d)...)
	if !d.headers && len(out.Headers) > 0 {
		errs = append(errs, &FieldError{FieldHeaders, fmt.Sprintf("is only used by type %s", quoteTypes(HeaderTypes()))})
	}
	if d.validate != nil {
		errs = append(errs, d.validate(out)...)
	}
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

// normalizeFields trims, defaults and checks d's fields in c, and refuses
// the fields d does not take.
func normalizeFields(c *Config, d *descriptor) Errors {
	var errs Errors
	allowed := map[string]bool{}
	for _, f := range d.fields {
		allowed[f.name] = true
		p := fieldPtr(c, f.name)
		*p = strings.TrimSpace(*p)
		if *p == "" {
			*p = f.def
		}
		if *p == "" {
			if f.required {
				errs = append(errs, &FieldError{f.name, fmt.Sprintf("is required for type %q", c.Type)})
			}
			continue
		}
		if f.url != nil {
			norm, err := normalizeURL(*p, *f.url)
			if err != nil {
				errs = append(errs, &FieldError{f.name, err.Error()})
				continue
			}
			*p = norm
		}
	}
	for _, name := range allFields {
		if !allowed[name] && *fieldPtr(c, name) != "" {
			errs = append(errs, &FieldError{name, fmt.Sprintf("is not used by type %q (it takes %s)", c.Type, strings.Join(Fields(c.Type), ", "))})
		}
	}
	return errs
}

func normalizeProtocol(c *Config, d *descriptor) Errors {
	if c.Protocol == "" {
		c.Protocol = d.protocols[0]
		return nil
	}
	for _, p := range d.protocols {
		if c.Protocol == p {
			return nil
		}
	}
	if why := d.refusedProtocol[c.Protocol]; why != "" {
		return Errors{{FieldProtocol, why}}
	}
	allowed := make([]string, len(d.protocols))
	for i, p := range d.protocols {
		allowed[i] = string(p)
	}
	return Errors{{FieldProtocol, fmt.Sprintf("type %q accepts %s, not %q", c.Type, strings.Join(allowed, ", "), c.Protocol)}}
}

// quoteTypes is `"a"` or `"a" or "b"`, for messages.
func quoteTypes(ts []Type) string {
	q := make([]string, len(ts))
	for i, t := range ts {
		q[i] = fmt.Sprintf("%q", t)
	}
	return strings.Join(q, " or ")
}

// normalizeURL checks one URL against its rule and returns its canonical form.
func normalizeURL(raw string, r urlRule) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("must be an absolute http:// or https:// URL")
	}
	if r.httpsOnly && u.Scheme != "https" {
		return "", fmt.Errorf("must use https:// (the platform refuses plain HTTP)")
	}
	if u.User != nil {
		return "", fmt.Errorf("must not contain credentials; use the secret attribute instead")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("must not have a query or fragment")
	}
	if r.originOnly && u.Path != "" && u.Path != "/" {
		return "", fmt.Errorf("must be scheme://host[:port] with no path")
	}
	if r.suffix != "" {
		if !strings.HasSuffix(u.Path, r.suffix) {
			return "", fmt.Errorf("must end with %q", r.suffix)
		}
		return u.String(), nil
	}
	path := strings.TrimRight(u.Path, "/")
	// A base URL that already holds the traces path would double it, which
	// platforms answer with a silent 404.
	if strings.HasSuffix(path, "/v1/traces") {
		return "", fmt.Errorf("must be the base URL; the provider appends the traces path (remove %q)", "/v1/traces")
	}
	u.Path = path
	u.RawPath = ""
	return u.String(), nil
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
