// Package grafana is the provider's Grafana HTTP API client: dashboards,
// folders and provisioned alert rule groups, through the generated
// grafana-openapi-client-go sub-clients over one go-openapi transport (the
// umbrella client costs 17 MB of binary for APIs we never call).
//
// Every write sends X-Disable-Provenance, so objects stay editable in
// Grafana's UI: a hand edit is drift that the next apply repairs, rather
// than an object nobody can touch. The choice is permanent per object
// (Grafana refuses to go from "api" back to ""), so it is not an option.
package grafana

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/grafana/grafana-openapi-client-go/client/dashboards"
	"github.com/grafana/grafana-openapi-client-go/client/folders"
	"github.com/grafana/grafana-openapi-client-go/client/provisioning"

	"github.com/llmops/terraform-provider-llmops/internal/settings"
)

// provenanceOff is the header value that keeps objects editable.
const provenanceOff = "true"

// Client talks to one Grafana organisation.
type Client struct {
	base         *url.URL
	dashboards   dashboards.ClientService
	folders      folders.ClientService
	provisioning provisioning.ClientService
	// policyMu serialises read-modify-write of the one notification policy
	// tree across resources of this provider process.
	policyMu sync.Mutex
	// http and auth serve the policy tree, read and written as raw JSON.
	http *http.Client
	auth func(*http.Request)
}

// New builds a client for the resolved connection; hc may be nil.
func New(g settings.Grafana, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(g.URL, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("grafana url %q: not an absolute URL", g.URL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second} // a hung Grafana must not hang terraform
	}
	hc = &http.Client{Timeout: hc.Timeout, Jar: hc.Jar, CheckRedirect: hc.CheckRedirect,
		Transport: orgHeader{next: orDefault(hc.Transport), org: strconv.FormatInt(g.OrgID, 10)}}
	rt := httptransport.NewWithClient(u.Host, strings.TrimRight(u.Path, "/")+"/api", []string{u.Scheme}, hc)
	auth := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+g.Auth) }
	if user, pass, basic := g.BasicAuth(); basic {
		rt.DefaultAuthentication = httptransport.BasicAuth(user, pass)
		auth = func(r *http.Request) { r.SetBasicAuth(user, pass) }
	} else {
		rt.DefaultAuthentication = httptransport.BearerToken(g.Auth)
	}
	return &Client{
		http: hc, auth: auth,
		base:         u,
		dashboards:   dashboards.New(rt, strfmt.Default),
		folders:      folders.New(rt, strfmt.Default),
		provisioning: provisioning.New(rt, strfmt.Default),
	}, nil
}

// URL resolves a path Grafana returned (e.g. "/d/uid/slug") to a full URL.
func (c *Client) URL(path string) string {
	if path == "" {
		return ""
	}
	return c.base.String() + path
}

type orgHeader struct {
	next http.RoundTripper
	org  string
}

func (o orgHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Grafana-Org-Id", o.org)
	return o.next.RoundTrip(r)
}

func orDefault(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		return http.DefaultTransport
	}
	return rt
}

// ErrNotFound is returned (wrapped) when an object does not exist.
var ErrNotFound = errors.New("not found in Grafana")

// IsNotFound tells whether err means the object is gone.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// apiError turns a generated client's error into one that says what was
// attempted, the status and Grafana's message, and maps 404 to ErrNotFound.
func apiError(op string, err error) error {
	if err == nil {
		return nil
	}
	var ra *runtime.APIError
	code := 0
	switch {
	case errors.As(err, &ra):
		code = ra.Code
	default:
		if c, ok := err.(interface{ Code() int }); ok {
			code = c.Code()
		}
	}
	// The generated errors' text carries method, path, status and Grafana's
	// JSON message.
	msg := err.Error()
	if code == http.StatusNotFound {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	if code == http.StatusUnauthorized || code == http.StatusForbidden {
		return fmt.Errorf("%s: Grafana answered %d (check the provider's grafana.auth and the token's role): %s", op, code, msg)
	}
	return fmt.Errorf("%s: %s", op, msg)
}

func ctxParams[P interface{ SetContext(context.Context) }](ctx context.Context, p P) P {
	p.SetContext(ctx)
	return p
}
