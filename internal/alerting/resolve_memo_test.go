package alerting

import (
	"errors"
	"testing"
)

// ParseExpr parses each distinct expression once, keeps the parser's
// message for a bad one, and stays bounded.
func TestParseExprMemo(t *testing.T) {
	m := &parseMemo{max: 2}
	calls := 0
	bad := errors.New("bad")
	parse := func(err error) func() error { return func() error { calls++; return err } }
	for range 3 {
		if err := m.do("up", parse(nil)); err != nil {
			t.Fatal(err)
		}
		if err := m.do("up{", parse(bad)); err != bad {
			t.Fatalf("want the remembered error, got %v", err)
		}
	}
	if calls != 2 {
		t.Fatalf("%d parses for 2 distinct expressions", calls)
	}
	_ = m.do("rate(x[5m])", parse(nil))
	if len(m.errs) > m.max {
		t.Fatalf("memo grew to %d entries (max %d)", len(m.errs), m.max)
	}
	if err := ParseExpr("sum(rate(x[5m]"); err == nil || ParseExpr("sum(rate(x[5m]") == nil {
		t.Fatal("a bad expression must fail every time it is checked")
	}
}
