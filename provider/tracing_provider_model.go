package provider

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/llmops/terraform-provider-llmops/internal/exporterconfig/fromcollector"
	"github.com/llmops/terraform-provider-llmops/internal/platform"
)

type tracingProviderModel struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	Type         types.String `tfsdk:"type"`
	Host         types.String `tfsdk:"host"`
	Endpoint     types.String `tfsdk:"endpoint"`
	URL          types.String `tfsdk:"url"`
	PublicKey    types.String `tfsdk:"public_key"`
	Project      types.String `tfsdk:"project"`
	Workspace    types.String `tfsdk:"workspace"`
	Entity       types.String `tfsdk:"entity"`
	AppName      types.String `tfsdk:"app_name"`
	ServiceName  types.String `tfsdk:"service_name"`
	ExperimentID types.String `tfsdk:"experiment_id"`
	Username     types.String `tfsdk:"username"`
	ClientID     types.String `tfsdk:"client_id"`
	Protocol     types.String `tfsdk:"protocol"`
	Headers      types.Map    `tfsdk:"headers"`
	Verify       types.Bool   `tfsdk:"verify"`

	SecretKeyWO     types.String `tfsdk:"secret_key_wo"`
	SecretKey       types.String `tfsdk:"secret_key"`
	APIKeyWO        types.String `tfsdk:"api_key_wo"`
	APIKey          types.String `tfsdk:"api_key"`
	LicenseKeyWO    types.String `tfsdk:"license_key_wo"`
	LicenseKey      types.String `tfsdk:"license_key"`
	TokenWO         types.String `tfsdk:"token_wo"`
	Token           types.String `tfsdk:"token"`
	PasswordWO      types.String `tfsdk:"password_wo"`
	Password        types.String `tfsdk:"password"`
	ClientSecretWO  types.String `tfsdk:"client_secret_wo"`
	ClientSecret    types.String `tfsdk:"client_secret"`
	SecretHeadersWO types.Map    `tfsdk:"secret_headers_wo"`
	SecretHeaders   types.Map    `tfsdk:"secret_headers"`

	// One counter per write-only secret (<name>_wo_version).
	SecretKeyWOVersion     types.Int64 `tfsdk:"secret_key_wo_version"`
	APIKeyWOVersion        types.Int64 `tfsdk:"api_key_wo_version"`
	LicenseKeyWOVersion    types.Int64 `tfsdk:"license_key_wo_version"`
	TokenWOVersion         types.Int64 `tfsdk:"token_wo_version"`
	PasswordWOVersion      types.Int64 `tfsdk:"password_wo_version"`
	ClientSecretWOVersion  types.Int64 `tfsdk:"client_secret_wo_version"`
	SecretHeadersWOVersion types.Int64 `tfsdk:"secret_headers_wo_version"`

	OTLPEndpoint    types.String `tfsdk:"otlp_endpoint"`
	OTLPProtocol    types.String `tfsdk:"otlp_protocol"`
	OTLPHeaderNames types.List   `tfsdk:"otlp_header_names"`
	ExporterDest    types.String `tfsdk:"exporter_destination"`
}

// stringFields maps platform field names to the model's attributes.
func (m *tracingProviderModel) stringFields() map[string]*types.String {
	return map[string]*types.String{
		platform.FieldHost: &m.Host, platform.FieldEndpoint: &m.Endpoint, platform.FieldURL: &m.URL,
		platform.FieldPublicKey: &m.PublicKey, platform.FieldProject: &m.Project, platform.FieldWorkspace: &m.Workspace,
		platform.FieldEntity: &m.Entity, platform.FieldAppName: &m.AppName, platform.FieldServiceName: &m.ServiceName,
		platform.FieldExperimentID: &m.ExperimentID, platform.FieldUsername: &m.Username, platform.FieldClientID: &m.ClientID,
		platform.FieldProtocol: &m.Protocol,
	}
}

// secretFields maps each secret name to its write-only and sensitive forms.
func (m *tracingProviderModel) secretFields() map[string][2]*types.String {
	return map[string][2]*types.String{
		"secret_key": {&m.SecretKeyWO, &m.SecretKey}, "api_key": {&m.APIKeyWO, &m.APIKey},
		"license_key": {&m.LicenseKeyWO, &m.LicenseKey}, "token": {&m.TokenWO, &m.Token},
		"password": {&m.PasswordWO, &m.Password}, "client_secret": {&m.ClientSecretWO, &m.ClientSecret},
	}
}

