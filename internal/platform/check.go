package platform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Problem classifies why a credential check failed. Dify reports all of these
// as "Invalid Credentials"; telling them apart is the point of Check.
type Problem string

// The failure classes of Check.
const (
	Unreachable Problem = "unreachable"
	WrongURL    Problem = "wrong URL or path"
	Rejected    Problem = "credentials rejected"
	Unexpected  Problem = "unexpected answer"
)

// CheckError is a failed credential check. Its text never contains a secret.
type CheckError struct {
	Type    Type
	Problem Problem
	// Request is the method and display URL of the failing request.
	Request string
	// Status is the HTTP status (0 for transport errors and gRPC).
	Status int
	Detail string
}

func (e *CheckError) Error() string {
	switch e.Problem {
	case Unreachable:
		return fmt.Sprintf("%s is unreachable: %s failed: %s", e.Type, e.Request, e.Detail)
	case WrongURL:
		return fmt.Sprintf("%s answered %s with %s: wrong URL or path, the address is not a %s API (%s)", e.Type, e.Request, e.statusText(), e.Type, e.Detail)
	case Rejected:
		return fmt.Sprintf("%s rejected the credentials: %s answered %s; check %s", e.Type, e.Request, e.statusText(), e.Detail)
	default:
		return fmt.Sprintf("%s answered %s with %s: %s", e.Type, e.Request, e.statusText(), e.Detail)
	}
}

