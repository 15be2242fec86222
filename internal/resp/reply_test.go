package resp

import (
	"bufio"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func read(s string) (Reply, error) { return ReadReply(bufio.NewReader(strings.NewReader(s))) }

func TestReadReply(t *testing.T) {
	cases := map[string]Reply{
		"+OK\r\n":                          {Kind: '+', Str: "OK"},
		"-WRONGTYPE Operation against\r\n": {Kind: '-', Str: "WRONGTYPE Operation against"},
		":1202\r\n":                        {Kind: ':', Int: 1202},
		":-3\r\n":                          {Kind: ':', Int: -3},
		"$5\r\nhe\r\no\r\n":                {Kind: '$', Str: "he\r\no"},
		"$0\r\n\r\n":                       {Kind: '$', Str: ""},
		"$-1\r\n":                          {Kind: '$', Nil: true},
		"*-1\r\n":                          {Kind: '*', Nil: true},
		"*2\r\n:1\r\n*1\r\n+x\r\n":         {Kind: '*', Array: []Reply{{Kind: ':', Int: 1}, {Kind: '*', Array: []Reply{{Kind: '+', Str: "x"}}}}},
	}
	for in, want := range cases {
		got, err := read(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %+v, %v; want %+v", in, got, err, want)
		}
	}
}

func TestReadReplyRefusesMalformed(t *testing.T) {
	for _, in := range []string{
		"OK\r\n", "+OK\n", ":12a\r\n", "$3\r\nab\r\n", "$3\r\nabcd\r\n", "$-2\r\n", "*-5\r\n",
		"$999999999999\r\n", "*2\r\n:1\r\n", "\r\n", "+" + strings.Repeat("x", maxLine+10) + "\r\n",
		strings.Repeat("*1\r\n", maxDepth+2) + ":1\r\n",
	} {
		_, err := read(in)
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("%.40q: %v, want a protocol error", in, err)
		}
	}
	if _, err := read(""); err != io.EOF {
		t.Errorf("empty input: %v, want io.EOF (closed between replies)", err)
	}
}

func TestReplyAccessors(t *testing.T) {
	if n, err := (Reply{Kind: ':', Int: 7}).Integer(); n != 7 || err != nil {
		t.Fatal(n, err)
	}
	_, err := (Reply{Kind: '-', Str: "WRONGTYPE x"}).Integer()
	var se Error
	if !errors.As(err, &se) || string(se) != "WRONGTYPE x" {
		t.Fatalf("server error: %v", err)
	}
	if _, err := (Reply{Kind: '+', Str: "OK"}).Integer(); err == nil {
		t.Fatal("a status is not an integer")
	}
}

func TestAppendCommand(t *testing.T) {
	got := string(AppendCommand(nil, "LLEN", "dataset\x06\x163"))
	if want := "*2\r\n$4\r\nLLEN\r\n$10\r\ndataset\x06\x163\r\n"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

// encode writes a reply back in RESP2, for the fuzz round trip.
func encode(b []byte, r Reply) []byte {
	switch {
	case r.Nil:
		return append(b, r.Kind, '-', '1', '\r', '\n')
	case r.Kind == ':':
		return append(strconv.AppendInt(append(b, ':'), r.Int, 10), '\r', '\n')
	case r.Kind == '$':
		b = append(strconv.AppendInt(append(b, '$'), int64(len(r.Str)), 10), '\r', '\n')
		return append(append(b, r.Str...), '\r', '\n')
	case r.Kind == '*':
		b = append(strconv.AppendInt(append(b, '*'), int64(len(r.Array)), 10), '\r', '\n')
		for _, el := range r.Array {
			b = encode(b, el)
		}
		return b
	}
	return append(append(append(b, r.Kind), r.Str...), '\r', '\n')
}

// FuzzReadReply: any input either fails cleanly or parses to a reply that
// encodes and parses back to itself; nothing panics or allocates beyond
// the limits.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "-ERR x\r\n", ":5\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*2\r\n:1\r\n$1\r\na\r\n", "*-1\r\n", "*1\r\n*1\r\n+x\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ReadReply(bufio.NewReader(strings.NewReader(string(in))))
		if err != nil {
			return
		}
		again, err := ReadReply(bufio.NewReader(strings.NewReader(string(encode(nil, r)))))
		if err != nil || !reflect.DeepEqual(normal(again), normal(r)) {
			t.Fatalf("%q parsed to %+v, which re-reads as %+v (%v)", in, r, again, err)
		}
	})
}

// normal makes empty and nil arrays equal (make(..., 0) vs a decoded nil).
func normal(r Reply) Reply {
	if r.Array != nil && len(r.Array) == 0 {
		r.Array = nil
	}
	for i := range r.Array {
		r.Array[i] = normal(r.Array[i])
	}
	return r
}
