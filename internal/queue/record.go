package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// A stored record is
//
//	v2:  0xC1 | enqueued (unix ns, 8 bytes) | spans (4) | CRC-32C (4) | data
//	ref: 0xC2 | enqueued (8) | spans (4) | CRC-32C (4)   (data in the shared bucket)
//	v1:  enqueued (8) | spans (4) | data       (written before checksums)
//
// The CRC covers time, spans and data, so a record damaged on disk is
// recognised on read and never sent to a platform. A v1 record's first byte
// is that of a positive time, never 0xC1 or 0xC2, so all read back. A ref
// is a destination's item whose data, the same bytes as other
// destinations' items of the same request, is stored once, as a v2 record
// under the same key in the shared bucket (see shared.go).
const (
	magicV2     = 0xC1
	magicRef    = 0xC2
	headerLenV1 = 12
	headerLenV2 = 17
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorruptRecord marks a record whose checksum or framing is wrong.
var ErrCorruptRecord = errors.New("corrupt record")

func encode(spans int, at time.Time, data []byte) []byte {
	return encodeAs(magicV2, spans, at, data)
}

// encodeRef is the record of an item whose data is shared.
func encodeRef(spans int, at time.Time) []byte {
	return encodeAs(magicRef, spans, at, nil)
}

func encodeAs(magic byte, spans int, at time.Time, data []byte) []byte {
	b := make([]byte, headerLenV2+len(data))
	b[0] = magic
	binary.BigEndian.PutUint64(b[1:], uint64(at.UnixNano()))
	binary.BigEndian.PutUint32(b[9:], uint32(spans))
	copy(b[headerLenV2:], data)
	binary.BigEndian.PutUint32(b[13:], checksum(b))
	return b
}

func checksum(b []byte) uint32 {
	c := crc32.Update(0, castagnoli, b[1:13])
	return crc32.Update(c, castagnoli, b[headerLenV2:])
}

// header is a record's metadata, read without copying its data.
type header struct {
	at    int64
	spans int
	data  []byte // aliases the record
	ref   bool   // the data is in the shared bucket
}

// parse reads a record's header; it does not verify the checksum.
func parse(v []byte) (header, error) {
	switch {
	case len(v) >= headerLenV2 && v[0] == magicV2:
		return header{at: int64(binary.BigEndian.Uint64(v[1:])), spans: int(binary.BigEndian.Uint32(v[9:])), data: v[headerLenV2:]}, nil
	case len(v) == headerLenV2 && v[0] == magicRef:
		return header{at: int64(binary.BigEndian.Uint64(v[1:])), spans: int(binary.BigEndian.Uint32(v[9:])), ref: true}, nil
	case len(v) >= headerLenV1 && v[0] < 0x80: // a positive time
		return header{at: int64(binary.BigEndian.Uint64(v)), spans: int(binary.BigEndian.Uint32(v[8:])), data: v[headerLenV1:]}, nil
	}
	return header{}, fmt.Errorf("%w: %d bytes is too short for a queue record", ErrCorruptRecord, len(v))
}

// verify checks a v2 or ref record's checksum (v1 records have none).
func verify(v []byte) error {
	if len(v) >= headerLenV2 && (v[0] == magicV2 || v[0] == magicRef) && binary.BigEndian.Uint32(v[13:]) != checksum(v) {
		return fmt.Errorf("%w: checksum mismatch", ErrCorruptRecord)
	}
	return nil
}

// decode returns the item stored under k, copying its data. A damaged
// record comes back with Corrupt set (and no data) rather than as an error,
// so that it can be dead-lettered while the rest of the queue flows. A ref
// must have been resolved (see resolve) before: one left is damage.
func decode(k, v []byte) (Item, error) {
	if len(k) != 8 {
		return Item{}, fmt.Errorf("%w: key of %d bytes", ErrCorruptRecord, len(k))
	}
	seq := binary.BigEndian.Uint64(k)
	h, err := parse(v)
	if err == nil {
		err = verify(v)
	}
	if err == nil && h.ref {
		err = fmt.Errorf("%w: its shared data is missing", ErrCorruptRecord)
	}
	if err != nil {
		return Item{Seq: seq, Corrupt: err.Error()}, nil
	}
	return Item{Seq: seq, Enqueued: time.Unix(0, h.at), Spans: h.spans, Data: append([]byte(nil), h.data...)}, nil
}

// spansOf is the span count of a record (0 when its header is damaged).
func spansOf(v []byte) int {
	h, _ := parse(v)
	return h.spans
}

// enqueuedAt is when a record was queued (zero when its header is damaged).
func enqueuedAt(v []byte) time.Time {
	h, err := parse(v)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(0, h.at)
}