func (e *CheckError) statusText() string {
	if e.Status == 0 {
		return e.Detail
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

// CheckOptions tunes Check.
type CheckOptions struct {
	// HTTPClient is used for HTTP probes; nil means a client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds the whole check; 0 means 15 s.
	Timeout time.Duration
}

// probe is one HTTP request of a credential check.
type probe struct {
	method      string
	url         string
	display     string
	headers     []Header
	body        []byte
	contentType string
	// accept reports whether the answer means "credentials work".
	accept func(status int, contentType string) bool
}

// credentialHint names the fields to fix when credentials are rejected.
var credentialHint = map[Type]string{
	Langfuse:   "public_key and secret_key (and that they belong to this host's region)",
	LangSmith:  "api_key (and workspace, sent as x-tenant-id, for keys of several workspaces)",
	Phoenix:    "api_key",
	Weave:      "api_key, entity and project",
	Aliyun:     "license_key",
	Opik:       "api_key and workspace",
	Tencent:    "token",
	MLflow:     "username and password (and experiment_id: the experiment must exist)",
	Databricks: "token, or client_id and client_secret (and experiment_id: the experiment must exist and the principal may write to it)",
	OTLP:       "headers and secret_headers",
}

// Check asks the platform whether c and s work, using the cheapest
// authenticated request each platform offers. c must come from Normalize.
func Check(ctx context.Context, c Config, s Secrets, opts CheckOptions) error {
	if opts.Timeout == 0 {
		opts.Timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	exp := ExportFor(c, s)
	if exp.Protocol == GRPC {
		return checkGRPC(ctx, c.Type, exp)
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: opts.Timeout}
	}
	if exp.OAuth != nil {
		auth, err := oauthHeader(ctx, client, c.Type, exp.OAuth)
		if err != nil {
			return err
		}
		exp.Headers = append(exp.Headers, auth)
	}
	for _, p := range probes(c, s, exp) {
		if err := runProbe(ctx, client, c.Type, p); err != nil {
			return withPhoenixSpaceHint(c, err)
		}
	}
	return nil
}

// withPhoenixSpaceHint adds where the space goes when a check against the
// bare Phoenix Cloud host fails: Phoenix Cloud serves each space under
// /s/<space>, and the host alone has no Phoenix API for it.
func withPhoenixSpaceHint(c Config, err error) error {
	var ce *CheckError
	u, perr := url.Parse(c.Endpoint)
	if c.Type != Phoenix || perr != nil || !strings.EqualFold(u.Hostname(), "app.phoenix.arize.com") || strings.HasPrefix(u.Path, "/s/") ||
		!errors.As(err, &ce) || (ce.Problem != WrongURL && ce.Problem != Rejected) {
		return err
	}
	ce.Detail += "; Phoenix Cloud serves each space under /s/<space>: set endpoint to https://app.phoenix.arize.com/s/<space>"
	return ce
}

func jsonOK(status int, ct string) bool { return status == http.StatusOK && isJSON(ct) }

func probes(c Config, s Secrets, exp Export) []probe {
	get := func(u string, hs ...Header) probe {
		return probe{method: http.MethodGet, url: u, display: u, headers: hs, accept: jsonOK}
	}
	switch c.Type {
	case Langfuse:
		// The REST check, then an empty OTLP export: a self-hosted Langfuse
		// older than v3.22 has the REST API but no OTLP endpoint (404).
		otlp := probe{method: http.MethodPost, url: exp.URL, display: exp.DisplayURL, headers: exp.Headers,
			contentType: "application/x-protobuf", accept: func(st int, _ string) bool { return st/100 == 2 }}
		return []probe{get(c.Host+"/api/public/projects", exp.Headers[0]), otlp}
	case LangSmith:
		hs := []Header{exp.Headers[0]}
		if c.Workspace != "" {
			hs = append(hs, Header{Name: "x-tenant-id", Value: c.Workspace})
		}
		return []probe{get(c.Endpoint+"/sessions?limit=1", hs...)}
	case Phoenix:
		health := get(c.Endpoint + "/healthz")
		health.accept = func(st int, _ string) bool { return st == http.StatusOK }
		var auth []Header
		if s.Key != "" {
			auth = []Header{{Name: "Authorization", Value: "Bearer " + s.Key, Secret: true}}
		}
		return []probe{health, get(c.Endpoint+"/v1/projects?limit=1", auth...)}
	case Weave:
		p := get(c.Endpoint+"/calls/query_stats", Header{Name: "Authorization", Value: basic("api", s.Key), Secret: true})
		p.method = http.MethodPost
		p.body = []byte(fmt.Sprintf(`{"project_id":%q}`, c.Entity+"/"+c.Project))
		p.contentType = "application/json"
		return []probe{p}
	case Aliyun:
		// Dify's check: ARMS answers HEAD on the traces URL with 405.
		return []probe{{method: http.MethodHead, url: exp.URL, display: exp.DisplayURL, headers: exp.Headers,
			accept: func(st int, _ string) bool { return st == http.StatusMethodNotAllowed || st/100 == 2 }}}
	case Opik:
		// POST v1/private/auth is Opik's authenticated check (204); GET
		// projects is on its public-endpoint list and answers 200 to a wrong
		// key for an existing workspace (RemoteAuthService.checkAccess).
		var hs []Header
		for _, h := range exp.Headers {
			if h.Name != "projectName" {
				hs = append(hs, h)
			}
		}
		p := get(c.URL+"v1/private/auth", hs...)
		p.method, p.contentType, p.body = http.MethodPost, "application/json", []byte("{}")
		p.accept = func(st int, _ string) bool { return st == http.StatusNoContent || st == http.StatusOK }
		return []probe{p}
	case MLflow, Databricks:
		// MLflow's REST API: the experiment, read with the export's
		// credentials (404 RESOURCE_DOES_NOT_EXIST for a wrong id).
		var hs []Header
		for _, h := range exp.Headers {
			if h.Name == "Authorization" {
				hs = append(hs, h)
			}
		}
		return []probe{get(c.Endpoint+"/api/2.0/mlflow/experiments/get?experiment_id="+url.QueryEscape(c.ExperimentID), hs...)}
	default: // generic OTLP over HTTP: an empty export is valid and harmless
		p := probe{method: http.MethodPost, url: exp.URL, display: exp.DisplayURL, headers: exp.Headers,
			contentType: "application/x-protobuf", accept: func(st int, _ string) bool { return st/100 == 2 }}
		if c.Protocol == HTTPJSON {
			p.contentType, p.body = "application/json", []byte("{}")
		}
		return []probe{p}
	}
}

func runProbe(ctx context.Context, client *http.Client, t Type, p probe) error {
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, bytes.NewReader(p.body))
	if err != nil {
		return &CheckError{Type: t, Problem: WrongURL, Request: p.method + " " + p.display, Detail: "cannot build the request"}
	}
	for _, h := range p.headers {
		req.Header.Set(h.Name, h.Value)
	}
	if p.contentType != "" {
		req.Header.Set("Content-Type", p.contentType)
	}
	req.Header.Set("User-Agent", "terraform-provider-llmops")
	reqText := p.method + " " + p.display
	resp, err := client.Do(req)
	if err != nil {
		return &CheckError{Type: t, Problem: Unreachable, Request: reqText, Detail: transportDetail(err)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	ct := resp.Header.Get("Content-Type")
	if p.accept(resp.StatusCode, ct) {
		return nil
	}
	return classifyHTTP(t, reqText, resp.StatusCode, ct)
}

func classifyHTTP(t Type, reqText string, status int, ct string) error {
	e := &CheckError{Type: t, Request: reqText, Status: status}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Problem, e.Detail = Rejected, credentialHint[t]
	case (status == http.StatusNotFound) && (t == MLflow || t == Databricks):
		e.Problem, e.Detail = WrongURL, "check the endpoint and experiment_id (MLflow answers 404 RESOURCE_DOES_NOT_EXIST for an unknown experiment)"
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		e.Problem, e.Detail = WrongURL, "check the endpoint and any path prefix"
	case status/100 == 2 || status/100 == 3:
		e.Problem, e.Detail = WrongURL, fmt.Sprintf("it answered with %q instead of the platform's JSON", mediaType(ct))
	default:
		e.Problem, e.Detail = Unexpected, "the platform reported an error; try again later"
	}
	return e
}

// transportDetail describes a transport failure without the request URL,
// which may carry a secret (Aliyun puts the token in the path).
func transportDetail(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}

func isJSON(ct string) bool {
	mt := mediaType(ct)
	return mt == "application/json" || (len(mt) > 5 && mt[len(mt)-5:] == "+json")
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}

// oauthHeader fetches a client-credentials token (Databricks service
// principals) and returns it as the Authorization header; a refused client
// is Rejected, an unreachable token endpoint Unreachable.
func oauthHeader(ctx context.Context, client *http.Client, t Type, o *OAuthClient) (Header, error) {
	cc := o.Config()
	tok, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, client))
	if err == nil {
		return Header{Name: "Authorization", Value: "Bearer " + tok.AccessToken, Secret: true}, nil
	}
	reqText := http.MethodPost + " " + o.TokenURL
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		if st := re.Response.StatusCode; st == http.StatusBadRequest || st == http.StatusUnauthorized || st == http.StatusForbidden {
			return Header{}, &CheckError{Type: t, Problem: Rejected, Request: reqText, Status: st, Detail: "client_id and client_secret (the OAuth token endpoint refused them)"}
		}
		return Header{}, classifyHTTP(t, reqText, re.Response.StatusCode, re.Response.Header.Get("Content-Type"))
	}
	return Header{}, &CheckError{Type: t, Problem: Unreachable, Request: reqText, Detail: transportDetail(err)}
}
