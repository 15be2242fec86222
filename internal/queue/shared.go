package queue

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// sharedBucket holds data that several destinations' items of one request
// share (each destination's item is then a ref record under the same key),
// so a request forwarded unchanged to every destination is written once.
// Its sequence numbers every item of every queue: an item and the shared
// data it refers to have one key.
var sharedBucket = []byte("shared")

// Put is one destination's item of a request.
type Put struct {
	Queue *Queue
	Data  []byte
	Spans int
}

// putResult is what a put did to its queue, applied to the counters once
// the commit succeeded.
type putResult struct {
	size                       int64
	droppedSpans, droppedItems int
	droppedBytes               int64
	shared                     bool
}

// Enqueue stores a request's items, one per destination, durably and in one
// commit (shared with concurrent callers: group commit). Puts with the same
// bytes share one copy on disk. It is all or nothing: with a full queue of
// the Refuse policy it returns ErrFull and stores nothing. Items committed
// in one group are checked against the size before the group, so a bound
// can be exceeded by one group.
func (s *Store) Enqueue(puts []Put) error {
	if len(puts) == 0 {
		return nil
	}
	now := time.Now()
	vals, shared := encodePuts(puts, now)
	res := make([]putResult, len(puts))
	err := s.db.Batch(func(tx *bolt.Tx) error {
		sb := tx.Bucket(sharedBucket)
		seq, err := sb.NextSequence()
		if err != nil {
			return err
		}
		key := seqKey(seq)
		if shared != nil {
			if err := sb.Put(key, shared); err != nil {
				return err
			}
		}
		for i, p := range puts {
			if res[i], err = p.Queue.put(tx, key, vals[i], int64(len(shared))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, p := range puts {
		p.Queue.committed(p.Spans, res[i])
	}
	return nil
}

// encodePuts encodes each put's record; data that two or more puts hold
// (the same bytes) is encoded once as the shared record and those puts get
// refs.
func encodePuts(puts []Put, now time.Time) (vals [][]byte, shared []byte) {
	vals = make([][]byte, len(puts))
	var common []byte
	for i, p := range puts {
		for j := range i {
			if len(puts[j].Data) == len(p.Data) && bytes.Equal(puts[j].Data, p.Data) {
				common = p.Data
			}
		}
		if common != nil {
			break
		}
	}
	if common != nil {
		shared = encode(0, now, common) // spans are per destination, in the refs
	}
	for i, p := range puts {
		if common != nil && len(p.Data) == len(common) && bytes.Equal(p.Data, common) {
			vals[i] = encodeRef(p.Spans, now)
			continue
		}
		vals[i] = encode(p.Spans, now, p.Data)
	}
	return vals, shared
}

// put stores one item under key in q's bucket after making room by q's
// policy. sharedLen is the size of the shared record a ref stands for.
func (q *Queue) put(tx *bolt.Tx, key, val []byte, sharedLen int64) (putResult, error) {
	r := putResult{size: int64(len(val))}
	if h, _ := parse(val); h.ref {
		r.size, r.shared = sharedLen, true
	}
	b := tx.Bucket(q.bucket)
	q.mu.Lock()
	used, from := q.bytes, q.inflightUpTo+1
	q.mu.Unlock()
	if used+r.size > q.maxBytes {
		if q.policy != DropOldest {
			return r, fmt.Errorf("%w: the queue of destination %s is full", ErrFull, q.name)
		}
		// Items a worker has peeked are being sent: dropping them would
		// count as lost spans that are in fact delivered. Drop after them;
		// the bound may then be exceeded by one batch.
		c := b.Cursor()
		for k, v := c.Seek(seqKey(from)); k != nil && used-r.droppedBytes+r.size > q.maxBytes; k, v = c.Seek(seqKey(from)) {
			r.droppedSpans += spansOf(v)
			r.droppedBytes += recordLen(tx, k, v)
			r.droppedItems++
			if err := deleteItem(tx, c.Delete, k, v); err != nil {
				return r, err
			}
		}
	}
	if err := b.Put(key, val); err != nil {
		return r, err
	}
	if r.droppedItems > 0 {
		return r, q.refreshOldest(b)
	}
	return r, nil
}

// committed applies a committed put to q's counters and wakes its worker.
func (q *Queue) committed(spans int, r putResult) {
	q.mu.Lock()
	if q.items-int64(r.droppedItems) <= 0 && q.oldest.IsZero() {
		q.oldest = time.Now()
	}
	q.items += 1 - int64(r.droppedItems)
	q.spans += int64(spans - r.droppedSpans)
	q.bytes += r.size - r.droppedBytes
	q.mu.Unlock()
	if r.droppedSpans > 0 && q.dropped != nil {
		q.dropped(r.droppedSpans)
	}
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// resolve returns the full record of an item: v itself, or for a ref the
// shared record (nil when it is missing: damage, reported by decode).
func resolve(tx *bolt.Tx, k, v []byte) []byte {
	if len(v) == 0 || v[0] != magicRef {
		return v
	}
	if sb := tx.Bucket(sharedBucket); sb != nil {
		if full := sb.Get(k); full != nil {
			return full
		}
	}
	return v
}

// deadRecord is what a dead letter keeps of an item: its own record, with
// the shared data copied in for a ref (the shared record goes with the
// last ref).
func deadRecord(v, full []byte) []byte {
	h, err := parse(v)
	if err != nil || !h.ref || len(full) == len(v) {
		return v
	}
	sh, err := parse(full)
	if err != nil {
		return v
	}
	return encode(h.spans, time.Unix(0, h.at), sh.data)
}

// recordLen is the size an item counts for in its queue's bound.
func recordLen(tx *bolt.Tx, k, v []byte) int64 {
	return int64(len(resolve(tx, k, v)))
}

// deleteItem removes an item with del (a bucket's or cursor's delete) and,
// when it was a ref that no other queue's item still holds, the shared data.
func deleteItem(tx *bolt.Tx, del func() error, k, v []byte) error {
	isRef := len(v) > 0 && v[0] == magicRef
	key := append([]byte(nil), k...) // k dies with the delete
	if err := del(); err != nil {
		return err
	}
	if !isRef || referenced(tx, key) {
		return nil
	}
	if sb := tx.Bucket(sharedBucket); sb != nil {
		return sb.Delete(key)
	}
	return nil
}

// referenced reports whether any queue still holds an item under key.
func referenced(tx *bolt.Tx, key []byte) bool {
	found := false
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if strings.HasPrefix(string(name), "q:") && b.Get(key) != nil {
			found = true
		}
		return nil
	})
	return found
}

// initSequence creates the shared bucket and makes its sequence, which
// numbers every queue's items, start above every key in use: queues
// written before it numbered their items each on their own.
func initSequence(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		sb, err := tx.CreateBucketIfNotExists(sharedBucket)
		if err != nil {
			return err
		}
		top := sb.Sequence()
		err = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if !strings.HasPrefix(string(name), "q:") && !strings.HasPrefix(string(name), "dlq:") {
				return nil
			}
			top = max(top, b.Sequence())
			if k, _ := b.Cursor().Last(); len(k) == 8 {
				top = max(top, seqOf(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if top > sb.Sequence() {
			return sb.SetSequence(top)
		}
		return nil
	})
}

func seqOf(k []byte) uint64 {
	var n uint64
	for _, c := range k {
		n = n<<8 | uint64(c)
	}
	return n
}

// nextKey is the next item key of any queue.
func nextKey(tx *bolt.Tx) ([]byte, error) {
	seq, err := tx.Bucket(sharedBucket).NextSequence()
	if err != nil {
		return nil, fmt.Errorf("numbering a queue item: %w", err)
	}
	return seqKey(seq), nil
}
