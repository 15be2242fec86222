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
	d := lookup(c.Type)
	for _, p := range probesFor(d, c, s, exp) {
		if err := runProbe(ctx, client, c.Type, p); err != nil {
			var ce *CheckError
			if d.explain != nil && errors.As(err, &ce) {
				d.explain(c, ce)
			}
			return err
		}
	}
	return nil
}

func jsonOK(status int, ct string) bool { return status == http.StatusOK && isJSON(ct) }

// get is a GET probe that wants JSON back.
func get(u string, hs ...Header) probe {
	return probe{method: http.MethodGet, url: u, display: u, headers: hs, accept: jsonOK}
}

// emptyExport is a POST of an empty OTLP request to the traces URL: valid,
// and it stores nothing.
func emptyExport(exp Export) probe {
	return probe{method: http.MethodPost, url: exp.URL, display: exp.DisplayURL, headers: exp.Headers,
		contentType: "application/x-protobuf", accept: func(st int, _ string) bool { return st/100 == 2 }}
}

func probesFor(d *descriptor, c Config, s Secrets, exp Export) []probe {
	if d.probes != nil {
		return d.probes(c, s, exp)
	}
	p := emptyExport(exp)
	if c.Protocol == HTTPJSON {
		p.contentType, p.body = "application/json", []byte("{}")
	}
	return []probe{p}
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
		e.Problem, e.Detail = Rejected, lookup(t).rejectedHint
	case status == http.StatusNotFound && lookup(t).notFoundHint != "":
		e.Problem, e.Detail = WrongURL, lookup(t).notFoundHint
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
