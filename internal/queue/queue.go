// Package queue is the exporter's durable, per-destination span queue: item
// records in bbolt, and data above 4 KB in append-only segment files
// (segments.go). A batch is acknowledged to the sender only after Enqueue
// returns, which is after its data (written once for every destination
// queueing the same bytes) and then the transaction holding its records
// reached the disk (with fsync on). Concurrent Enqueue calls share one
// commit (bbolt's Batch) and one segment fdatasync, so durability costs
// two fsyncs per group, not per request or destination.
//
// Each destination has a bucket of items keyed by a big-endian sequence
// number shared by all queues (FIFO) and a dead-letter bucket. Items are
// opaque bytes (OTLP protobuf) with the number of spans they hold and when
// they were queued.
package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrFull is returned by Enqueue on a full queue with the Refuse policy.
var ErrFull = errors.New("queue full")

// Policy says what a full queue does with new data.
type Policy string

// Overflow policies.
const (
	// Refuse makes the receiver answer 429/RESOURCE_EXHAUSTED so the sender retries.
	Refuse Policy = "refuse"
	// DropOldest deletes the oldest items to make room (counted as dropped).
	DropOldest Policy = "drop_oldest"
)

// Store is one bbolt file holding every destination's queue, and the
// segments holding their larger data.
type Store struct {
	db   *bolt.DB
	segs *segments
	disk diskState
}

// Close closes the store.
func (s *Store) Close() error {
	return errors.Join(s.db.Close(), s.segs.close())
}

// Item is one queued batch.
type Item struct {
	Seq      uint64
	Spans    int
	Enqueued time.Time
	Data     []byte
	// Corrupt says why the stored record failed its checksum or framing
	// ("" for a sound one); a corrupt item has no data and must be
	// dead-lettered, never sent.
	Corrupt string
}

func seqKey(n uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, n)
	return k
}

// Queue is one destination's queue.
type Queue struct {
	name     string
	store    *Store
	bucket   []byte
	dlq      []byte
	maxBytes int64
	policy   Policy

	mu      sync.Mutex
	bytes   int64
	spans   int64
	items   int64
	oldest  time.Time
	notify  chan struct{}
	dropped func(spans int) // called for spans dropped by DropOldest
	// inflightUpTo is the highest sequence number Peek handed out: those
	// items are with the worker, and DropOldest leaves them alone.
	inflightUpTo uint64
}

// Queue opens the queue of destination name, counting what survived a restart.
func (s *Store) Queue(name string, maxBytes int64, policy Policy, dropped func(int)) (*Queue, error) {
	q := &Queue{name: name, store: s, bucket: []byte("q:" + name), dlq: []byte("dlq:" + name), maxBytes: maxBytes, policy: policy,
		notify: make(chan struct{}, 1), dropped: dropped}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(q.bucket); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(q.dlq)
		return err
	})
	if err == nil {
		err = q.Recount()
	}
	if err != nil {
		return nil, fmt.Errorf("queue %s: %w", name, err)
	}
	return q, nil
}

// Recount recomputes the queue's size from disk (after a restart or a replay).
func (q *Queue) Recount() error {
	var items, spans, bytes int64
	var oldest time.Time
	err := q.store.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(q.bucket).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("%w: key of %d bytes", ErrCorruptRecord, len(k))
			}
			if items == 0 {
				oldest = enqueuedAt(v)
			}
			items++
			spans += int64(spansOf(v))
			bytes += sizeOf(v)
			return nil
		})
	})
	if err != nil {
		return err
	}
	q.mu.Lock()
	q.items, q.spans, q.bytes, q.oldest = items, spans, bytes, oldest
	q.mu.Unlock()
	if items > 0 {
		select {
		case q.notify <- struct{}{}:
		default:
		}
	}
	return nil
}

// Enqueue stores data durably as q's only item of a request (see
// Store.Enqueue). It returns ErrFull (Refuse policy) when the item does not
// fit.
func (q *Queue) Enqueue(data []byte, spans int) error {
	return q.store.Enqueue([]Put{{Queue: q, Data: data, Spans: spans}})
}

