package queue

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, true, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFIFOAndRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	q, err := s.Queue("lf", 1<<20, Refuse, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := q.Enqueue([]byte(fmt.Sprintf("batch-%d", i)), i+1); err != nil {
			t.Fatal(err)
		}
	}
	items, _ := q.Peek(3, 1<<20) // spans 1 and 2 fit in 3; the next (3) does not
	if len(items) != 2 || string(items[0].Data) != "batch-0" || string(items[1].Data) != "batch-1" || items[1].Spans != 2 {
		t.Fatalf("peek: %+v", items)
	}
	if err := q.Ack(items); err != nil {
		t.Fatal(err)
	}
	if st := q.Stats(); st.Items != 3 || st.Spans != 12 || st.Oldest.IsZero() {
		t.Fatalf("stats %+v", st)
	}
	s.Close()

	s = open(t, path)
	defer s.Close()
	q, _ = s.Queue("lf", 1<<20, Refuse, nil)
	if st := q.Stats(); st.Items != 3 || st.Spans != 12 {
		t.Fatalf("after restart %+v", st)
	}
	items, _ = q.Peek(10, 1<<20)
	if string(items[0].Data) != "batch-2" {
		t.Fatalf("resumed at %q", items[0].Data)
	}
}

func TestPeekBytesBound(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	q, _ := s.Queue("x", 1<<20, Refuse, nil)
	big := bytes.Repeat([]byte{1}, 1000)
	for i := 0; i < 4; i++ {
		q.Enqueue(big, 1)
	}
	if items, _ := q.Peek(10, 2100); len(items) != 2 {
		t.Fatalf("bytes bound: %d items", len(items))
	}
	if items, _ := q.Peek(10, 10); len(items) != 1 {
		t.Fatalf("an item larger than the bound still goes alone: %d", len(items))
	}
	if items, _ := q.Peek(3, 1<<20); len(items) != 3 {
		t.Fatalf("spans bound: %d items", len(items))
	}
}

func TestOverflowPolicies(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	item := bytes.Repeat([]byte{7}, 100) // 112 bytes with the header
	refuse, _ := s.Queue("refuse", 300, Refuse, nil)
	for i := 0; i < 2; i++ {
		if err := refuse.Enqueue(item, 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := refuse.Enqueue(item, 10); !errors.Is(err, ErrFull) {
		t.Fatalf("want ErrFull, got %v", err)
	}
	dropped := 0
	drop, _ := s.Queue("drop", 300, DropOldest, func(n int) { dropped += n })
	for i := 0; i < 5; i++ {
		if err := drop.Enqueue(append([]byte{byte(i)}, item...), 10); err != nil {
			t.Fatal(err)
		}
	}
	if dropped != 30 {
		t.Fatalf("dropped %d spans, want 30", dropped)
	}
	items, _ := drop.Peek(100, 1<<20)
	if len(items) != 2 || items[0].Data[0] != 3 || items[1].Data[0] != 4 {
		t.Fatalf("the newest two must survive: %d items", len(items))
	}
	if st := drop.Stats(); st.Items != 2 || st.Spans != 20 || st.Bytes > 300 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDeadLetterAndReplay(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	q, _ := s.Queue("ls", 1<<20, Refuse, nil)
	q.Enqueue([]byte("a"), 3)
	q.Enqueue([]byte("b"), 4)
	items, _ := q.Peek(3, 1<<20)
	if err := q.DeadLetter(items, "HTTP 401: credentials rejected"); err != nil {
		t.Fatal(err)
	}
	dls, err := s.DeadLetters("")
	if err != nil || len(dls) != 1 || dls[0].Destination != "ls" || dls[0].Spans != 3 || !strings.Contains(dls[0].Reason, "401") {
		t.Fatalf("dead letters %+v %v", dls, err)
	}
	if n, spans := q.DeadLetterCount(); n != 1 || spans != 3 {
		t.Fatalf("count %d %d", n, spans)
	}
	if n, err := s.Replay("ls"); err != nil || n != 1 {
		t.Fatalf("replay %d %v", n, err)
	}
	q.Recount()
	items, _ = q.Peek(10, 1<<20)
	if len(items) != 2 || string(items[0].Data) != "b" || string(items[1].Data) != "a" {
		t.Fatalf("after replay %+v", items)
	}
	if _, err := s.Replay("nope"); err == nil {
		t.Fatal("replay of an unknown destination must fail")
	}
}

func TestConcurrentEnqueueGroupCommit(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	q, _ := s.Queue("c", 1<<30, Refuse, nil)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := q.Enqueue([]byte("x"), 1); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if st := q.Stats(); st.Items != 400 {
		t.Fatalf("items %d", st.Items)
	}
}

func TestLockedStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	defer s.Close()
	if _, err := Open(path, true, 100*time.Millisecond); err == nil || !strings.Contains(err.Error(), "locked by a running exporter") {
		t.Fatalf("got %v", err)
	}
}

// FuzzDecode: entries read back from disk never panic the decoders.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1}, encode(3, time.Unix(1, 0), []byte("data")))
	f.Add([]byte{1}, []byte{0, 5, 'x'})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 2}, encodeExt(3, time.Unix(1, 0), location{segment: 1, offset: 10, length: 5000, crc: 9}))
	f.Fuzz(func(t *testing.T, k, v []byte) {
		_, _, _ = decode(k, v)
		_, _, _ = decodeDead(k, v)
		_, _ = sizeOf(v), extOf(v)
	})
}

