package provider

import (
	"context"
	"net/url"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// brokerURL accepts a redis:// or rediss:// URL with no password. Unlike
// the regex validators it never repeats the value: a URL with a password
// is a secret.
type brokerURL struct{}

func (brokerURL) Description(context.Context) string {
	return "a redis:// or rediss:// URL without a password"
}

func (v brokerURL) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (brokerURL) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	u, err := url.Parse(req.ConfigValue.ValueString())
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid broker URL",
			"Want Dify's CELERY_BROKER_URL form, redis://host:port/db or rediss://host:port/db (the value is not repeated here: it may hold a password).")
		return
	}
	if _, has := u.User.Password(); has {
		resp.Diagnostics.AddAttributeError(req.Path, "Password in the broker URL",
			"Remove the password from redis_url (it would be stored in state and in the rendered configuration): set password = true and "+
				"give it to the replicas as the secret file dify_redis_password.")
	}
}
