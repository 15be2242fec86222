//go:build unix

package queue

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// diskOf reads the volume holding dir. (Statfs_t's field types differ
// between Linux and the BSDs, hence the conversions.)
func diskOf(dir string) (Disk, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return Disk{}, fmt.Errorf("reading the free space of %s: %w", dir, err)
	}
	bsize := int64(st.Bsize) // int64 on Linux, uint32 on macOS
	return Disk{Free: int64(st.Bavail) * bsize, Size: int64(st.Blocks) * bsize}, nil
}
