package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/llmops/terraform-provider-llmops/internal/suggest"
)

// oneOf accepts one of options; a typo gets the closest option suggested
// (stringvalidator.OneOf only lists them).
type oneOf []string

func oneOfValues(options ...string) oneOf { return oneOf(options) }

func (v oneOf) Description(context.Context) string {
	return "one of " + strings.Join(v, ", ")
}

func (v oneOf) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v oneOf) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || slices.Contains(v, req.ConfigValue.ValueString()) {
		return
	}
	addAttrError(&resp.Diagnostics, req.Path, "Invalid value", suggest.OneOf(req.ConfigValue.ValueString(), v))
}

// required refuses an empty or blank string where a name is required:
// Terraform's Required lets "" through.
type required string

func (v required) Description(context.Context) string { return "must not be empty: " + string(v) }

func (v required) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v required) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || strings.TrimSpace(req.ConfigValue.ValueString()) != "" {
		return
	}
	addAttrError(&resp.Diagnostics, req.Path, "Empty value", "must not be empty: "+string(v))
}

// addAttrError adds an error at p. Terraform highlights an attribute, or one
// element of a list attribute, but not an attribute inside that element
// (rule[0].threshold highlights the whole resource): the error goes to the
// deepest position Terraform can show, and the detail names the full path.
func addAttrError(diags *diag.Diagnostics, p path.Path, summary, detail string) {
	shown := highlightable(p)
	if !shown.Equal(p) {
		detail = fmt.Sprintf("%s: %s", p, detail)
	}
	diags.AddAttributeError(shown, summary, detail)
}

// highlightable is p cut after its first attribute and that attribute's
// index, if any.
func highlightable(p path.Path) path.Path {
	steps := p.Steps()
	if len(steps) <= 1 {
		return p
	}
	n := 1
	if _, isAttr := steps[1].(path.PathStepAttributeName); !isAttr {
		n = 2
	}
	if n >= len(steps) {
		return p
	}
	out := path.Empty()
	for _, s := range steps[:n] {
		switch s := s.(type) {
		case path.PathStepAttributeName:
			out = out.AtName(string(s))
		case path.PathStepElementKeyInt:
			out = out.AtListIndex(int(s))
		case path.PathStepElementKeyString:
			out = out.AtMapKey(string(s))
		case path.PathStepElementKeyValue:
			out = out.AtSetValue(s.Value)
		}
	}
	return out
}

// checked refuses a string its check refuses, with the check's message.
type checked struct {
	desc  string
	check func(string) error
}

func (v checked) Description(context.Context) string { return v.desc }

func (v checked) MarkdownDescription(ctx context.Context) string { return v.desc }

func (v checked) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		addAttrError(&resp.Diagnostics, req.Path, "Invalid value", err.Error())
	}
}

// share accepts a ratio in (0, 1], and says how to write a percentage.
type share struct{}

func (share) Description(context.Context) string {
	return "a share from 0 (exclusive) to 1: 99.9 % is 0.999"
}

func (v share) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (share) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if v := req.ConfigValue.ValueFloat64(); !(v > 0 && v <= 1) {
		addAttrError(&resp.Diagnostics, req.Path, "Invalid share",
			fmt.Sprintf("%v is not a share from 0 (exclusive) to 1: 99.9 %% is 0.999, 80 %% is 0.8", v))
	}
}
