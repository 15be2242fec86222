package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "llmops-exporter ") {
		t.Fatalf("code %d, out %q", code, out.String())
	}
	if code := run([]string{"bogus"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "bogus") {
		t.Fatalf("unknown command: code %d, err %q", code, errOut.String())
	}
}
