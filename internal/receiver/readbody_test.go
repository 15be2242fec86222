package receiver

import (
	"bytes"
	"io"
	"net/http/httptest"
	"testing"
)

// TestReadBodyAllocatesOnce: a body of Content-Length bytes is read into one
// buffer; the read that finds EOF must not grow (reallocate and copy) it,
// which would double its capacity.
func TestReadBodyAllocatesOnce(t *testing.T) {
	adm := NewAdmission(1 << 40)
	for _, size := range []int{1000, 64 << 10, 1<<20 + 8191, 1300 * 1024} {
		body := bytes.Repeat([]byte("x"), size)
		r := httptest.NewRequest("POST", "/v1/traces", io.NopCloser(bytes.NewReader(body)))
		r.ContentLength = int64(size)
		cr := &chargedReader{r: r.Body, adm: adm}
		got, err := readBody(r, cr, 1<<30)
		if err != nil || len(got) != size {
			t.Fatalf("read %d bytes: %v", len(got), err)
		}
		adm.Release(cr.reserved)
		// Size classes and pages round an allocation up a little; a regrowth
		// doubles it.
		if limit := size + size/4 + 8192; cap(got) > limit {
			t.Errorf("%d-byte body: buffer of %d bytes, want at most %d (one allocation)", size, cap(got), limit)
		}
	}
}
