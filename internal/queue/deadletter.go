package queue

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DeadLetter is an item that a destination refused for good.
type DeadLetter struct {
	Destination string
	Item
	Reason string
}

func encodeDead(reason, v []byte) []byte {
	b := make([]byte, 2+len(reason)+len(v))
	binary.BigEndian.PutUint16(b, uint16(len(reason)))
	copy(b[2:], reason)
	copy(b[2+len(reason):], v)
	return b
}

func decodeDead(k, v []byte) (Item, string, error) {
	if len(v) < 2 || len(v) < 2+int(binary.BigEndian.Uint16(v)) {
		return Item{}, "", fmt.Errorf("corrupt dead letter")
	}
	n := int(binary.BigEndian.Uint16(v))
	it, at, err := decode(k, v[2+n:])
	if at != nil { // its data could not be read when it died
		it.Corrupt = fmt.Sprintf("%v: its data (segment %s) was unreadable", ErrCorruptRecord, segmentName(at.segment))
	}
	return it, string(v[2 : 2+n]), err
}

// inline is a record with its data in it: v itself, or for an ext record
// (at) its data read from its segment; a dead letter must outlive the
// segment. Data that cannot be read leaves v, which reads back Corrupt.
func (s *Store) inline(v []byte, at *location) []byte {
	if at == nil {
		return v
	}
	data, err := s.segs.read(*at)
	if err != nil {
		return v
	}
	h, _ := parse(v)
	return encode(h.spans, time.Unix(0, h.at), data)
}

// DeadLetters lists the dead letters of every destination (or only of
// destination, when not empty), oldest first, without their data.
func (s *Store) DeadLetters(destination string) ([]DeadLetter, error) {
	var out []DeadLetter
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			dest, ok := strings.CutPrefix(string(name), "dlq:")
			if !ok || (destination != "" && dest != destination) {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				it, reason, err := decodeDead(k, v)
				if err != nil {
					return err
				}
				it.Data = nil
				out = append(out, DeadLetter{Destination: dest, Item: it, Reason: reason})
				return nil
			})
		})
	})
	return out, err
}

// DeadLetterCount returns the number of dead letters of q.
func (q *Queue) DeadLetterCount() (items int, spans int64) {
	_ = q.store.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(q.dlq).ForEach(func(_, v []byte) error {
			items++
			if n := int(binary.BigEndian.Uint16(v)); len(v) >= 2+n {
				spans += int64(spansOf(v[2+n:]))
			}
			return nil
		})
	})
	return items, spans
}

// Replay moves the dead letters of destination back into its queue, to be
// delivered again (after fixing what made them fail). It returns how many.
func (s *Store) Replay(destination string) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		d, q := tx.Bucket([]byte("dlq:"+destination)), tx.Bucket([]byte("q:"+destination))
		if d == nil || q == nil {
			return fmt.Errorf("no destination %q in the queue store", destination)
		}
		var keys [][]byte
		_ = d.ForEach(func(k, _ []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			return nil
		})
		for _, k := range keys {
			it, _, err := decodeDead(k, d.Get(k))
			if err != nil {
				return err
			}
			if it.Corrupt != "" {
				// Damaged on disk: replaying would give garbage a fresh
				// checksum. It stays a dead letter.
				continue
			}
			key, err := nextKey(tx)
			if err != nil {
				return err
			}
			if err := q.Put(key, encode(it.Spans, time.Now(), it.Data)); err != nil {
				return err
			}
			if err := d.Delete(k); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