func (m *tracingProviderModel) platformConfig(diags *diag.Diagnostics) platform.Config {
	c := platform.Config{
		Type: platform.Type(m.Type.ValueString()), Host: m.Host.ValueString(), Endpoint: m.Endpoint.ValueString(),
		URL: m.URL.ValueString(), PublicKey: m.PublicKey.ValueString(), Project: m.Project.ValueString(),
		Workspace: m.Workspace.ValueString(), Entity: m.Entity.ValueString(), AppName: m.AppName.ValueString(),
		ServiceName: m.ServiceName.ValueString(), ExperimentID: m.ExperimentID.ValueString(), Username: m.Username.ValueString(),
		ClientID: m.ClientID.ValueString(), Protocol: platform.Protocol(m.Protocol.ValueString()),
		Headers: mapOf(context.Background(), m.Headers, diags),
	}
	return c
}

func (m *tracingProviderModel) fieldUnknown(field string) bool {
	if field == platform.FieldHeaders {
		return m.Headers.IsUnknown()
	}
	if f, ok := m.stringFields()[field]; ok {
		return f.IsUnknown()
	}
	return false
}

// secrets returns the secret values from configuration (write-only first).
func (m *tracingProviderModel) secrets(diags *diag.Diagnostics) platform.Secrets {
	s := platform.Secrets{}
	if name := m.secretName(); name != "" {
		pair := m.secretFields()[name]
		s.Key = pair[0].ValueString()
		if s.Key == "" {
			s.Key = pair[1].ValueString()
		}
	}
	s.Headers = mapOf(context.Background(), m.SecretHeadersWO, diags)
	if s.Headers == nil {
		s.Headers = mapOf(context.Background(), m.SecretHeaders, diags)
	}
	return s
}

// hasSecret reports whether configuration supplies the platform's secret
// (unknown counts as supplied: it will be known at apply time).
func (m *tracingProviderModel) hasSecret() bool {
	name := m.secretName()
	if name == "" {
		return false
	}
	for _, v := range m.secretFields()[name] {
		if !v.IsNull() {
			return true
		}
	}
	return false
}

// validateSecrets checks that the platform's secret is given when required
// and that no other platform's secret is.
func (m *tracingProviderModel) validateSecrets() diag.Diagnostics {
	var diags diag.Diagnostics
	t := platform.Type(m.Type.ValueString())
	if f := platform.SecretChosenBy(t); f != "" && m.fieldUnknown(f) {
		return diags // which secret (Databricks: token_wo or client_secret_wo) is known once the field is
	}
	own := m.secretName()
	for name, pair := range m.secretFields() {
		if name == own {
			continue
		}
		for i, v := range pair {
			if !v.IsNull() {
				attr := name
				if i == 0 {
					attr += "_wo"
				}
				hint := "it takes no secret"
				if own != "" {
					hint = "its secret is " + own + "_wo"
				}
				diags.AddAttributeError(path.Root(attr), "Invalid tracing provider setting", fmt.Sprintf("%s is not used by type %q (%s)", attr, t, hint))
			}
		}
	}
	if own != "" && platform.SecretRequired(t) && !m.hasSecret() {
		diags.AddAttributeError(path.Root(own+"_wo"), "Missing tracing provider secret",
			fmt.Sprintf("type %q needs %s_wo (Terraform 1.11+) or %s", t, own, own))
	}
	if with := platform.SecretSentWith(t); with != "" && own != "" {
		diags.Append(m.validatePairedSecret(t, own, with)...)
	}
	if !platform.AcceptsHeaders(t) && (!m.SecretHeadersWO.IsNull() || !m.SecretHeaders.IsNull()) {
		diags.AddAttributeError(path.Root("secret_headers_wo"), "Invalid tracing provider setting",
			fmt.Sprintf("secret headers are only used by type %s", platform.QuoteTypes(platform.HeaderTypes())))
	}
	return diags
}

