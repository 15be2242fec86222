package queue

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// big is data above inlineMax, recognisable by its first byte.
func big(b byte) []byte {
	return append([]byte{b}, bytes.Repeat([]byte("span"), 2000)...)
}

// segmentFiles lists the store's segment files.
func segmentFiles(t *testing.T, path string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(SegmentsDir(path), "*.seg"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// written is the bytes the store's segments hold.
func segmentBytes(t *testing.T, path string) int64 {
	t.Helper()
	var n int64
	for _, f := range segmentFiles(t, path) {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		n += st.Size()
	}
	return n
}

// segmentsOf makes segments roll after n items of big's size, for t.
func segmentsOf(t *testing.T, n int) {
	old := segmentSize
	segmentSize = int64(n * len(big(0)))
	t.Cleanup(func() { segmentSize = old })
}

func twoQueues(t *testing.T, s *Store, maxBytes int64, p Policy) (*Queue, *Queue) {
	t.Helper()
	a, err := s.Queue("a", maxBytes, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Queue("b", maxBytes, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func TestSameBytesAreWrittenOnceAndTheirSegmentGoesWithTheLastItem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	a, b := twoQueues(t, s, 1<<20, Refuse)
	body := big('x')
	if err := s.Enqueue([]Put{{a, body, 7}, {b, body, 5}}); err != nil {
		t.Fatal(err)
	}
	if n := segmentBytes(t, path); n != int64(len(body)) {
		t.Fatalf("segments hold %d bytes, want %d (once)", n, len(body))
	}
	// Each destination's bound counts the bytes it holds.
	if sa, sb := a.Stats(), b.Stats(); sa.Bytes != int64(headerLenV2+len(body)) || sb.Bytes != sa.Bytes || sa.Spans != 7 || sb.Spans != 5 {
		t.Fatalf("stats a %+v b %+v", sa, sb)
	}
	ia, _ := a.Peek(100, 1<<20)
	ib, _ := b.Peek(100, 1<<20)
	if len(ia) != 1 || !bytes.Equal(ia[0].Data, body) || ia[0].Spans != 7 || len(ib) != 1 || !bytes.Equal(ib[0].Data, body) || ib[0].Spans != 5 {
		t.Fatalf("peek a %d items, b %d items", len(ia), len(ib))
	}
	if err := a.Ack(ia); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, path) // b's item survives a restart, and so does its segment
	a, b = twoQueues(t, s, 1<<20, Refuse)
	if sb := b.Stats(); sb.Items != 1 || sb.Spans != 5 || sb.Bytes != int64(headerLenV2+len(body)) || a.Stats().Items != 0 {
		t.Fatalf("after restart: a %+v b %+v", a.Stats(), sb)
	}
	ib, _ = b.Peek(100, 1<<20)
	if len(ib) != 1 || !bytes.Equal(ib[0].Data, body) {
		t.Fatalf("after restart b has %d items", len(ib))
	}
	if err := b.Ack(ib); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path)
	defer s.Close()
	if n := segmentBytes(t, path); n != 0 {
		t.Fatalf("%d bytes of segments left once every item was delivered", n)
	}
}

func TestDifferentBytesAreWrittenApart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	defer s.Close()
	a, b := twoQueues(t, s, 1<<20, Refuse)
	if err := s.Enqueue([]Put{{a, big('m'), 1}, {b, big('r'), 1}}); err != nil {
		t.Fatal(err)
	}
	if n := segmentBytes(t, path); n != int64(2*len(big(0))) {
		t.Fatalf("segments hold %d bytes", n)
	}
	ia, _ := a.Peek(10, 1<<20)
	ib, _ := b.Peek(10, 1<<20)
	if ia[0].Data[0] != 'm' || ib[0].Data[0] != 'r' {
		t.Fatalf("a %c b %c", ia[0].Data[0], ib[0].Data[0])
	}
}

// A full queue with the refuse policy refuses the whole request: no other
// destination gets its copy (the sender retries it for all), and the data
// written for it is not held.
func TestRefusalStoresNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	defer s.Close()
	a, _ := s.Queue("a", 1<<20, Refuse, nil)
	small, _ := s.Queue("small", 50, Refuse, nil)
	body := big('z')
	if err := s.Enqueue([]Put{{a, body, 1}, {small, body, 1}}); !errors.Is(err, ErrFull) {
		t.Fatalf("want ErrFull, got %v", err)
	}
	if items, _ := a.Peek(10, 1<<20); len(items) != 0 || a.Stats().Items != 0 {
		t.Fatalf("a refused request left %d items", len(items))
	}
	if n := segmentBytes(t, path); n != 0 { // refused before writing: overload costs no disk
		t.Fatalf("a refused request wrote %d bytes", n)
	}
	s.segs.mu.Lock()
	defer s.segs.mu.Unlock()
	for id, n := range s.segs.refs {
		if n != 0 {
			t.Fatalf("segment %d still counts %d items", id, n)
		}
	}
}

