package queue

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// segments is where queued data larger than the inline threshold lives:
// append-only files written with write(2) and read with pread(2), never
// memory-mapped, so a backlog sits in the page cache and not in the
// exporter's resident memory (bbolt maps its whole file, and every page a
// worker reads stays resident). Each item's bbolt record says where its
// data is (an ext record); data that several destinations queue is written
// once. A segment is removed once no queued item refers to it; every start
// appends to a new one, so a torn write at a crash is never appended to.
type segments struct {
	dir   string
	fsync bool

	mu       sync.Mutex
	active   *os.File
	activeID uint64
	size     int64 // bytes written to the active segment
	limit    int64 // size at which the active segment is closed (segmentLimit)
	refs     map[uint64]int
	files    map[uint64]*os.File // open for reading

	synced int64 // bytes of the active segment known to be on disk

	// syncMu makes concurrent appends share one fdatasync (group commit):
	// whoever takes it syncs everything written so far.
	syncMu sync.Mutex

	// gc is held (read) by readers between finding a location and reading
	// it, and (write) to remove a segment.
	gc       sync.RWMutex
	removals sync.WaitGroup
}

// segmentSize is when an active segment is closed and a new one started
// (a variable for the tests).
var segmentSize int64 = 64 << 20

func segmentName(id uint64) string { return fmt.Sprintf("%016x.seg", id) }

