package queue

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmops/terraform-provider-llmops/internal/testvolume"
)

// request is a 6 KB request (above inlineMax: its data goes to a segment).
func request(i int) []byte { return requestOf(i, 6000) }

func requestOf(i, size int) []byte {
	return append([]byte{byte(i)}, bytes.Repeat([]byte("a"), size-1)...)
}

// A volume a few MiB larger than what is in flight sustains a steady load
// with a healthy destination indefinitely: delivered segment data is given
// back while the exporter runs. 32 MB go through an 8 MiB volume (the
// 64 MiB active segment used to hold it all until the volume was full).
func TestASmallVolumeSustainsASteadyLoad(t *testing.T) {
	dir := testvolume.Tmpfs(t, 8<<20)
	path := filepath.Join(dir, "q.db")
	s := open(t, path)
	defer s.Close()
	a, b := twoQueues(t, s, 4<<20, Refuse)
	var through int64
	for i := 0; through < 32<<20; i++ {
		data := requestOf(i, 64<<10)
		if err := s.Enqueue([]Put{{a, data, 10}, {b, data, 10}}); err != nil {
			t.Fatalf("after %d MB delivered: %v", through>>20, err)
		}
		for _, q := range []*Queue{a, b} {
			items, err := q.Peek(100, 1<<20)
			if err != nil || len(items) != 1 || items[0].Corrupt != "" {
				t.Fatalf("peek: %v %+v", err, items)
			}
			if err := q.Ack(items); err != nil {
				t.Fatal(err)
			}
		}
		through += int64(len(data))
	}
	if full, why := s.DiskFull(); full {
		t.Fatalf("DiskFull after a steady load: %s", why)
	}
	waitRemovals(s)
	if n := segmentBytes(t, path); n > 4<<20 {
		t.Fatalf("segments hold %d bytes with nothing queued", n)
	}
}

// With a destination down, the volume fills: requests are refused with
// ErrDiskFull, DiskFull says so (with the reason) for as long as that
// lasts, nothing already queued is lost, and once the backlog is delivered
// requests are accepted again.
func TestAFullVolumeRefusesUntilThereIsRoom(t *testing.T) {
	dir := testvolume.Tmpfs(t, 8<<20)
	path := filepath.Join(dir, "q.db")
	s := open(t, path)
	defer s.Close()
	q, err := s.Queue("down", 64<<20, Refuse, nil)
	if err != nil {
		t.Fatal(err)
	}
	queued := 0
	for i := 0; ; i++ {
		err := s.Enqueue([]Put{{q, request(i), 10}})
		if err != nil {
			if !errors.Is(err, ErrDiskFull) {
				t.Fatalf("request %d: %v, want ErrDiskFull", i, err)
			}
			break
		}
		queued++
		if i > 10000 {
			t.Fatal("an 8 MiB volume took 60 MB")
		}
	}
	full, why := s.DiskFull()
	if !full || !strings.Contains(why, "no space left") {
		t.Fatalf("DiskFull = %v %q after a refusal", full, why)
	}
	if full, _ := s.DiskFull(); !full {
		t.Fatal("DiskFull cleared itself with the volume still full")
	}
	if st := q.Stats(); st.Items != int64(queued) || st.Spans != int64(10*queued) {
		t.Fatalf("queue holds %+v, want the %d requests acknowledged", st, queued)
	}
	// The destination comes back: everything is delivered intact.
	got := 0
	for {
		items, err := q.Peek(1000, 4<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			if it.Corrupt != "" || !bytes.Equal(it.Data, request(got)) {
				t.Fatalf("item %d: corrupt %q", got, it.Corrupt)
			}
			got++
		}
		if err := q.Ack(items); err != nil {
			t.Fatal(err)
		}
	}
	if got != queued {
		t.Fatalf("delivered %d of %d", got, queued)
	}
	waitRemovals(s)
	if full, why := s.DiskFull(); full {
		t.Fatalf("DiskFull with the backlog delivered: %s", why)
	}
	if err := s.Enqueue([]Put{{q, request(0), 10}}); err != nil {
		t.Fatalf("after the backlog was delivered: %v", err)
	}
}

// A small volume makes small segments: an eighth of the free space, never
// below minSegmentSize nor above segmentSize.
func TestSegmentLimitFollowsTheFreeSpace(t *testing.T) {
	small := testvolume.Tmpfs(t, 16<<20)
	if got := segmentLimit(small); got != 2<<20 {
		t.Fatalf("16 MiB volume: segment limit %d, want 2 MiB", got)
	}
	tiny := testvolume.Tmpfs(t, 2<<20)
	if got := segmentLimit(tiny); got != minSegmentSize {
		t.Fatalf("2 MiB volume: segment limit %d, want the minimum %d", got, minSegmentSize)
	}
	if got := segmentLimit(t.TempDir()); got > segmentSize {
		t.Fatalf("segment limit %d above segmentSize", got)
	}
}

// waitRemovals waits for the removals of unused segments in flight.
func waitRemovals(s *Store) { s.segs.removals.Wait() }