func TestDeadLetterOfSegmentDataKeepsIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	a, _ := twoQueues(t, s, 1<<20, Refuse)
	if err := a.Enqueue(big('d'), 4); err != nil {
		t.Fatal(err)
	}
	ia, _ := a.Peek(10, 1<<20)
	if err := a.DeadLetter(ia, "HTTP 400"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path) // the segment is gone; the dead letter holds the data
	defer s.Close()
	if n := segmentBytes(t, path); n != 0 {
		t.Fatalf("segments hold %d bytes", n)
	}
	if n, err := s.Replay("a"); err != nil || n != 1 {
		t.Fatalf("replay %d %v", n, err)
	}
	a, _ = twoQueues(t, s, 1<<20, Refuse)
	ia, _ = a.Peek(10, 1<<20)
	if len(ia) != 1 || !bytes.Equal(ia[0].Data, big('d')) || ia[0].Spans != 4 || ia[0].Corrupt != "" {
		t.Fatalf("replayed %+v", ia)
	}
}

func TestDropOldestReleasesSegmentData(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	dropped := 0
	limit := int64(2 * (headerLenV2 + len(big(0))))
	a, _ := s.Queue("a", limit, DropOldest, func(n int) { dropped += n })
	for i := range 4 {
		if err := a.Enqueue(big(byte('0'+i)), 10); err != nil {
			t.Fatal(err)
		}
	}
	ia, _ := a.Peek(100, 1<<20)
	if dropped != 20 || len(ia) != 2 || ia[0].Data[0] != '2' || ia[1].Data[0] != '3' {
		t.Fatalf("dropped %d spans, kept %d items", dropped, len(ia))
	}
	s.segs.mu.Lock()
	defer s.segs.mu.Unlock()
	if n := s.segs.refs[s.segs.activeID]; n != 2 {
		t.Fatalf("the segment counts %d items, want 2", n)
	}
}

// Damaged or missing segment data is reported, never sent, and the items
// around it flow.
func TestDamagedSegmentsAreCorruptItems(t *testing.T) {
	cases := map[string]struct {
		damage func(t *testing.T, seg string, off int64)
		reason string
	}{
		"flipped byte": {func(t *testing.T, seg string, off int64) { overwrite(t, seg, off+100, []byte{0xff}) }, "fails its checksum"},
		"truncated":    {func(t *testing.T, seg string, off int64) { os.Truncate(seg, off+10) }, "truncated"},
		"missing":      {func(t *testing.T, seg string, _ int64) { os.Remove(seg) }, "is missing"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "q.db")
			s := open(t, path)
			q, _ := s.Queue("lf", 1<<20, Refuse, nil)
			for i := range 3 {
				if err := q.Enqueue(big(byte('a'+i)), 7); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			segs := segmentFiles(t, path)
			if len(segs) != 1 {
				t.Fatalf("%d segments", len(segs))
			}
			c.damage(t, segs[0], int64(2*len(big(0)))) // the third item's data
			s = open(t, path)
			defer s.Close()
			q, _ = s.Queue("lf", 1<<20, Refuse, nil)
			items, err := q.Peek(100, 1<<20)
			if err != nil || len(items) != 3 {
				t.Fatalf("peek: %d items, %v", len(items), err)
			}
			for i, it := range items[:2] {
				if it.Corrupt != "" && name != "missing" || it.Corrupt == "" && !bytes.Equal(it.Data, big(byte('a'+i))) {
					t.Fatalf("item %d: %q", i, it.Corrupt)
				}
			}
			if last := items[2]; !strings.Contains(last.Corrupt, c.reason) || last.Data != nil {
				t.Fatalf("damaged item: corrupt %q, %d bytes of data", last.Corrupt, len(last.Data))
			}
			// Its record is sound: the dead letter counts its real spans (a
			// dead letter of 0 spans would hide the loss).
			if items[2].Spans != 7 {
				t.Fatalf("damaged item reports %d spans, want 7", items[2].Spans)
			}
			if err := q.DeadLetter(items[2:], "corrupt: "+items[2].Corrupt); err != nil {
				t.Fatal(err)
			}
			if _, n := q.DeadLetterCount(); n != 7 {
				t.Fatalf("dead letters hold %d spans, want 7", n)
			}
		})
	}
}

