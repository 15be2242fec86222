package main

import (
	"strings"
	"testing"
)

func TestBound(t *testing.T) {
	cases := []struct {
		rate     int
		exp, lg  float64
		contains string
	}{
		{0, 0.99, 0.6, "the exporter (99%"},
		{0, 0.62, 0.97, "THE LOAD GENERATOR (97%"},
		{0, 0.5, 0.5, "neither core was full"},
		{50000, 0.12, 0.2, "the target rate (50000"},
	}
	for _, c := range cases {
		if got := bound(c.rate, c.exp, c.lg); !strings.Contains(got, c.contains) {
			t.Errorf("bound(%d, %v, %v) = %q, want %q", c.rate, c.exp, c.lg, got, c.contains)
		}
	}
	if got := perCore(700000, 0.5); got != 1400000 {
		t.Fatalf("perCore = %v", got)
	}
	if perCore(10, 0) != 0 {
		t.Fatal("no CPU spent must not divide by zero")
	}
}
