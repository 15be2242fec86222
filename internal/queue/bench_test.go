package queue

import (
	"bytes"
	"path/filepath"
	"testing"
)

// BenchmarkEnqueue is one request of 250 Dify-sized spans (~100 KB) queued
// for two destinations that take the same bytes, with fsync on, from four
// senders at once (group commit). The acknowledgements that empty the
// queues afterwards are not timed.
func BenchmarkEnqueue(b *testing.B) {
	for _, fsync := range []bool{true, false} {
		name := "fsync"
		if !fsync {
			name = "no-fsync"
		}
		b.Run(name, func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "q.db"), fsync, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			qa, _ := s.Queue("a", 1<<40, Refuse, nil)
			qb, _ := s.Queue("b", 1<<40, Refuse, nil)
			body := bytes.Repeat([]byte("0123456789abcdef"), 100<<10/16)
			b.SetBytes(int64(len(body)))
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := s.Enqueue([]Put{{qa, body, 250}, {qb, body, 250}}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			for _, q := range []*Queue{qa, qb} {
				for {
					items, err := q.Peek(1<<20, 64<<20)
					if err != nil || len(items) == 0 {
						break
					}
					if err := q.Ack(items); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
