//go:build !unix

package queue

import "errors"

// diskOf is not implemented where the exporter does not run (it ships as a
// Linux image): the queue then keeps its configured segment size, and the
// provider, which only shares this package's configuration types, builds.
func diskOf(string) (Disk, error) {
	return Disk{}, errors.New("reading a volume's free space is supported on Unix only")
}
