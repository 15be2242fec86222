package queue

import (
	"os"

	"golang.org/x/sys/unix"
)

// fdatasync flushes a segment's data (not its metadata: the size is
// rewritten with the next record anyway).
func fdatasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }
