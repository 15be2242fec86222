package queue

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// filled writes n batches of distinct, recognisable data and closes the
// store; it returns the file and the batches.
func filled(t *testing.T, n int) (string, map[string]bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "queue.db")
	s := open(t, path)
	q, err := s.Queue("lf", 64<<20, Refuse, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		data := bytes.Repeat([]byte{byte('a' + i%26)}, 1500+i)
		want[string(data)] = true
		if err := q.Enqueue(data, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, want
}

func TestCorruptFilesNeverCrashNorLeakGarbage(t *testing.T) {
	cases := map[string]func(t *testing.T, path string, size int64){
		"empty file": func(t *testing.T, path string, _ int64) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		},
		"truncated mid-page": func(t *testing.T, path string, size int64) {
			if err := os.Truncate(path, size/2+123); err != nil {
				t.Fatal(err)
			}
		},
		"zeroed meta pages": func(t *testing.T, path string, _ int64) {
			overwrite(t, path, 0, make([]byte, 2*os.Getpagesize()))
		},
	}
	for seed := uint64(1); seed <= 12; seed++ {
		cases["random bytes in data pages, seed "+string(rune('a'+seed))] = func(t *testing.T, path string, size int64) {
			r := rand.New(rand.NewPCG(seed, seed))
			junk := make([]byte, 64)
			for i := range junk {
				junk[i] = byte(r.IntN(256))
			}
			// Past the two meta pages, anywhere in the data.
			off := int64(4*os.Getpagesize()) + r.Int64N(size-int64(4*os.Getpagesize())-64)
			overwrite(t, path, off, junk)
		}
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			path, want := filled(t, 40)
			st, _ := os.Stat(path)
			damage(t, path, st.Size())
			s, rec, err := OpenOrRecover(path, true, time.Second)
			if err != nil {
				t.Fatalf("the queue could not be opened at all: %v", err)
			}
			defer s.Close()
			if rec != nil {
				if _, err := os.Stat(rec.MovedTo); err != nil || rec.Reason == "" {
					t.Fatalf("recovery %+v: the damaged file was not kept (%v)", rec, err)
				}
			} else if strings.HasPrefix(name, "empty") || strings.HasPrefix(name, "zeroed") || strings.HasPrefix(name, "truncated") {
				t.Fatal("damage went unreported")
			}
			q, err := s.Queue("lf", 64<<20, Refuse, nil)
			if err != nil {
				t.Fatalf("queue on the opened store: %v", err)
			}
			items, err := q.Peek(1000, 64<<20)
			if err != nil {
				t.Fatalf("peek: %v", err)
			}
			corrupt := 0
			for _, it := range items {
				if it.Corrupt != "" {
					corrupt++
				}
				if it.Corrupt == "" && !want[string(it.Data)] {
					t.Fatalf("item %d passed its checksum but is not what was queued", it.Seq)
				}
				if it.Corrupt != "" && it.Data != nil {
					t.Fatal("a corrupt item carries data")
				}
			}
			t.Logf("moved aside: %v (%+v); %d items, %d of them corrupt", rec != nil, rec, len(items), corrupt)
		})
	}
}

func overwrite(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestChecksumCatchesAFlippedByte(t *testing.T) {
	v := encode(3, time.Unix(5, 0), []byte("payload"))
	if it, _, _ := decode(seqKey(1), v); it.Corrupt != "" || string(it.Data) != "payload" || it.Spans != 3 {
		t.Fatalf("sound record: %+v", it)
	}
	for i := 1; i < len(v); i++ {
		bad := bytes.Clone(v)
		bad[i] ^= 0x10
		if it, _, _ := decode(seqKey(1), bad); it.Corrupt == "" {
			t.Fatalf("a flipped byte at %d went unnoticed", i)
		}
	}
	ext := encodeExt(3, time.Unix(5, 0), location{segment: 2, offset: 4096, length: 9000, crc: 77})
	if it, at, _ := decode(seqKey(1), ext); it.Corrupt != "" || at == nil || *at != (location{2, 4096, 9000, 77}) || it.Spans != 3 {
		t.Fatalf("sound ext record: %+v at %+v", it, at)
	}
	for i := 1; i < len(ext); i++ {
		bad := bytes.Clone(ext)
		bad[i] ^= 0x10
		if it, _, _ := decode(seqKey(1), bad); it.Corrupt == "" {
			t.Fatalf("a flipped byte at %d of an ext record went unnoticed", i)
		}
	}
	// Records written before checksums still read back.
	v1 := append([]byte{0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 2}, "old"...)
	if it, _, _ := decode(seqKey(2), v1); it.Corrupt != "" || string(it.Data) != "old" || it.Spans != 2 {
		t.Fatalf("v1 record: %+v", it)
	}
}

func TestLockedIsNotCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := open(t, path)
	defer s.Close()
	_, rec, err := OpenOrRecover(path, true, 50*time.Millisecond)
	var ce *CorruptError
	if err == nil || errors.As(err, &ce) || rec != nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("a locked queue must be reported as locked, never moved aside: %v %+v", err, rec)
	}
}