// secretName is the attribute name of the configured platform's secret
// (a Databricks service principal's is client_secret).
func (m *tracingProviderModel) secretName() string {
	return platform.SecretNameFor(platform.Config{Type: platform.Type(m.Type.ValueString()), ClientID: m.ClientID.ValueString()})
}

// secretImplied reports whether the settings alone say a secret is
// configured: the type requires one, or the field it is sent with is set
// (MLflow's username, whose password must be set). An import assumes it.
func (m *tracingProviderModel) secretImplied() bool {
	t := platform.Type(m.Type.ValueString())
	with := platform.SecretSentWith(t)
	return platform.SecretRequired(t) || (with != "" && m.stringFields()[with].ValueString() != "")
}

// validatePairedSecret: a secret sent only with another field (MLflow's
// basic auth: password with username) needs both; either alone would be
// sent as a wrong Basic header, or not at all.
func (m *tracingProviderModel) validatePairedSecret(t platform.Type, secret, with string) diag.Diagnostics {
	var diags diag.Diagnostics
	f := m.stringFields()[with]
	set := !f.IsNull() && f.ValueString() != ""
	switch {
	case set && !m.hasSecret():
		diags.AddAttributeError(path.Root(secret+"_wo"), "Missing tracing provider secret",
			fmt.Sprintf("type %q with %s needs %s_wo (Terraform 1.11+) or %s: %s sends them together", t, with, secret, secret, platform.Title(t)))
	case !set && !f.IsUnknown() && m.hasSecret():
		diags.AddAttributeError(path.Root(with), "Missing tracing provider setting",
			fmt.Sprintf("type %q sends the %s only with a %s: set %s, or remove %s_wo", t, secret, with, with, secret))
	}
	return diags
}

// fillDefaults sets the type's defaults on fields the configuration leaves
// unset, so the plan shows the values that will be used.
func (m *tracingProviderModel) fillDefaults(cfg tracingProviderModel) {
	t := platform.Type(m.Type.ValueString())
	cfgFields := cfg.stringFields()
	for name, f := range m.stringFields() {
		if !cfgFields[name].IsNull() {
			continue
		}
		if def := platform.Default(t, name); def != "" && slices.Contains(platform.Fields(t), name) {
			*f = types.StringValue(def)
		} else {
			*f = types.StringNull()
		}
	}
}

// setOutputs derives the computed OTLP outputs; they are unknown while any
// input is.
// cfg supplies what only configuration knows: whether a secret is set and
// the names of write-only headers.
func (m *tracingProviderModel) setOutputs(cfg *tracingProviderModel, diags *diag.Diagnostics) {
	for _, f := range m.stringFields() {
		if f.IsUnknown() {
			m.unknownOutputs()
			return
		}
	}
	if m.Headers.IsUnknown() {
		m.unknownOutputs()
		return
	}
	norm, err := platform.Normalize(m.platformConfig(diags))
	if err != nil {
		m.unknownOutputs()
		return
	}
	sec := platform.Secrets{}
	if cfg.hasSecret() {
		sec.Key = "set"
	}
	exp := platform.ExportFor(norm, sec)
	m.OTLPEndpoint = types.StringValue(exp.DisplayURL)
	m.OTLPProtocol = types.StringValue(string(exp.Protocol))
	names := exp.HeaderNames()
	// Secret header names of the generic type are known only from config;
	// the values never are.
	names = append(names, mapKeys(cfg.SecretHeadersWO)...)
	names = append(names, mapKeys(cfg.SecretHeaders)...)
	sort.Strings(names)
	names = slices.Compact(names)
	vals := make([]attr.Value, len(names))
	for i, n := range names {
		vals[i] = types.StringValue(n)
	}
	m.OTLPHeaderNames = types.ListValueMust(types.StringType, vals)
	if m.Name.IsUnknown() {
		m.ExporterDest = types.StringUnknown()
		return
	}
	secretHeaders := append(mapKeys(cfg.SecretHeadersWO), mapKeys(cfg.SecretHeaders)...)
	sort.Strings(secretHeaders)
	m.ExporterDest = types.StringValue(fromcollector.EncodeRef(fromcollector.DestinationRef{
		Name: m.Name.ValueString(), Config: norm, HasSecret: cfg.hasSecret(), SecretHeaders: slices.Compact(secretHeaders)}))
}