// Notify is signalled after each Enqueue.
func (q *Queue) Notify() <-chan struct{} { return q.notify }

// Peek returns the oldest items holding at most maxSpans spans and maxBytes
// bytes (always at least one item when the queue is not empty).
func (q *Queue) Peek(maxSpans int, maxBytes int) ([]Item, error) {
	return q.PeekAfter(0, maxSpans, maxBytes)
}

// PeekAfter is Peek of the items after seq: a worker skips those it sent
// and is acknowledging. Data in segments is read, and checked, after the
// read transaction; an item whose data is damaged or gone comes back
// Corrupt.
func (q *Queue) PeekAfter(seq uint64, maxSpans int, maxBytes int) ([]Item, error) {
	var out []Item
	var at []*location
	size, spans := int64(0), 0
	segs := q.store.segs
	segs.gc.RLock() // no segment goes while its locations are being read
	defer segs.gc.RUnlock()
	err := q.store.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(q.bucket).Cursor()
		for k, v := c.Seek(seqKey(seq + 1)); k != nil; k, v = c.Next() {
			n, sz := spansOf(v), sizeOf(v)
			if len(out) > 0 && (size+sz > int64(maxBytes) || spans+n > maxSpans) {
				break
			}
			it, l, err := decode(k, v)
			if err != nil {
				return err
			}
			out, at = append(out, it), append(at, l)
			size += sz
			spans += n
		}
		return nil
	})
	for i, l := range at {
		if l == nil {
			continue
		}
		data, rerr := segs.read(*l)
		if rerr != nil {
			out[i].Corrupt = rerr.Error() // its record (and span count) is sound
			continue
		}
		out[i].Data = data
	}
	if len(out) > 0 {
		q.mu.Lock()
		q.inflightUpTo = max(q.inflightUpTo, out[len(out)-1].Seq)
		q.mu.Unlock()
	}
	return out, err
}

// Ack removes delivered items.
func (q *Queue) Ack(items []Item) error {
	return q.remove(items, nil)
}

// DeadLetter moves items to the dead-letter bucket with the reason.
func (q *Queue) DeadLetter(items []Item, reason string) error {
	return q.remove(items, []byte(reason))
}

func (q *Queue) remove(items []Item, reason []byte) error {
	var bytes, spans, n int64
	var released []location
	// Batch: acknowledgements share commits with the requests being queued
	// (a lost acknowledgement only means a batch is sent again).
	err := q.store.db.Batch(func(tx *bolt.Tx) error {
		bytes, spans, n, released = 0, 0, 0, nil
		b, d := tx.Bucket(q.bucket), tx.Bucket(q.dlq)
		for _, it := range items {
			k := seqKey(it.Seq)
			v := b.Get(k)
			if v == nil {
				continue // no longer queued
			}
			n++
			bytes += sizeOf(v)
			spans += int64(spansOf(v))
			l := extOf(v)
			if reason != nil {
				if err := d.Put(k, encodeDead(reason, q.store.inline(v, l))); err != nil {
					return err
				}
			}
			if l != nil {
				released = append(released, *l)
			}
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return q.refreshOldest(b)
	})
	if err != nil {
		return err
	}
	q.store.release(released)
	q.mu.Lock()
	q.items -= n
	q.bytes -= bytes
	q.spans -= spans
	q.mu.Unlock()
	return nil
}

func (q *Queue) refreshOldest(b *bolt.Bucket) error {
	k, v := b.Cursor().First()
	q.mu.Lock()
	defer q.mu.Unlock()
	if k == nil {
		q.oldest = time.Time{}
		return nil
	}
	q.oldest = enqueuedAt(v)
	return nil
}

// Stats is a snapshot of a queue.
type Stats struct {
	Items, Spans, Bytes int64
	// Oldest is when the oldest queued item was enqueued (zero when empty).
	Oldest time.Time
}

// Stats returns the queue's size.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return Stats{Items: q.items, Spans: q.spans, Bytes: q.bytes, Oldest: q.oldest}
}
