package suggest

import (
	"strings"
	"testing"
)

func TestClosest(t *testing.T) {
	presets := []string{"p95_latency", "availability", "memory", "error_rate", "availability_slo", "latency_slo"}
	for word, want := range map[string]string{
		"p95_latncy": "p95_latency", "availabilty": "availability", "Memory": "memory", "eror_rate": "error_rate",
		"availability-slo": "availability_slo", "nonsense": "", "": "", "x": "",
	} {
		got, ok := Closest(word, presets)
		if got != want || ok != (want != "") {
			t.Errorf("Closest(%q) = %q, %v; want %q", word, got, ok, want)
		}
	}
}

func TestOneOf(t *testing.T) {
	msg := OneOf("slak", []string{"email", "slack", "webhook"})
	if !strings.Contains(msg, `"slak" is not one of "email", "slack", "webhook"`) || !strings.HasSuffix(msg, `did you mean "slack"?`) {
		t.Errorf("message: %s", msg)
	}
	if msg := OneOf("zzzzzzzz", []string{"email"}); strings.Contains(msg, "did you mean") {
		t.Errorf("a far word gets no suggestion: %s", msg)
	}
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"same", "same", 0}} {
		if got := distance(c.a, c.b); got != c.d {
			t.Errorf("distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
