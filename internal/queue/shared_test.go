package queue

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// sharedRecords counts the shared bucket's records.
func sharedRecords(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	if err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(sharedBucket).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
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

func TestSameBytesAreStoredOnceAndFreedWithTheLastItem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	a, b := twoQueues(t, s, 1<<20, Refuse)
	body := bytes.Repeat([]byte("span"), 1000)
	if err := s.Enqueue([]Put{{a, body, 7}, {b, body, 5}}); err != nil {
		t.Fatal(err)
	}
	if n := sharedRecords(t, s); n != 1 {
		t.Fatalf("shared records: %d, want 1", n)
	}
	// Each destination's bound counts the bytes it holds.
	if sa, sb := a.Stats(), b.Stats(); sa.Bytes != int64(headerLenV2+len(body)) || sb.Bytes != sa.Bytes || sa.Spans != 7 || sb.Spans != 5 {
		t.Fatalf("stats a %+v b %+v", sa, sb)
	}
	ia, _ := a.Peek(100, 1<<20)
	ib, _ := b.Peek(100, 1<<20)
	if len(ia) != 1 || !bytes.Equal(ia[0].Data, body) || ia[0].Spans != 7 || len(ib) != 1 || ib[0].Spans != 5 || ia[0].Seq != ib[0].Seq {
		t.Fatalf("peek a %+v b %+v", ia, ib)
	}
	if err := a.Ack(ia); err != nil {
		t.Fatal(err)
	}
	if n := sharedRecords(t, s); n != 1 {
		t.Fatalf("shared data freed while b still holds it (%d records)", n)
	}
	s.Close()

	s = open(t, path) // the counts survive a restart
	defer s.Close()
	a, b = twoQueues(t, s, 1<<20, Refuse)
	if sb := b.Stats(); sb.Items != 1 || sb.Spans != 5 || sb.Bytes != int64(headerLenV2+len(body)) || a.Stats().Items != 0 {
		t.Fatalf("after restart: a %+v b %+v", a.Stats(), sb)
	}
	ib, _ = b.Peek(100, 1<<20)
	if err := b.Ack(ib); err != nil {
		t.Fatal(err)
	}
	if n := sharedRecords(t, s); n != 0 {
		t.Fatalf("shared data left after the last ack: %d records", n)
	}
}

func TestDifferentBytesAreStoredApart(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	a, b := twoQueues(t, s, 1<<20, Refuse)
	if err := s.Enqueue([]Put{{a, []byte("mapped"), 1}, {b, []byte("raw"), 1}}); err != nil {
		t.Fatal(err)
	}
	if n := sharedRecords(t, s); n != 0 {
		t.Fatalf("shared records: %d", n)
	}
	ia, _ := a.Peek(10, 1<<20)
	ib, _ := b.Peek(10, 1<<20)
	if string(ia[0].Data) != "mapped" || string(ib[0].Data) != "raw" {
		t.Fatalf("a %q b %q", ia[0].Data, ib[0].Data)
	}
}

// A full queue with the refuse policy refuses the whole request: no other
// destination gets its copy (the sender retries it for all).
func TestRefusalStoresNothing(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	a, _ := s.Queue("a", 1<<20, Refuse, nil)
	small, _ := s.Queue("small", 50, Refuse, nil)
	body := bytes.Repeat([]byte{1}, 100)
	if err := s.Enqueue([]Put{{a, body, 1}, {small, body, 1}}); !errors.Is(err, ErrFull) {
		t.Fatalf("want ErrFull, got %v", err)
	}
	if a.Stats().Items != 0 || sharedRecords(t, s) != 0 {
		t.Fatalf("a refused request left %d items and %d shared records", a.Stats().Items, sharedRecords(t, s))
	}
	if items, _ := a.Peek(10, 1<<20); len(items) != 0 {
		t.Fatalf("a holds %d items", len(items))
	}
}

func TestDeadLetterOfASharedItemKeepsItsData(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	a, b := twoQueues(t, s, 1<<20, Refuse)
	body := []byte("the request")
	if err := s.Enqueue([]Put{{a, body, 4}, {b, body, 4}}); err != nil {
		t.Fatal(err)
	}
	ia, _ := a.Peek(10, 1<<20)
	if err := a.DeadLetter(ia, "HTTP 400"); err != nil {
		t.Fatal(err)
	}
	ib, _ := b.Peek(10, 1<<20)
	if err := b.Ack(ib); err != nil { // the shared record goes with b's item
		t.Fatal(err)
	}
	if n := sharedRecords(t, s); n != 0 {
		t.Fatalf("shared records: %d", n)
	}
	if n, err := s.Replay("a"); err != nil || n != 1 {
		t.Fatalf("replay %d %v", n, err)
	}
	if err := a.Recount(); err != nil {
		t.Fatal(err)
	}
	ia, _ = a.Peek(10, 1<<20)
	if len(ia) != 1 || string(ia[0].Data) != "the request" || ia[0].Spans != 4 || ia[0].Corrupt != "" {
		t.Fatalf("replayed %+v", ia)
	}
}

func TestDropOldestFreesSharedData(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	dropped := 0
	a, _ := s.Queue("a", 300, DropOldest, func(n int) { dropped += n })
	b, _ := s.Queue("b", 300, DropOldest, nil)
	for i := range 4 {
		body := append([]byte{byte(i)}, bytes.Repeat([]byte{7}, 100)...)
		if err := s.Enqueue([]Put{{a, body, 10}, {b, body, 10}}); err != nil {
			t.Fatal(err)
		}
	}
	// Both queues dropped their two oldest items: their shared data is gone.
	if dropped != 20 || sharedRecords(t, s) != 2 {
		t.Fatalf("dropped %d spans, %d shared records left", dropped, sharedRecords(t, s))
	}
	ia, _ := a.Peek(100, 1<<20)
	if len(ia) != 2 || ia[0].Data[0] != 2 || ia[1].Data[0] != 3 {
		t.Fatalf("a kept %+v", ia)
	}
}

// An item whose shared data is gone (damage) is reported, never sent empty.
func TestMissingSharedDataIsCorrupt(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "q.db"))
	defer s.Close()
	a, b := twoQueues(t, s, 1<<20, Refuse)
	if err := s.Enqueue([]Put{{a, []byte("x"), 1}, {b, []byte("x"), 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(sharedBucket).Delete(seqKey(1)) }); err != nil {
		t.Fatal(err)
	}
	ia, _ := a.Peek(10, 1<<20)
	if len(ia) != 1 || !strings.Contains(ia[0].Corrupt, "shared data is missing") || ia[0].Data != nil {
		t.Fatalf("peek %+v", ia)
	}
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
			if err := b.Put(seqKey(seq), encode(1, timeOf(seq), []byte(d))); err != nil {
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

func timeOf(seq uint64) time.Time { return time.Unix(int64(seq), 0) }
