package receiver

import (
	"bytes"
	"io"
	"net/http/httptest"
	"runtime"
	"testing"
)

// TestReadBodyAllocatesOnce: a body of Content-Length bytes is read into one
// buffer; the read that finds EOF must not grow (allocate and copy) it again.
func TestReadBodyAllocatesOnce(t *testing.T) {
	adm := NewAdmission(1 << 40)
	for _, size := range []int{1000, 64 << 10, 1<<20 + 8191, 1300 * 1024} {
		body := bytes.Repeat([]byte("x"), size)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const runs = 10
		for range runs {
			r := httptest.NewRequest("POST", "/v1/traces", io.NopCloser(bytes.NewReader(body)))
			r.ContentLength = int64(size)
			cr := &chargedReader{r: r.Body, adm: adm}
			got, err := readBody(r, cr, 1<<30)
			if err != nil || len(got) != size {
				t.Fatalf("read %d bytes: %v", len(got), err)
			}
			adm.Release(cr.reserved)
		}
		runtime.ReadMemStats(&after)
		perRun := float64(after.TotalAlloc-before.TotalAlloc) / runs
		if perRun > 1.3*float64(size)+16<<10 {
			t.Errorf("%d-byte body: %.0f bytes allocated per read, want about one body", size, perRun)
		}
	}
}
