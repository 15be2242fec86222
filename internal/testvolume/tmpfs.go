// Package testvolume gives tests a small volume of their own, so that what
// happens when a disk fills can be tested for real without filling the
// machine's disk.
package testvolume

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// Tmpfs mounts a tmpfs of size bytes on a fresh directory and unmounts it
// when the test ends. Mounting needs root (CI runs as root); where it is
// impossible the test is skipped with a message saying so.
func Tmpfs(t testing.TB, size int64) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "llmops-tmpfs-")
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		_ = os.Remove(dir)
		t.Skipf("SKIPPED: cannot mount a %d-byte tmpfs to fill (needs root and CAP_SYS_ADMIN): %v", size, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmounting the test tmpfs %s: %v", dir, err)
		}
		_ = os.Remove(dir)
	})
	return dir
}
