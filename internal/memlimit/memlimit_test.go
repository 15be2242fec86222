package memlimit

import (
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, root, rel, body string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCgroup(t *testing.T) {
	for name, c := range map[string]struct {
		rel, body string
		want      int64
		ok        bool
	}{
		"v2 limit":     {"sys/fs/cgroup/memory.max", "536870912\n", 512 << 20, true},
		"v2 unlimited": {"sys/fs/cgroup/memory.max", "max\n", 0, false},
		"v1 limit":     {"sys/fs/cgroup/memory/memory.limit_in_bytes", "268435456\n", 256 << 20, true},
		"v1 unlimited": {"sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n", 0, false},
		"garbage":      {"sys/fs/cgroup/memory.max", "lots", 0, false},
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, root, c.rel, c.body)
			if got, ok := Cgroup(root); got != c.want || ok != c.ok {
				t.Fatalf("got %d %v, want %d %v", got, ok, c.want, c.ok)
			}
		})
	}
	if _, ok := Cgroup(t.TempDir()); ok {
		t.Fatal("no cgroup files means no limit")
	}
}

func TestDerive(t *testing.T) {
	cases := []struct {
		name                 string
		limit, configured    int64
		envGOGC, envMemLimit bool
		want                 Plan
	}{
		{"no limit", 0, 0, false, false, Plan{InFlightBytes: 64 << 20, MemoryLimit: 256 << 20, GCPercent: 200}},
		{"container limit", 1 << 30, 0, false, false, Plan{InFlightBytes: 256 << 20, MemoryLimit: (1 << 30) / 10 * 8, GCPercent: 200}},
		{"configured budget", 1 << 30, 8 << 20, false, false, Plan{InFlightBytes: 8 << 20, MemoryLimit: (1 << 30) / 10 * 8, GCPercent: 200}},
		{"operator GOGC", 0, 0, true, false, Plan{InFlightBytes: 64 << 20, MemoryLimit: 256 << 20}},
		{"operator GOMEMLIMIT", 0, 0, false, true, Plan{InFlightBytes: 64 << 20}},
	}
	for _, c := range cases {
		if got := Derive(c.limit, c.configured, c.envGOGC, c.envMemLimit); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