func (m *tracingProviderModel) unknownOutputs() {
	m.OTLPEndpoint = types.StringUnknown()
	m.OTLPProtocol = types.StringUnknown()
	m.OTLPHeaderNames = types.ListUnknown(types.StringType)
	m.ExporterDest = types.StringUnknown()
}

// clearWriteOnly nulls write-only values before the model is stored.
func (m *tracingProviderModel) clearWriteOnly() {
	for _, pair := range m.secretFields() {
		*pair[0] = types.StringNull()
	}
	m.SecretHeadersWO = types.MapNull(types.StringType)
}

// parseImportID reads "<type>/<name>[?field=value&...]". Only non-secret
// fields can be given: write-only values are never importable.
func parseImportID(id string) (tracingProviderModel, error) {
	head, query, _ := strings.Cut(id, "?")
	typ, name, ok := strings.Cut(head, "/")
	if !ok || typ == "" || name == "" {
		return tracingProviderModel{}, fmt.Errorf("expected <type>/<name>[?field=value&...], e.g. langfuse/prod?public_key=pk-lf-123, got %q", id)
	}
	if !slices.Contains(platform.TypeNames(), typ) {
		return tracingProviderModel{}, fmt.Errorf("unknown type %q; expected one of %s", typ, strings.Join(platform.TypeNames(), ", "))
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return tracingProviderModel{}, fmt.Errorf("the part after '?' is not field=value pairs: %v", err)
	}
	m := emptyModel()
	m.Type, m.Name, m.ID = types.StringValue(typ), types.StringValue(name), types.StringValue(typ+"/"+name)
	fields := m.stringFields()
	for k, v := range vals {
		if _, secret := m.secretFields()[strings.TrimSuffix(k, "_wo")]; secret || strings.HasPrefix(k, "secret_headers") {
			return tracingProviderModel{}, fmt.Errorf("%s is a secret and cannot be imported; set it in the configuration (secrets are never stored)", k)
		}
		switch {
		case k == "verify":
			m.Verify = types.BoolValue(v[0] == "true")
		case fields[k] != nil && slices.Contains(platform.Fields(platform.Type(typ)), k):
			*fields[k] = types.StringValue(v[0])
		default:
			return tracingProviderModel{}, fmt.Errorf("import field %q is not a setting of type %q (it takes %s, verify)", k, typ, strings.Join(platform.Fields(platform.Type(typ)), ", "))
		}
	}
	// Unset fields take the type's defaults, as a create would.
	m.fillDefaults(emptyModel())
	for k, v := range vals {
		*fields[k] = types.StringValue(v[0])
	}
	var diags diag.Diagnostics // the import ID sets no header: nothing to convert
	if _, err := platform.Normalize(m.platformConfig(&diags)); err != nil {
		return tracingProviderModel{}, fmt.Errorf("import ID: %v", err)
	}
	return m, nil
}

func emptyModel() tracingProviderModel {
	m := tracingProviderModel{
		ID: types.StringNull(), Name: types.StringNull(), Type: types.StringNull(), Verify: types.BoolValue(false),
		Headers: types.MapNull(types.StringType), SecretHeadersWO: types.MapNull(types.StringType), SecretHeaders: types.MapNull(types.StringType),
		SecretKeyWOVersion: types.Int64Null(), APIKeyWOVersion: types.Int64Null(), LicenseKeyWOVersion: types.Int64Null(),
		TokenWOVersion: types.Int64Null(), PasswordWOVersion: types.Int64Null(), ClientSecretWOVersion: types.Int64Null(),
		SecretHeadersWOVersion: types.Int64Null(),
	}
	for _, f := range m.stringFields() {
		*f = types.StringNull()
	}
	for _, pair := range m.secretFields() {
		*pair[0], *pair[1] = types.StringNull(), types.StringNull()
	}
	m.OTLPEndpoint, m.OTLPProtocol = types.StringNull(), types.StringNull()
	m.OTLPHeaderNames = types.ListNull(types.StringType)
	m.ExporterDest = types.StringNull()
	return m
}

func mapKeys(m types.Map) []string {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	keys := make([]string, 0, len(m.Elements()))
	for k := range m.Elements() {
		keys = append(keys, k)
	}
	return keys
}
