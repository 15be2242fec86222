package receiver

import (
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// Admission bounds the bytes of request bodies held in memory at once, over
// both receivers. Work is refused before it is done: an HTTP request is
// charged its Content-Length before a byte is read (and charged more as a
// compressed or chunked body turns out larger), a gRPC call is refused
// before its message is read when the budget is already spent. Refused
// senders get 429 / RESOURCE_EXHAUSTED and retry later.
type Admission struct {
	limit int64
	used  atomic.Int64
	// processing holds one slot per processor (see Process).
	processing chan struct{}
}

// NewAdmission returns a budget of limit bytes (<= 0: unlimited).
func NewAdmission(limit int64) *Admission {
	return &Admission{limit: limit, processing: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// Process waits for a processor slot and returns the function that gives
// it back (idempotent). A request holds its slot from decoding until it
// waits on the disk (pipeline.Yield): CPU-bound work then runs a few
// requests at a time, each to completion, instead of every admitted request
// at once, each slowed by all the others and all delaying short requests
// such as /health by their scheduler slices.
func (a *Admission) Process() func() {
	if a == nil {
		return func() {}
	}
	a.processing <- struct{}{}
	var once sync.Once
	return func() { once.Do(func() { <-a.processing }) }
}

// errOverBudget is returned while reading a body that outgrew the budget.
var errOverBudget = errors.New("the exporter's memory budget for requests in flight is spent")

// TryAcquire charges n bytes, or reports false (charging nothing) when they
// do not fit. A single request larger than the whole budget still passes
// when nothing else is in flight, so the size limit, not the budget, decides
// what one request may hold.
func (a *Admission) TryAcquire(n int64) bool {
	if a == nil || a.limit <= 0 || n <= 0 {
		return true
	}
	for {
		used := a.used.Load()
		if used > 0 && used+n > a.limit {
			return false
		}
		if a.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

// Release returns n bytes to the budget.
func (a *Admission) Release(n int64) {
	if a == nil || a.limit <= 0 || n <= 0 {
		return
	}
	a.used.Add(-n)
}

// Full reports whether the budget is spent (checked before a gRPC message,
// whose size is unknown until it has been read).
func (a *Admission) Full() bool {
	return a != nil && a.limit > 0 && a.used.Load() >= a.limit
}

// InFlight is the number of bytes charged now.
func (a *Admission) InFlight() int64 {
	if a == nil {
		return 0
	}
	return a.used.Load()
}

// chargedReader charges the budget for every byte read beyond what was
// reserved up front, in steps, and fails with errOverBudget when a step
// does not fit.
type chargedReader struct {
	r        io.Reader
	adm      *Admission
	read     int64
	reserved int64 // total charged so far; the caller releases it
}

const chargeStep = 256 << 10

func (c *chargedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.read > c.reserved {
		step := max(c.read-c.reserved, chargeStep)
		if !c.adm.TryAcquire(step) {
			return n, errOverBudget
		}
		c.reserved += step
	}
	return n, err
}
