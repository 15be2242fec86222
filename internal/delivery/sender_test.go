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
)

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
	exp := platform.Export{URL: srv.URL + "/v1/traces", DisplayURL: srv.URL + "/v1/traces", Protocol: platform.HTTPProtobuf,
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
