package queue

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// inlineMax is the largest data kept in bbolt itself; larger data (every
// real request) goes to a segment, so bbolt's mapped file holds small
// records only.
const inlineMax = 4096

// seqBucket's sequence numbers the items of every queue.
var seqBucket = []byte("seq")

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
	released                   []location // segment data of the dropped items
}

// written is segment data appended for refs items of a request.
type written struct {
	at   location
	refs int
}

// Enqueue stores a request's items, one per destination, durably and in one
// commit (shared with concurrent callers: group commit). Data above
// inlineMax is written once to a segment (and synced) before the commit,
// however many destinations queue the same bytes. It is all or nothing:
// with a full queue of the Refuse policy it returns ErrFull and stores
// nothing. Items committed in one group are checked against the size
// before the group, so a bound can be exceeded by one group.
func (s *Store) Enqueue(puts []Put) error {
	if len(puts) == 0 {
		return nil
	}
	for _, p := range puts { // refuse before writing anything (checked again in the commit)
		if err := p.Queue.refuses(int64(headerLenV2 + len(p.Data))); err != nil {
			return err
		}
	}
	vals, segs, err := s.encodePuts(puts, time.Now())
	if err != nil {
		return s.failed(puts, err)
	}
	res := make([]putResult, len(puts))
	err = s.db.Batch(func(tx *bolt.Tx) error {
		key, err := nextKey(tx)
		if err != nil {
			return err
		}
		for i, p := range puts {
			if res[i], err = p.Queue.put(tx, key, vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.unwrite(segs)
		return s.failed(puts, err)
	}
	if s.disk.flagged.Load() { // only after a refusal: nothing to add up on every request
		s.disk.written(sizeOfPuts(puts))
	}
	for i, p := range puts {
		p.Queue.committed(p.Spans, res[i])
		s.release(res[i].released)
	}
	return nil
}

// failed notes a request refused for lack of room (ErrDiskFull, and
// DiskFull until there is room again).
func (s *Store) failed(puts []Put, err error) error {
	if !isNoSpace(err) {
		return err
	}
	s.disk.refused(sizeOfPuts(puts), err)
	return fmt.Errorf("%w: %w", ErrDiskFull, err)
}

// encodePuts encodes each put's record, writing each distinct large data
// to a segment once.
func (s *Store) encodePuts(puts []Put, now time.Time) ([][]byte, []written, error) {
	first := make([]int, len(puts)) // the first put with the same bytes
	refs := make([]int, len(puts))
	for i := range puts {
		first[i] = i
		for j := range i {
			if first[j] == j && bytes.Equal(puts[j].Data, puts[i].Data) {
				first[i] = j
				break
			}
		}
		refs[first[i]]++
	}
	vals := make([][]byte, len(puts))
	at := make([]location, len(puts))
	var segs []written
	for i, p := range puts {
		if len(p.Data) <= inlineMax {
			vals[i] = encode(p.Spans, now, p.Data)
			continue
		}
		if first[i] == i {
			l, err := s.segs.append(p.Data, refs[i])
			if err != nil {
				s.unwrite(segs)
				return nil, nil, err
			}
			at[i] = l
			segs = append(segs, written{l, refs[i]})
		}
		vals[i] = encodeExt(p.Spans, now, at[first[i]])
	}
	return vals, segs, nil
}

// unwrite gives back segment data written for a request that was not
// committed.
func (s *Store) unwrite(segs []written) {
	for _, w := range segs {
		s.segs.release(w.at.segment, w.refs)
	}
}

// release gives back the segment data of items a committed transaction
// removed.
func (s *Store) release(locs []location) {
	for _, l := range locs {
		s.segs.release(l.segment, 1)
	}
}

// refuses returns ErrFull when q refuses new data and size does not fit.
func (q *Queue) refuses(size int64) error {
	if q.policy == DropOldest {
		return nil
	}
	q.mu.Lock()
	used := q.bytes
	q.mu.Unlock()
	if used+size > q.maxBytes {
		return fmt.Errorf("%w: the queue of destination %s is full", ErrFull, q.name)
	}
	return nil
}

// put stores one item under key in q's bucket after making room by q's
// policy.
func (q *Queue) put(tx *bolt.Tx, key, val []byte) (putResult, error) {
	r := putResult{size: sizeOf(val)}
	b := tx.Bucket(q.bucket)
	q.mu.Lock()
	used, from := q.bytes, q.inflightUpTo+1
	q.mu.Unlock()
	if err := q.refuses(r.size); err != nil {
		return r, err
	}
	if used+r.size > q.maxBytes { // drop_oldest: make room
		// Items a worker has peeked are being sent: dropping them would
		// count as lost spans that are in fact delivered. Drop after them;
		// the bound may then be exceeded by one batch.
		c := b.Cursor()
		for k, v := c.Seek(seqKey(from)); k != nil && used-r.droppedBytes+r.size > q.maxBytes; k, v = c.Seek(seqKey(from)) {
			r.droppedSpans += spansOf(v)
			r.droppedBytes += sizeOf(v)
			r.droppedItems++
			if l := extOf(v); l != nil {
				r.released = append(r.released, *l)
			}
			if err := c.Delete(); err != nil {
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

// initSequence creates the sequence bucket and makes its sequence start
// above every key in use: queues written before it numbered their items
// each on their own.
func initSequence(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		sb, err := tx.CreateBucketIfNotExists(seqBucket)
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
				top = max(top, binary.BigEndian.Uint64(k))
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

// liveSegments counts the queued items whose data is in each segment.
func liveSegments(db *bolt.DB) (map[uint64]int, error) {
	live := map[uint64]int{}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if !strings.HasPrefix(string(name), "q:") {
				return nil
			}
			return b.ForEach(func(_, v []byte) error {
				if l := extOf(v); l != nil {
					live[l.segment]++
				}
				return nil
			})
		})
	})
	return live, err
}

// nextKey is the next item key of any queue.
func nextKey(tx *bolt.Tx) ([]byte, error) {
	seq, err := tx.Bucket(seqBucket).NextSequence()
	if err != nil {
		return nil, fmt.Errorf("numbering a queue item: %w", err)
	}
	return seqKey(seq), nil
}

// sizeOfPuts is the bytes of a request's items.
func sizeOfPuts(puts []Put) int64 {
	var n int64
	for _, p := range puts {
		n += int64(len(p.Data))
	}
	return n
}
