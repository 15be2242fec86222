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
//	ext: 0xC3 | enqueued (8) | spans (4) | CRC-32C (4) | segment (8) | offset (8) | length (4) | data CRC-32C (4)
//	v1:  enqueued (8) | spans (4) | data       (written before checksums)
//
// The CRC covers every other field and the data (v2) or where the data is
// (ext), so a record damaged on disk is recognised on read and never sent to
// a platform; an ext record's data, in a segment file (segments.go), has its
// own CRC. A v1 record's first byte is that of a positive time, never 0xC1
// or 0xC3, so all read back.
const (
	magicV2     = 0xC1
	magicExt    = 0xC3
	headerLenV1 = 12
	headerLenV2 = 17
	extLen      = headerLenV2 + 24
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorruptRecord marks a record whose checksum or framing is wrong.
var ErrCorruptRecord = errors.New("corrupt record")

// location is where an ext record's data is: a byte range of a segment.
type location struct {
	segment uint64
	offset  int64
	length  int
	crc     uint32
}

func encode(spans int, at time.Time, data []byte) []byte {
	b := make([]byte, headerLenV2+len(data))
	b[0] = magicV2
	putHeader(b, spans, at)
	copy(b[headerLenV2:], data)
	binary.BigEndian.PutUint32(b[13:], checksum(b))
	return b
}

// encodeExt is the record of an item whose data is in a segment.
func encodeExt(spans int, at time.Time, l location) []byte {
	b := make([]byte, extLen)
	b[0] = magicExt
	putHeader(b, spans, at)
	binary.BigEndian.PutUint64(b[17:], l.segment)
	binary.BigEndian.PutUint64(b[25:], uint64(l.offset))
	binary.BigEndian.PutUint32(b[33:], uint32(l.length))
	binary.BigEndian.PutUint32(b[37:], l.crc)
	binary.BigEndian.PutUint32(b[13:], checksum(b))
	return b
}

func putHeader(b []byte, spans int, at time.Time) {
	binary.BigEndian.PutUint64(b[1:], uint64(at.UnixNano()))
	binary.BigEndian.PutUint32(b[9:], uint32(spans))
}

func checksum(b []byte) uint32 {
	c := crc32.Update(0, castagnoli, b[1:13])
	return crc32.Update(c, castagnoli, b[headerLenV2:])
}

// header is a record's metadata, read without copying its data.
type header struct {
	at    int64
	spans int
	data  []byte // aliases the record (nil for ext)
	ext   *location
}

// size is what the item counts for in its queue's bound: its record with
// the data inline.
func (h header) size() int64 {
	if h.ext != nil {
		return int64(headerLenV2 + h.ext.length)
	}
	return int64(headerLenV2 + len(h.data))
}

// parse reads a record's header; it does not verify the checksum.
func parse(v []byte) (header, error) {
	switch {
	case len(v) >= headerLenV2 && v[0] == magicV2:
		return header{at: int64(binary.BigEndian.Uint64(v[1:])), spans: int(binary.BigEndian.Uint32(v[9:])), data: v[headerLenV2:]}, nil
	case len(v) == extLen && v[0] == magicExt:
		return header{at: int64(binary.BigEndian.Uint64(v[1:])), spans: int(binary.BigEndian.Uint32(v[9:])), ext: &location{
			segment: binary.BigEndian.Uint64(v[17:]), offset: int64(binary.BigEndian.Uint64(v[25:]) & (1<<63 - 1)),
			length: int(binary.BigEndian.Uint32(v[33:])), crc: binary.BigEndian.Uint32(v[37:])}}, nil
	case len(v) >= headerLenV1 && v[0] < 0x80: // a positive time
		return header{at: int64(binary.BigEndian.Uint64(v)), spans: int(binary.BigEndian.Uint32(v[8:])), data: v[headerLenV1:]}, nil
	}
	return header{}, fmt.Errorf("%w: %d bytes is not a queue record", ErrCorruptRecord, len(v))
}

// verify checks a v2 or ext record's checksum (v1 records have none).
func verify(v []byte) error {
	if len(v) >= headerLenV2 && (v[0] == magicV2 || v[0] == magicExt) && binary.BigEndian.Uint32(v[13:]) != checksum(v) {
		return fmt.Errorf("%w: checksum mismatch", ErrCorruptRecord)
	}
	return nil
}

// decode returns the item stored under k, copying its data. A damaged
// record comes back with Corrupt set (and no data) rather than as an error,
// so that it can be dead-lettered while the rest of the queue flows. An
// ext record comes back without data and with its location: the caller
// reads it from its segment (Store.load).
func decode(k, v []byte) (Item, *location, error) {
	if len(k) != 8 {
		return Item{}, nil, fmt.Errorf("%w: key of %d bytes", ErrCorruptRecord, len(k))
	}
	seq := binary.BigEndian.Uint64(k)
	h, err := parse(v)
	if err == nil {
		err = verify(v)
	}
	if err != nil {
		// The span count as the header says, when it can be read: damage
		// is likelier in the data than in these 4 bytes, and a dead letter
		// that says 0 spans hides a loss.
		return Item{Seq: seq, Corrupt: err.Error(), Spans: h.spans}, nil, nil
	}
	it := Item{Seq: seq, Enqueued: time.Unix(0, h.at), Spans: h.spans}
	if h.ext != nil {
		return it, h.ext, nil
	}
	it.Data = append([]byte(nil), h.data...)
	return it, nil, nil
}

// spansOf is the span count of a record (0 when its header is damaged).
func spansOf(v []byte) int {
	h, _ := parse(v)
	return h.spans
}

// sizeOf is what a record counts for in its queue's bound.
func sizeOf(v []byte) int64 {
	h, err := parse(v)
	if err != nil {
		return int64(len(v))
	}
	return h.size()
}

// extOf is where a sound ext record's data is (nil for any other record).
func extOf(v []byte) *location {
	h, err := parse(v)
	if err != nil || verify(v) != nil {
		return nil
	}
	return h.ext
}

// enqueuedAt is when a record was queued (zero when its header is damaged).
func enqueuedAt(v []byte) time.Time {
	h, err := parse(v)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(0, h.at)
}
