//go:build !linux

package queue

import "os"

// fdatasync falls back to a full fsync where fdatasync(2) is missing.
func fdatasync(f *os.File) error { return f.Sync() }
