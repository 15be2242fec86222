package platform

import (
	"fmt"
	"net/url"
	"strings"
)

// configFields is every non-secret field any platform has, in schema
// order, with where it lives in a Config: one table, so a new field cannot
// be listed without its place.
var configFields = []configField{
	{FieldHost, func(c *Config) *string { return &c.Host }},
	{FieldEndpoint, func(c *Config) *string { return &c.Endpoint }},
	{FieldURL, func(c *Config) *string { return &c.URL }},
	{FieldPublicKey, func(c *Config) *string { return &c.PublicKey }},
	{FieldProject, func(c *Config) *string { return &c.Project }},
	{FieldWorkspace, func(c *Config) *string { return &c.Workspace }},
	{FieldEntity, func(c *Config) *string { return &c.Entity }},
	{FieldAppName, func(c *Config) *string { return &c.AppName }},
	{FieldServiceName, func(c *Config) *string { return &c.ServiceName }},
	{FieldExperimentID, func(c *Config) *string { return &c.ExperimentID }},
	{FieldUsername, func(c *Config) *string { return &c.Username }},
	{FieldClientID, func(c *Config) *string { return &c.ClientID }},
}

type configField struct {
	name string
	ptr  func(*Config) *string
}

// fieldPtr returns the Config field named name (a Field* constant).
func fieldPtr(c *Config, name string) *string {
	for _, f := range configFields {
		if f.name == name {
			return f.ptr(c)
		}
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
		errs = append(errs, &FieldError{FieldHeaders, fmt.Sprintf("is only used by type %s", QuoteTypes(HeaderTypes()))})
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
	for _, f := range configFields {
		if name := f.name; !allowed[name] && *f.ptr(c) != "" {
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

// QuoteTypes is `"a"` or `"a" or "b"`, for messages.
func QuoteTypes(ts []Type) string {
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
