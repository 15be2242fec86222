package queue

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CorruptError says a queue file cannot be used: bbolt refused it, or
// reading it faulted or failed its consistency check.
type CorruptError struct {
	Path, Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("queue %s is damaged: %s", e.Path, e.Reason)
}

// Recovery records a damaged queue file that was moved aside.
type Recovery struct {
	Path    string    `json:"path"`
	MovedTo string    `json:"moved_to"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

// Open opens (or creates) the store. With fsync false, commits reach the OS
// but are not flushed: a process crash loses nothing, a power loss may.
//
// A damaged file never brings the process down: bbolt panics, or faults
// (SIGBUS on a truncated memory map), on some damage, so opening and the
// consistency check run on a goroutine that turns faults into panics and
// recovers them into a *CorruptError. An existing file of 0 bytes is damage
// too (bbolt would silently start an empty queue in it).
func Open(path string, fsync bool, lockTimeout time.Duration) (*Store, error) {
	if st, err := os.Stat(path); err == nil && st.Size() == 0 {
		return nil, &CorruptError{Path: path, Reason: "the file is empty (0 bytes): its queued spans are gone"}
	}
	type result struct {
		db  *bolt.DB
		err error
	}
	done := make(chan result, 1)
	go func() {
		var db *bolt.DB
		defer func() {
			if v := recover(); v != nil {
				if db != nil {
					go func() { defer func() { _ = recover() }(); _ = db.Close() }()
				}
				done <- result{err: &CorruptError{Path: path, Reason: fmt.Sprintf("reading it failed: %v", v)}}
			}
		}()
		debug.SetPanicOnFault(true)
		var err error
		db, err = openChecked(path, fsync, lockTimeout)
		done <- result{db, err}
	}()
	r := <-done
	if r.err != nil {
		return nil, r.err
	}
	// Group commit: writers arriving within 1 ms share one commit. bbolt's
	// default of 10 ms made each acknowledgement wait for the timer.
	r.db.MaxBatchDelay = time.Millisecond
	if err := initSequence(r.db); err != nil {
		_ = r.db.Close()
		return nil, fmt.Errorf("open queue %s: %w", path, err)
	}
	live, err := liveSegments(r.db)
	if err == nil {
		var segs *segments
		if segs, err = openSegments(SegmentsDir(path), fsync, live); err == nil {
			return &Store{db: r.db, segs: segs}, nil
		}
	}
	_ = r.db.Close()
	return nil, fmt.Errorf("open queue %s: %w", path, err)
}

func openChecked(path string, fsync bool, lockTimeout time.Duration) (*bolt.DB, error) {
	// Read an existing file through first, read-only: a read-write open
	// scans it for free pages on a goroutine of bbolt's own, where a fault
	// on a damaged file could not be recovered. After this walk every page
	// that scan reads has been read here.
	if _, err := os.Stat(path); err == nil {
		ro, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: true})
		if err != nil {
			return nil, classify(path, err)
		}
		err = walk(ro)
		_ = ro.Close()
		if err != nil {
			return nil, &CorruptError{Path: path, Reason: err.Error()}
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, NoSync: !fsync, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, classify(path, err)
	}
	return db, nil
}

// classify tells a busy or inaccessible file from a damaged one.
func classify(path string, err error) error {
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return fmt.Errorf("queue %s is locked by a running exporter", path)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("open queue %s: %w", path, err)
	}
	return &CorruptError{Path: path, Reason: err.Error()}
}

// walk reads every bucket, key and value once, on the calling goroutine, so
// that damage shows now, as an error or a (recovered) panic or fault,
// rather than later in a worker. bbolt's own tx.Check is not used: it reads
// pages on a goroutine of its own, where a fault cannot be recovered. Keys
// out of order are damage too: the read-write open's rebuild of the free
// list would find them, and panic while its checking goroutine still runs
// (a data race inside bbolt).
func walk(db *bolt.DB) error {
	var sum byte
	var visit func(b *bolt.Bucket) error
	visit = func(b *bolt.Bucket) error {
		var prev []byte
		return b.ForEach(func(k, v []byte) error {
			if prev != nil && bytes.Compare(prev, k) >= 0 {
				return fmt.Errorf("keys out of order: %x after %x", k, prev)
			}
			prev = k
			if v == nil {
				if nb := b.Bucket(k); nb != nil {
					return visit(nb)
				}
				return nil
			}
			for _, c := range v { // touch every page of the value
				sum ^= c
			}
			return nil
		})
	}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return visit(b) })
	})
	_ = sum
	if err != nil {
		return fmt.Errorf("reading it back: %w", err)
	}
	return nil
}

// SegmentsDir is where the store at path keeps data too large to keep
// inline (segments.go).
func SegmentsDir(path string) string { return path + ".segments" }

// OpenOrRecover opens the store; a damaged file is moved aside to
// <path>.corrupt-<UTC time> (kept for inspection) and a fresh store is
// started, so a crash loop never follows. The Recovery says what happened;
// the caller must report it loudly.
func OpenOrRecover(path string, fsync bool, lockTimeout time.Duration) (*Store, *Recovery, error) {
	s, err := Open(path, fsync, lockTimeout)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		return s, nil, err
	}
	now := time.Now().UTC()
	rec := &Recovery{Path: path, MovedTo: path + ".corrupt-" + now.Format("20060102T150405.000000000Z"), Reason: ce.Reason, At: now}
	if err := os.Rename(path, rec.MovedTo); err != nil {
		return nil, nil, fmt.Errorf("%w; moving it aside failed: %w", ce, err)
	}
	// Its segments go with it: nothing refers to them any more.
	if err := os.Rename(SegmentsDir(path), SegmentsDir(rec.MovedTo)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w; moving its segments aside failed: %w", ce, err)
	}
	s, err = Open(path, fsync, lockTimeout)
	if err != nil {
		return nil, nil, fmt.Errorf("starting a fresh queue after moving the damaged one to %s: %w", rec.MovedTo, err)
	}
	return s, rec, nil
}