func TestSegmentsRollAndGoWhenUnused(t *testing.T) {
	segmentsOf(t, 3)
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	q, _ := s.Queue("lf", 1<<30, Refuse, nil)
	for i := range 10 {
		if err := q.Enqueue(big(byte(i)), 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(segmentFiles(t, path)); n != 4 {
		t.Fatalf("%d segments for 10 items of 3 per segment", n)
	}
	items, _ := q.Peek(9, 1<<30)
	if len(items) != 9 {
		t.Fatalf("peeked %d", len(items))
	}
	if err := q.Ack(items); err != nil {
		t.Fatal(err)
	}
	s.Close() // waits for the removals
	if n := len(segmentFiles(t, path)); n != 1 {
		t.Fatalf("%d segments left for 1 queued item", n)
	}
	s = open(t, path)
	defer s.Close()
	q, _ = s.Queue("lf", 1<<30, Refuse, nil)
	if items, _ := q.Peek(9, 1<<30); len(items) != 1 || items[0].Data[0] != 9 {
		t.Fatalf("left: %d items", len(items))
	}
}

// The point of segments: bbolt's memory-mapped file holds small records
// only, however large the backlog.
func TestLargeBacklogKeepsTheMappedFileSmall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	defer s.Close()
	a, b := twoQueues(t, s, 1<<30, Refuse)
	body := bytes.Repeat([]byte("0123456789abcdef"), 100<<10/16)
	for range 200 {
		if err := s.Enqueue([]Put{{a, body, 250}, {b, body, 250}}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 1<<20 || a.Stats().Bytes != int64(200*(headerLenV2+len(body))) {
		t.Fatalf("queue.db is %d bytes for a backlog of %d bytes per destination", st.Size(), a.Stats().Bytes)
	}
	t.Logf("queue.db %d bytes, segments %d bytes, backlog %d bytes per destination", st.Size(), segmentBytes(t, path), a.Stats().Bytes)
}

// Queues written before the shared sequence numbered their items each on
// their own; new items must still come after every old one.
func TestOldQueuesKeepTheirOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"q:old", "dlq:old"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		b := tx.Bucket([]byte("q:old"))
		for _, d := range []string{"first", "second", "third"} {
			seq, _ := b.NextSequence()
			if err := b.Put(seqKey(seq), encode(1, time.Unix(int64(seq), 0), []byte(d))); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := open(t, path)
	defer s.Close()
	q, err := s.Queue("old", 1<<20, Refuse, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue([]byte("fourth"), 1); err != nil {
		t.Fatal(err)
	}
	items, _ := q.Peek(10, 1<<20)
	var got []string
	for _, it := range items {
		got = append(got, string(it.Data))
	}
	if strings.Join(got, ",") != "first,second,third,fourth" {
		t.Fatalf("order: %v", got)
	}
}

// A damaged queue file is moved aside with its segments (kept for
// inspection); the fresh store starts without them.
func TestRecoveryMovesTheSegmentsAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	q, _ := s.Queue("lf", 1<<20, Refuse, nil)
	if err := q.Enqueue(big('s'), 1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	overwrite(t, path, 0, make([]byte, 2*os.Getpagesize()))
	s, rec, err := OpenOrRecover(path, true, time.Second)
	if err != nil || rec == nil {
		t.Fatalf("recovery: %+v %v", rec, err)
	}
	defer s.Close()
	moved, _ := filepath.Glob(filepath.Join(SegmentsDir(rec.MovedTo), "*.seg"))
	if len(moved) != 1 || segmentBytes(t, path) != 0 {
		t.Fatalf("moved segments %v; fresh store holds %d bytes of segments", moved, segmentBytes(t, path))
	}
}

// Concurrent requests, segments rolling under them and workers acknowledging
// at the same time: everything arrives once, in order per queue, and the
// store neither deadlocks nor keeps segments nobody needs.
func TestConcurrentEnqueueAcrossSegments(t *testing.T) {
	segmentsOf(t, 4)
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	a, b := twoQueues(t, s, 1<<30, Refuse)
	const senders, each = 8, 40
	done := make(chan struct{})
	got := make(chan int, 2)
	for _, q := range []*Queue{a, b} {
		go func() { // a worker: peek on, acknowledge in the background
			n, after := 0, uint64(0)
			for n < senders*each {
				items, err := q.PeekAfter(after, 7, 1<<30)
				if err != nil {
					t.Error(err)
					break
				}
				for _, it := range items {
					if it.Corrupt != "" {
						t.Errorf("corrupt item %d: %s", it.Seq, it.Corrupt)
					}
				}
				if len(items) == 0 {
					select {
					case <-q.Notify():
					case <-time.After(10 * time.Millisecond):
					}
					continue
				}
				n += len(items)
				after = items[len(items)-1].Seq
				go func() { _ = q.Ack(items) }()
			}
			got <- n
		}()
	}
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for w := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					body := big(byte(w*each + i))
					if err := s.Enqueue([]Put{{a, body, 1}, {b, body, 1}}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("enqueueing did not finish: deadlock")
	}
	for range 2 {
		if n := <-got; n != senders*each {
			t.Fatalf("a worker read %d items, want %d", n, senders*each)
		}
	}
	waitAcked := time.Now().Add(10 * time.Second)
	for (a.Stats().Items > 0 || b.Stats().Items > 0) && time.Now().Before(waitAcked) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left := segmentFiles(t, path); len(left) > 1 { // the active one may stay
		t.Fatalf("segments left after everything was acknowledged: %v", left)
	}
}
