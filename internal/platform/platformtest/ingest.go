package platformtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// Outage makes the fake's ingest endpoint answer status (with Retry-After
// when retryAfter > 0) until Recover; 0 restores normal service.
func (f *Fake) Outage(status, retryAfter int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outage, f.retryAfter = status, retryAfter
}

// Recover ends an outage.
func (f *Fake) Recover() { f.Outage(0, 0) }

// Received returns every span the fake accepted, in one Traces.
func (f *Fake) Received() ptrace.Traces {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := ptrace.NewTraces()
	for _, td := range f.accepted {
		c := ptrace.NewTraces()
		td.CopyTo(c)
		c.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
	}
	return out
}

// ReceivedSpans is the number of spans the fake accepted.
func (f *Fake) ReceivedSpans() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, td := range f.accepted {
		n += td.SpanCount()
	}
	return n
}

func (f *Fake) accept(td ptrace.Traces) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepted = append(f.accepted, td)
}

// serveIngest handles an OTLP/HTTP export with the platform's rules.
func (f *Fake) serveIngest(w http.ResponseWriter, r *http.Request, auth func(*http.Request) int, protobufOnly bool) {
	f.mu.Lock()
	outage, retryAfter := f.outage, f.retryAfter
	f.mu.Unlock()
	if outage != 0 {
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		w.WriteHeader(outage)
		return
	}
	if code := auth(r); code != 0 {
		writeJSON(w, code, map[string]string{"message": "Invalid credentials"})
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "application/x-protobuf":
	case mt == "application/json" && !protobufOnly:
	case protobufOnly:
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"detail": "Unsupported content type: only application/x-protobuf"})
		return
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Invalid content type"})
		return
	}
	rules := fakes[f.Type]
	if rules.checkRequest != nil {
		if code, msg := rules.checkRequest(r); code != 0 {
			writeJSON(w, code, map[string]string{"message": msg})
			return
		}
	}
	body := readBody(r)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		body, _ = io.ReadAll(zr)
	}
	req := ptraceotlp.NewExportRequest()
	var err error
	if mt == "application/json" {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"detail": "undecodable OTLP body"})
		return
	}
	if rules.checkTraces != nil {
		if msg := rules.checkTraces(f, req.Traces()); msg != "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": msg})
			return
		}
	}
	f.accept(req.Traces())
	if mt == "application/json" {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	resp, _ := ptraceotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}
