package delivery

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/llmops/terraform-provider-llmops/internal/platform"
	"github.com/llmops/terraform-provider-llmops/internal/platform/platformtest"
)

// TestCompressionFollowsTheExport: gzip only when the export says so (the
// platforms where it is unconfirmed get plain bodies).
func TestCompressionFollowsTheExport(t *testing.T) {
	var enc []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enc = append(enc, r.Header.Get("Content-Encoding"))
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	body, _ := ptraceotlp.NewExportRequestFromTraces(trace(1)).MarshalProto()
	for _, gz := range []bool{true, false} {
		s, _ := NewSender(platform.Export{URL: srv.URL, DisplayURL: srv.URL, Protocol: platform.HTTPProtobuf, Gzip: gz}, time.Second, nil)
		if _, err := s.Send(context.Background(), body); err != nil {
			t.Fatal(err)
		}
	}
	if len(enc) != 2 || enc[0] != "gzip" || enc[1] != "" {
		t.Fatalf("Content-Encoding per request: %q", enc)
	}
	for typ, want := range map[platform.Type]bool{platform.Langfuse: true, platform.Phoenix: true, platform.Opik: true, platform.OTLP: true,
		platform.LangSmith: false, platform.Weave: false, platform.Aliyun: false, platform.Tencent: false} {
		if got := platform.ExportFor(platform.Config{Type: typ}, platform.Secrets{}).Gzip; got != want {
			t.Errorf("%s: gzip %v, want %v", typ, got, want)
		}
	}
}

func TestHTTPSenderOutcomes(t *testing.T) {
	var status int
	var answer []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("X-Token") != "tok-SECRET" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Retry-After", "7")
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(status)
		_, _ = w.Write(answer)
	}))
	defer srv.Close()
	exp := platform.Export{URL: srv.URL + "/v1/traces", DisplayURL: srv.URL + "/v1/traces", Protocol: platform.HTTPProtobuf, Gzip: true,
		Headers: []platform.Header{{Name: "X-Token", Value: "tok-SECRET", Secret: true}}}
	s, _ := NewSender(exp, 5*time.Second, []string{"tok-SECRET"})
	body, _ := ptraceotlp.NewExportRequestFromTraces(trace(1)).MarshalProto()

	// Partial success: the platform keeps some spans and says how many it refused.
	resp := ptraceotlp.NewExportResponse()
	resp.PartialSuccess().SetRejectedSpans(2)
	resp.PartialSuccess().SetErrorMessage("2 spans too large")
	status, answer = 200, mustProto(resp.MarshalProto())
	if rejected, err := s.Send(context.Background(), body); err != nil || rejected != 2 {
		t.Fatalf("partial success: %d %v", rejected, err)
	}
	cases := []struct {
		status    int
		retryable bool
	}{{429, true}, {502, true}, {503, true}, {504, true}, {400, false}, {401, false}, {403, false}, {413, false}, {415, false}, {422, false}, {500, false}}
	for _, c := range cases {
		status, answer = c.status, []byte("refused: key tok-SECRET is not valid")
		_, err := s.Send(context.Background(), body)
		var se *SendError
		if !errors.As(err, &se) || se.Retryable != c.retryable {
			t.Errorf("HTTP %d: retryable=%v, want %v (%v)", c.status, se != nil && se.Retryable, c.retryable, err)
			continue
		}
		if se.RetryAfter != 7*time.Second || strings.Contains(se.Error(), "tok-SECRET") || !strings.Contains(se.Error(), "***") {
			t.Errorf("HTTP %d: %q (retry after %s)", c.status, se.Error(), se.RetryAfter)
		}
	}
}

func mustProto(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func FuzzPartialSuccessAndRetryAfter(f *testing.F) {
	f.Add([]byte{}, "application/x-protobuf", "3")
	f.Add([]byte(`{"partialSuccess":{"rejectedSpans":"5"}}`), "application/json", "Wed, 21 Oct 2026 07:28:00 GMT")
	f.Add([]byte{0x0a, 0x02, 0x08, 0x01}, "application/x-protobuf", "-1")
	f.Fuzz(func(t *testing.T, body []byte, ct, ra string) {
		_ = partialSuccess(body, ct)
		if d := retryAfter(ra); d < 0 || d > maxRetryAfter {
			t.Fatalf("Retry-After %q gave %s", ra, d)
		}
	})
}

// TestLangfuseSuspendedAnd500AreRetried: Langfuse's 403 (ingestion
// suspended by the usage limit) and 500 (its queue publish failed) are
// retried, the 403 slowly and under its own status; other platforms' 403
// still dead-letters.
func TestLangfuseSuspendedAnd500AreRetried(t *testing.T) {
	var code int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }))
	defer srv.Close()
	body, _ := ptraceotlp.NewExportRequestFromTraces(trace(1)).MarshalProto()
	lf := platform.ExportFor(platform.Config{Type: platform.Langfuse, Host: srv.URL, PublicKey: "pk", Protocol: platform.HTTPProtobuf}, platform.Secrets{Key: "sk"})
	s, _ := NewSender(lf, time.Second, nil)
	for _, c := range []struct {
		code      int
		retryable bool
		status    string
		minWait   time.Duration
	}{{403, true, "HTTP 403 suspended", 5 * time.Minute}, {500, true, "HTTP 500", 0}, {400, false, "HTTP 400", 0}} {
		code = c.code
		_, err := s.Send(context.Background(), body)
		var se *SendError
		if !errors.As(err, &se) || se.Retryable != c.retryable || se.Status != c.status || se.RetryAfter < c.minWait {
			t.Errorf("langfuse %d: %+v", c.code, se)
		}
	}
	other, _ := NewSender(platform.Export{URL: srv.URL, DisplayURL: srv.URL, Protocol: platform.HTTPProtobuf}, time.Second, nil)
	code = 403
	var se *SendError
	if _, err := other.Send(context.Background(), body); !errors.As(err, &se) || se.Retryable {
		t.Errorf("generic 403 retried: %+v", se)
	}
}

// A Databricks service principal the token endpoint refuses is a permanent
// failure (dead-lettered, like a rejected key), and the message holds no
// secret; a good one gets its token once and reuses it.
func TestDatabricksOAuthSender(t *testing.T) {
	cfg := platform.Config{Type: platform.Databricks, ExperimentID: "1", ClientID: "sp-1"}
	fake := platformtest.New(t, platform.Databricks, cfg, platform.Secrets{Key: "dose-GOOD"})
	norm, err := platform.Normalize(fake.Config)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := ptraceotlp.NewExportRequest().MarshalProto()
	bad, _ := NewSender(platform.ExportFor(norm, platform.Secrets{Key: "dose-WRONG"}), 5*time.Second, nil)
	defer bad.Close()
	_, err = bad.Send(context.Background(), body)
	var se *SendError
	if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Status, "OAuth token HTTP 401") || strings.Contains(se.Error(), "dose-") {
		t.Fatalf("refused client: %#v", err)
	}
	good, _ := NewSender(platform.ExportFor(norm, platform.Secrets{Key: "dose-GOOD"}), 5*time.Second, nil)
	defer good.Close()
	for range 3 {
		if _, err := good.Send(context.Background(), body); err != nil {
			t.Fatal(err)
		}
	}
	tokens := 0
	for _, r := range fake.Requests() {
		if r.Path == "/oidc/v1/token" {
			tokens++
		}
	}
	if tokens != 2 { // one refused, one for the three sends
		t.Fatalf("%d token requests, want 2", tokens)
	}
}
