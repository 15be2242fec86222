package grafana

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/llmops/terraform-provider-llmops/internal/alerting"
)

// The policy tree is read and written as raw JSON, not through the
// generated models: the routes this provider does not own must go back
// byte for byte, unknown fields included, and the generated Route cannot
// decode the string form of `matchers` that Grafana may hold.

// RouteKey identifies a route by its object_matchers, in the form
// alerting.Route.Key gives the routes this provider declares.
func RouteKey(route map[string]any) string {
	return alerting.Route{Matchers: alerting.MatchersFromObject(route["object_matchers"])}.Key()
}

// GetRoute returns the top-level route of the policy tree whose matchers
// have key; the error wraps ErrNotFound when there is none.
func (c *Client) GetRoute(ctx context.Context, key string) (map[string]any, error) {
	tree, err := c.policyTree(ctx)
	if err != nil {
		return nil, err
	}
	routes, _ := tree["routes"].([]any)
	for _, r := range routes {
		if m, ok := r.(map[string]any); ok && RouteKey(m) == key {
			return m, nil
		}
	}
	return nil, fmt.Errorf("notification policy %s: %w", key, ErrNotFound)
}

// SetRoute inserts or replaces (by matchers) one top-level route, leaving
// every other route as it is. create refuses to take over a route that
// already exists: import it instead.
func (c *Client) SetRoute(ctx context.Context, route map[string]any, create bool) error {
	key := RouteKey(route)
	return c.modifyTree(ctx, func(routes []any) ([]any, error) {
		for i, r := range routes {
			if m, ok := r.(map[string]any); ok && RouteKey(m) == key {
				if create {
					return nil, fmt.Errorf("a notification policy with matchers %s already exists in Grafana; import it (terraform import ... '%s')", key, key)
				}
				routes[i] = route
				return routes, nil
			}
		}
		return append(routes, route), nil
	})
}

// DeleteRoute removes the route with key; an absent one is not an error.
func (c *Client) DeleteRoute(ctx context.Context, key string) error {
	return c.modifyTree(ctx, func(routes []any) ([]any, error) {
		return slices.DeleteFunc(routes, func(r any) bool {
			m, ok := r.(map[string]any)
			return ok && RouteKey(m) == key
		}), nil
	})
}

// modifyTree is the one read-modify-write of the policy tree, serialised
// across this provider's resources (Terraform applies them in parallel).
func (c *Client) modifyTree(ctx context.Context, edit func([]any) ([]any, error)) error {
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	tree, err := c.policyTree(ctx)
	if err != nil {
		return err
	}
	routes, _ := tree["routes"].([]any)
	if routes, err = edit(routes); err != nil {
		return err
	}
	tree["routes"] = routes
	body, err := json.Marshal(tree)
	if err != nil {
		return fmt.Errorf("encode policy tree: %w", err)
	}
	_, err = c.do(ctx, http.MethodPut, "/api/v1/provisioning/policies", body)
	return err
}

func (c *Client) policyTree(ctx context.Context) (map[string]any, error) {
	b, err := c.do(ctx, http.MethodGet, "/api/v1/provisioning/policies", nil)
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := json.Unmarshal(b, &tree); err != nil {
		return nil, fmt.Errorf("read policy tree: %w", err)
	}
	return tree, nil
}

func (c *Client) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	c.auth(req)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Disable-Provenance", provenanceOff)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%s %s: %w (%s)", method, path, ErrNotFound, strings.TrimSpace(string(b)))
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("%s %s: Grafana answered %d (check the provider's grafana.auth and the token's role): %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	case resp.StatusCode >= 300:
		return nil, fmt.Errorf("%s %s: Grafana answered %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return b, nil
}
