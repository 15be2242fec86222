package queue

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
)

// ErrDiskFull is returned by Enqueue when the queue's volume has no room
// for a request: the receiver answers 503 and /ready says why until the
// room is back (Store.DiskFull).
var ErrDiskFull = errors.New("the queue's volume is full")

// minSegmentSize is the smallest segment the free space makes us start:
// below it rotations (a file creation and a directory sync each) would
// cost more than the space they give back.
var minSegmentSize int64 = 1 << 20

// Disk is the queue volume as statfs(2) sees it.
type Disk struct {
	Free, Size int64
}

// segmentLimit is the size at which a new active segment is closed: the
// configured size, smaller on a small volume (an eighth of the free space,
// at least minSegmentSize), so that delivered data is given back long
// before the volume fills. A volume that cannot be read keeps the
// configured size.
func segmentLimit(dir string) int64 {
	d, err := diskOf(dir)
	if err != nil {
		return segmentSize
	}
	return min(segmentSize, max(minSegmentSize, d.Free/8))
}

// isNoSpace tells the errors of a full volume (or a full quota).
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// diskState remembers that a request was refused for lack of room, and
// how much it needed, until a write succeeds again or the room is back.
type diskState struct {
	flagged atomic.Bool // full, read without the lock on every request

	mu   sync.Mutex
	full bool
	need int64 // bytes of the refused request
	err  string
}

func (d *diskState) refused(need int64, err error) {
	d.mu.Lock()
	d.full, d.need, d.err = true, max(d.need, need), err.Error()
	d.flagged.Store(true)
	d.mu.Unlock()
}

// written forgets a refusal once a request at least as large as the
// refused one was written: a small request that fits says nothing of the
// large ones still refused.
func (d *diskState) written(size int64) {
	d.mu.Lock()
	if size >= d.need {
		d.clear()
	}
	d.mu.Unlock()
}

// clear forgets a refusal; the caller holds mu.
func (d *diskState) clear() {
	d.full, d.need, d.err = false, 0, ""
	d.flagged.Store(false)
}

// DiskFull reports whether the store refuses requests for lack of room
// now, with the reason. It refuses from a refused write until a write as
// large succeeds, or until the volume has room again for what was
// refused (with a segment's margin, since the next write may start one):
// so it says so exactly while a request like the refused one would be
// refused.
func (s *Store) DiskFull() (bool, string) {
	s.disk.mu.Lock()
	defer s.disk.mu.Unlock()
	if !s.disk.full {
		return false, ""
	}
	if d, err := diskOf(s.segs.dir); err == nil && d.Free >= s.disk.need+minSegmentSize {
		s.disk.clear()
		return false, ""
	}
	return true, s.disk.err
}

// Disk reads the queue's volume (free and total bytes).
func (s *Store) Disk() (Disk, error) { return diskOf(s.segs.dir) }