// openSegments opens dir, removes the segments no queued item refers to
// (live counts each segment's items), and starts a new active segment.
func openSegments(dir string, fsync bool, live map[uint64]int) (*segments, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	s := &segments{dir: dir, fsync: fsync, refs: map[uint64]int{}, files: map[uint64]*os.File{}}
	var top uint64
	for _, e := range entries {
		id, err := strconv.ParseUint(strings.TrimSuffix(e.Name(), ".seg"), 16, 64)
		if err != nil || !strings.HasSuffix(e.Name(), ".seg") {
			continue
		}
		top = max(top, id)
		if live[id] == 0 {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("removing the unused segment %s: %w", e.Name(), err)
			}
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		s.files[id], s.refs[id] = f, live[id]
	}
	for id := range live {
		top = max(top, id) // a missing segment's id is not reused
	}
	if err := s.rotate(top + 1); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// rotate starts segment id as the active one. The caller holds mu (or is
// the only user).
func (s *segments) rotate(id uint64) error {
	f, err := os.OpenFile(filepath.Join(s.dir, segmentName(id)), os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("starting a queue segment: %w", err)
	}
	if s.fsync {
		if err := syncDir(s.dir); err != nil {
			_ = f.Close()
			return err
		}
	}
	if s.active != nil {
		old := s.activeID
		if s.refs[old] == 0 {
			defer s.removeLater(old)
		}
	}
	s.active, s.activeID, s.size, s.synced = f, id, 0, 0
	s.limit = segmentLimit(s.dir)
	s.files[id] = f
	return nil
}

// append writes data once for refs items and returns where it is, on disk
// (when fsync is on) when append returns. The refs are counted at once, so
// the segment outlives the commit that records them; a failed commit must
// give them back (release).
func (s *segments) append(data []byte, refs int) (location, error) {
	crc := crc32.Checksum(data, castagnoli) // outside the lock: other appends wait on it
	s.mu.Lock()
	if s.size > 0 && s.size+int64(len(data)) > s.limit {
		if err := s.finishActive(); err != nil {
			s.mu.Unlock()
			return location{}, err
		}
	}
	l := location{segment: s.activeID, offset: s.size, length: len(data), crc: crc}
	f := s.active
	if _, err := f.WriteAt(data, l.offset); err != nil {
		s.mu.Unlock()
		return location{}, fmt.Errorf("writing a queue segment: %w", err)
	}
	s.size += int64(len(data))
	s.refs[l.segment] += refs
	end := s.size
	s.mu.Unlock()
	if err := s.syncTo(l.segment, end); err != nil {
		s.release(l.segment, refs)
		return location{}, err
	}
	return l, nil
}

// finishActive syncs the active segment and starts the next. Holds mu.
func (s *segments) finishActive() error {
	if s.fsync {
		if err := s.active.Sync(); err != nil {
			return fmt.Errorf("syncing a queue segment: %w", err)
		}
	}
	return s.rotate(s.activeID + 1)
}

// syncTo returns once the active segment's first end bytes are on disk: by
// its own fdatasync, or by one a concurrent append made meanwhile. A
// segment rotated out was synced whole by finishActive. Lock order: syncMu,
// then mu (never the other way: rotate, under mu, leaves syncMu alone).
func (s *segments) syncTo(segment uint64, end int64) error {
	if !s.fsync {
		return nil
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	if segment != s.activeID || s.synced >= end {
		s.mu.Unlock()
		return nil
	}
	f, target := s.active, s.size
	s.mu.Unlock()
	if err := fdatasync(f); err != nil {
		return fmt.Errorf("syncing a queue segment: %w", err)
	}
	s.mu.Lock()
	if s.activeID == segment {
		s.synced = max(s.synced, target)
	}
	s.mu.Unlock()
	return nil
}

// release gives back refs of segment's items, removed by a committed
// transaction (or never committed); a segment no item refers to any more
// is removed. The active one too, once a quarter full: a new one is
// started, so that on a steady load with a healthy destination delivered
// data is given back long before the segment would fill (refs count
// uncommitted appends too, so none is in flight).
func (s *segments) release(segment uint64, refs int) {
	s.mu.Lock()
	s.refs[segment] -= refs
	unused := s.refs[segment] <= 0
	if unused && segment == s.activeID && s.size >= s.limit/4 {
		// rotate removes the old active segment, unused; when it fails
		// (no room for even an empty file) the next append tries again.
		_ = s.rotate(s.activeID + 1)
		s.mu.Unlock()
		return
	}
	gone := unused && segment != s.activeID
	s.mu.Unlock()
	if gone {
		s.removeLater(segment)
	}
}

// removeLater removes a segment once no reader is between finding one of
// its locations and reading it.
func (s *segments) removeLater(segment uint64) {
	s.removals.Add(1)
	go func() {
		defer s.removals.Done()
		s.gc.Lock()
		defer s.gc.Unlock()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.refs[segment] > 0 || segment == s.activeID {
			return
		}
		delete(s.refs, segment)
		if f := s.files[segment]; f != nil {
			_ = f.Close()
			delete(s.files, segment)
		}
		_ = os.Remove(filepath.Join(s.dir, segmentName(segment)))
	}()
}

// read returns a location's data, checked against its CRC. The caller
// holds gc (read).
func (s *segments) read(l location) ([]byte, error) {
	s.mu.Lock()
	f := s.files[l.segment]
	s.mu.Unlock()
	if f == nil {
		return nil, fmt.Errorf("%w: its data segment %s is missing", ErrCorruptRecord, segmentName(l.segment))
	}
	data := make([]byte, l.length)
	if _, err := f.ReadAt(data, l.offset); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: its data segment %s ends before it (truncated)", ErrCorruptRecord, segmentName(l.segment))
		}
		return nil, fmt.Errorf("reading queue segment %s: %w", segmentName(l.segment), err)
	}
	if crc32.Checksum(data, castagnoli) != l.crc {
		return nil, fmt.Errorf("%w: its data in segment %s fails its checksum", ErrCorruptRecord, segmentName(l.segment))
	}
	return data, nil
}

// close closes every segment file; the active one is synced first.
func (s *segments) close() error {
	s.removals.Wait()
	s.gc.Lock()
	defer s.gc.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.active != nil && s.fsync {
		err = s.active.Sync()
	}
	for id, f := range s.files {
		err = errors.Join(err, f.Close())
		delete(s.files, id)
	}
	s.active = nil
	return err
}

// syncDir makes a new file's directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