// A worker's peeked batch is being delivered: drop_oldest must not drop it
// and count its spans as lost.
func TestDropOldestSparesItemsInFlight(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	dropped := 0
	q, _ := s.Queue("drop", 400, DropOldest, func(n int) { dropped += n })
	item := bytes.Repeat([]byte{7}, 100)
	for i := 0; i < 3; i++ {
		if err := q.Enqueue(append([]byte{byte(i)}, item...), 10); err != nil {
			t.Fatal(err)
		}
	}
	inflight, _ := q.Peek(10, 1<<20) // the worker takes item 0
	if len(inflight) != 1 || inflight[0].Data[0] != 0 {
		t.Fatalf("peek %d", len(inflight))
	}
	if err := q.Enqueue(append([]byte{3}, item...), 10); err != nil {
		t.Fatal(err)
	}
	if dropped != 10 {
		t.Fatalf("dropped %d spans, want 10 (item 1)", dropped)
	}
	if err := q.Ack(inflight); err != nil {
		t.Fatal(err)
	}
	rest, _ := q.Peek(100, 1<<20)
	if len(rest) != 2 || rest[0].Data[0] != 2 || rest[1].Data[0] != 3 {
		t.Fatalf("left %d items", len(rest))
	}
	if st := q.Stats(); st.Items != 2 || st.Spans != 20 {
		t.Fatalf("stats %+v", st)
	}
	// Acknowledging what is no longer queued changes no count.
	if err := q.Ack(inflight); err != nil {
		t.Fatal(err)
	}
	if st := q.Stats(); st.Items != 2 {
		t.Fatalf("a second ack changed the count: %+v", st)
	}
}

// A worker reads on past the items it is acknowledging.
func TestPeekAfterSkipsWhatWasSent(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	q, _ := s.Queue("w", 1<<20, Refuse, nil)
	for i := range 4 {
		if err := q.Enqueue([]byte{byte('a' + i)}, 1); err != nil {
			t.Fatal(err)
		}
	}
	first, _ := q.Peek(2, 1<<20)
	next, _ := q.PeekAfter(first[len(first)-1].Seq, 2, 1<<20)
	if len(next) != 2 || string(next[0].Data) != "c" || string(next[1].Data) != "d" {
		t.Fatalf("after %d: %+v", first[len(first)-1].Seq, next)
	}
	if rest, _ := q.PeekAfter(next[1].Seq, 2, 1<<20); len(rest) != 0 {
		t.Fatalf("past the end: %+v", rest)
	}
}
