package platform_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/platform/platformtest"
)

// goodConfigs are, per type, settings and secrets a fake accepts.
func goodConfigs() map[platform.Type]struct {
	cfg platform.Config
	sec platform.Secrets
} {
	type pair = struct {
		cfg platform.Config
		sec platform.Secrets
	}
	return map[platform.Type]pair{
		platform.Langfuse:   {platform.Config{PublicKey: "pk-lf-1"}, platform.Secrets{Key: "sk-lf-GOOD"}},
		platform.LangSmith:  {platform.Config{Project: "demo"}, platform.Secrets{Key: "lsv2_GOOD"}},
		platform.Phoenix:    {platform.Config{}, platform.Secrets{Key: "px-GOOD"}},
		platform.Weave:      {platform.Config{Entity: "team", Project: "app"}, platform.Secrets{Key: "wb-GOOD"}},
		platform.Aliyun:     {platform.Config{}, platform.Secrets{Key: "arms-GOOD"}},
		platform.Opik:       {platform.Config{Workspace: "ws"}, platform.Secrets{Key: "opik-GOOD"}},
		platform.Tencent:    {platform.Config{}, platform.Secrets{Key: "tc-GOOD"}},
		platform.MLflow:     {platform.Config{ExperimentID: "7", Username: "bot"}, platform.Secrets{Key: "mlflow-GOOD"}},
		platform.Databricks: {platform.Config{ExperimentID: "1234567890"}, platform.Secrets{Key: "dapi-GOOD"}},
		"databricks-oauth":  {platform.Config{ExperimentID: "1234567890", ClientID: "sp-app-1"}, platform.Secrets{Key: "dose-GOOD"}},
		platform.OTLP:       {platform.Config{Headers: map[string]string{"x-scope-orgid": "t1"}}, platform.Secrets{Headers: map[string]string{"authorization": "Bearer GOOD"}}},
	}
}

// platformOf is the platform of a goodConfigs entry ("databricks-oauth"
// is Databricks with a service principal).
func platformOf(name platform.Type) platform.Type {
	if name == "databricks-oauth" {
		return platform.Databricks
	}
	return name
}

// MLflow's check reads the experiment: a wrong experiment_id is a wrong
// URL, said with the experiment's name in the hint.
func TestCheckMLflowWrongExperiment(t *testing.T) {
	fake := platformtest.New(t, platform.MLflow, platform.Config{ExperimentID: "7"}, platform.Secrets{})
	cfg := fake.Config
	cfg.ExperimentID = "8"
	err := platform.Check(context.Background(), normalize(t, cfg), platform.Secrets{}, platform.CheckOptions{HTTPClient: fake.HTTPClient()})
	if p := problemOf(t, err); p != platform.WrongURL || !strings.Contains(err.Error(), "experiment_id") {
		t.Fatalf("wrong experiment: %v", err)
	}
}

func normalize(t *testing.T, c platform.Config) platform.Config {
	t.Helper()
	n, err := platform.Normalize(c)
	if err != nil {
		t.Fatalf("normalize: %v", err)
	}
	return n
}

func problemOf(t *testing.T, err error) platform.Problem {
	t.Helper()
	var ce *platform.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("want *CheckError, got %T %v", err, err)
	}
	return ce.Problem
}

func TestCheckEveryPlatform(t *testing.T) {
	for name, good := range goodConfigs() {
		typ := platformOf(name)
		t.Run(string(name), func(t *testing.T) {
			fake := platformtest.New(t, typ, good.cfg, good.sec)
			cfg := normalize(t, fake.Config)
			ctx := context.Background()

			opts := platform.CheckOptions{HTTPClient: fake.HTTPClient()}
			if err := platform.Check(ctx, cfg, good.sec, opts); err != nil {
				t.Fatalf("good credentials: %v", err)
			}

			bad := platform.Secrets{Key: "WRONG-KEY"}
			if typ == platform.OTLP {
				bad = platform.Secrets{Headers: map[string]string{"authorization": "Bearer WRONG-KEY"}}
			}
			err := platform.Check(ctx, cfg, bad, opts)
			if p := problemOf(t, err); p != platform.Rejected {
				t.Fatalf("wrong key: want %q, got %q (%v)", platform.Rejected, p, err)
			}
			if strings.Contains(err.Error(), "WRONG-KEY") || strings.Contains(err.Error(), "GOOD") {
				t.Fatalf("error text leaks a secret: %v", err)
			}
			if len(fake.Requests()) < 2 {
				t.Fatalf("fake saw %d requests", len(fake.Requests()))
			}
		})
	}
}

func TestCheckUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + lis.Addr().String()
	lis.Close()
	for name, good := range goodConfigs() {
		typ := platformOf(name)
		t.Run(string(name), func(t *testing.T) {
			cfg := good.cfg
			cfg.Type = typ
			base := dead
			if typ == platform.LangSmith || typ == platform.Weave || typ == platform.Databricks {
				base = "https://" + lis.Addr().String() // they refuse plain HTTP
			}
			switch typ {
			case platform.Langfuse:
				cfg.Host = base
			case platform.Opik:
				cfg.URL = base + "/api/"
			default:
				cfg.Endpoint = base
			}
			err := platform.Check(context.Background(), normalize(t, cfg), good.sec, platform.CheckOptions{Timeout: 3 * time.Second})
			if p := problemOf(t, err); p != platform.Unreachable {
				t.Fatalf("want unreachable, got %q: %v", p, err)
			}
			if strings.Contains(err.Error(), "GOOD") {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestCheckWrongPath(t *testing.T) {
	// A Langfuse fake asked as if it were Phoenix: reachable, wrong API.
	fake := platformtest.New(t, platform.Langfuse, platform.Config{PublicKey: "pk"}, platform.Secrets{Key: "sk"})
	cfg := normalize(t, platform.Config{Type: platform.Phoenix, Endpoint: fake.URL})
	err := platform.Check(context.Background(), cfg, platform.Secrets{}, platform.CheckOptions{})
	if p := problemOf(t, err); p != platform.WrongURL {
		t.Fatalf("want wrong URL, got %q: %v", p, err)
	}
	// Langfuse behind a path prefix the user forgot.
	cfg = normalize(t, platform.Config{Type: platform.Langfuse, Host: fake.URL + "/langfuse", PublicKey: "pk"})
	err = platform.Check(context.Background(), cfg, platform.Secrets{Key: "sk"}, platform.CheckOptions{})
	if p := problemOf(t, err); p != platform.WrongURL {
		t.Fatalf("want wrong URL, got %q: %v", p, err)
	}
	if !strings.Contains(err.Error(), "/langfuse/api/public/projects") {
		t.Fatalf("error should name the request: %v", err)
	}
}

func TestCheckAliyunErrorHidesToken(t *testing.T) {
	fake := platformtest.New(t, platform.Aliyun, platform.Config{}, platform.Secrets{Key: "REALTOKEN"})
	cfg := normalize(t, fake.Config)
	err := platform.Check(context.Background(), cfg, platform.Secrets{Key: "TYPO-TOKEN"}, platform.CheckOptions{})
	if p := problemOf(t, err); p != platform.Rejected {
		t.Fatalf("want rejected, got %q: %v", p, err)
	}
	if strings.Contains(err.Error(), "TOKEN") && !strings.Contains(err.Error(), "{license_key}") {
		t.Fatalf("error leaks the token: %v", err)
	}
	if strings.Contains(err.Error(), "TYPO") {
		t.Fatalf("error leaks the token: %v", err)
	}
}

// TestCheckOldLangfuseWithoutOTLP: a self-hosted Langfuse older than v3.22
// answers the REST check but has no OTLP endpoint; verify must say so
// rather than pass and let every export fail.
func TestCheckOldLangfuseWithoutOTLP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/public/projects" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"data":[{"id":"p1","name":"p"}]}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	cfg := normalize(t, platform.Config{Type: platform.Langfuse, Host: srv.URL, PublicKey: "pk-lf-1"})
	err := platform.Check(context.Background(), cfg, platform.Secrets{Key: "sk-lf-1"}, platform.CheckOptions{HTTPClient: srv.Client()})
	if p := problemOf(t, err); p != platform.WrongURL || !strings.Contains(err.Error(), "/api/public/otel/v1/traces") {
		t.Fatalf("want the OTLP route reported, got %q: %v", p, err)
	}
}

// TestCheckARMSPathForms: ARMS's classic hosts take /adapt_<token>/api/otlp/traces
// and the CMS 2.0 *.log.aliyuncs.com hosts /adapt_<token>/api/v1/traces; the
// fake answers only the form its host name calls for, so each host is
// reached under its own name (the client dials the fake for any name).
func TestCheckARMSPathForms(t *testing.T) {
	fake := platformtest.New(t, platform.Aliyun, platform.Config{}, platform.Secrets{Key: "arms-GOOD"})
	addr := strings.TrimPrefix(fake.URL, "http://")
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	_, port, _ := net.SplitHostPort(addr)
	for _, host := range []string{"tracing-analysis-dc-hz.aliyuncs.com", "proj-xtrace-1.cn-hangzhou.log.aliyuncs.com"} {
		t.Run(host, func(t *testing.T) {
			cfg := normalize(t, platform.Config{Type: platform.Aliyun, Endpoint: "http://" + host + ":" + port})
			opts := platform.CheckOptions{HTTPClient: client}
			if err := platform.Check(context.Background(), cfg, platform.Secrets{Key: "arms-GOOD"}, opts); err != nil {
				t.Fatalf("good token: %v", err)
			}
			err := platform.Check(context.Background(), cfg, platform.Secrets{Key: "arms-WRONG"}, opts)
			if p := problemOf(t, err); p != platform.Rejected {
				t.Fatalf("wrong token: want rejected, got %q: %v", p, err)
			}
		})
	}
}

// TestCheckPhoenixCloudNeedsTheSpace: a failed check against the bare
// Phoenix Cloud host says where the space goes.
func TestCheckPhoenixCloudNeedsTheSpace(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	_, port, _ := net.SplitHostPort(addr)
	cfg := normalize(t, platform.Config{Type: platform.Phoenix, Endpoint: "http://app.phoenix.arize.com:" + port})
	err := platform.Check(context.Background(), cfg, platform.Secrets{Key: "px"}, platform.CheckOptions{HTTPClient: client})
	if err == nil || !strings.Contains(err.Error(), "/s/<space>") {
		t.Fatalf("want the space hint, got %v", err)
	}
	cfg = normalize(t, platform.Config{Type: platform.Phoenix, Endpoint: "http://app.phoenix.arize.com:" + port + "/s/team"})
	err = platform.Check(context.Background(), cfg, platform.Secrets{Key: "px"}, platform.CheckOptions{HTTPClient: client})
	if err == nil || strings.Contains(err.Error(), "/s/<space>") {
		t.Fatalf("a URL with its space gets no space hint: %v", err)
	}
}
