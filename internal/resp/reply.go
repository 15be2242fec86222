// Package resp is the small Redis client the Dify queue monitor needs:
// RESP2 commands written in one pipelined batch, their replies read back,
// AUTH (password or ACL user), SELECT, TLS (rediss://) and timeouts on one
// connection that is dropped on any error and dialled again on the next
// call. It replaced go-redis (4.2 MB of the exporter binary for one
// pipelined LLEN per queue); the reply reader is fuzzed.
package resp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Reply is one RESP2 reply. Kind is the type byte: '+' status, '-' error,
// ':' integer, '$' bulk string, '*' array. Nil is a null bulk or array.
type Reply struct {
	Kind  byte
	Str   string
	Int   int64
	Array []Reply
	Nil   bool
}

// Error is a reply of kind '-': the server refused one command (WRONGTYPE,
// NOAUTH...). The connection stays usable.
type Error string

func (e Error) Error() string { return string(e) }

// Err is the reply's server error, if it is one.
func (r Reply) Err() error {
	if r.Kind == '-' {
		return Error(r.Str)
	}
	return nil
}

// Integer is an integer reply's value; a server error or another kind is an error.
func (r Reply) Integer() (int64, error) {
	switch r.Kind {
	case ':':
		return r.Int, nil
	case '-':
		return 0, Error(r.Str)
	}
	return 0, fmt.Errorf("redis: want an integer reply, got %q", r.Kind)
}

// Limits on what a reply may claim, so a broken or hostile peer cannot make
// the reader allocate without bound: the monitor's replies are integers and
// short statuses.
const (
	maxBulk  = 512 << 20 // Redis's own proto-max-bulk-len default
	maxArray = 1 << 20
	maxDepth = 16
	maxLine  = 64 << 10
)

// ErrProtocol wraps every malformed-reply error: the connection is unusable.
var ErrProtocol = errors.New("redis protocol error")

// ReadReply reads one reply.
func ReadReply(r *bufio.Reader) (Reply, error) { return readReply(r, 0) }

func readReply(r *bufio.Reader, depth int) (Reply, error) {
	if depth > maxDepth {
		return Reply{}, fmt.Errorf("%w: arrays nested deeper than %d", ErrProtocol, maxDepth)
	}
	line, err := readLine(r)
	if err != nil {
		return Reply{}, err
	}
	if len(line) == 0 {
		return Reply{}, fmt.Errorf("%w: empty line", ErrProtocol)
	}
	kind, body := line[0], string(line[1:])
	switch kind {
	case '+', '-':
		return Reply{Kind: kind, Str: body}, nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return Reply{}, fmt.Errorf("%w: integer %q", ErrProtocol, body)
		}
		return Reply{Kind: kind, Int: n}, nil
	case '$':
		return readBulk(r, body)
	case '*':
		return readArray(r, body, depth)
	}
	return Reply{}, fmt.Errorf("%w: unknown reply type %q", ErrProtocol, kind)
}

func readBulk(r *bufio.Reader, header string) (Reply, error) {
	n, err := length(header, maxBulk)
	if err != nil || n < 0 {
		return Reply{Kind: '$', Nil: true}, err
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return Reply{}, cutShort(err)
	}
	if buf[n] != '\r' || buf[n+1] != '\n' {
		return Reply{}, fmt.Errorf("%w: bulk of %d bytes not followed by CRLF", ErrProtocol, n)
	}
	return Reply{Kind: '$', Str: string(buf[:n])}, nil
}

func readArray(r *bufio.Reader, header string, depth int) (Reply, error) {
	n, err := length(header, maxArray)
	if err != nil || n < 0 {
		return Reply{Kind: '*', Nil: true}, err
	}
	out := Reply{Kind: '*', Array: make([]Reply, 0, min(n, 64))}
	for range n {
		el, err := readReply(r, depth+1)
		if err != nil {
			return Reply{}, cutShort(err)
		}
		out.Array = append(out.Array, el)
	}
	return out, nil
}

// length parses a bulk or array header: -1 is null, other negatives and
// values above limit are protocol errors.
func length(s string, limit int) (int, error) {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%w: length %q", ErrProtocol, s)
	case n == -1:
		return -1, nil
	case n < 0 || n > limit:
		return 0, fmt.Errorf("%w: length %d out of range", ErrProtocol, n)
	}
	return n, nil
}

// readLine reads up to CRLF (excluded), refusing lines longer than maxLine
// and a bare LF.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if len(line) == 0 && errors.Is(err, io.EOF) {
				return nil, io.EOF // the peer closed between replies
			}
			return nil, cutShort(err)
		}
		if len(line) > maxLine {
			return nil, fmt.Errorf("%w: line longer than %d bytes", ErrProtocol, maxLine)
		}
	}
	if len(line) > maxLine {
		return nil, fmt.Errorf("%w: line longer than %d bytes", ErrProtocol, maxLine)
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("%w: line not ended by CRLF", ErrProtocol)
	}
	return line[:len(line)-2], nil
}

// cutShort turns an end of input inside a reply into a protocol error;
// other read errors (a timeout, a reset) pass through as they are.
func cutShort(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: connection closed inside a reply", ErrProtocol)
	}
	return err
}

// AppendCommand appends a command as a RESP array of bulk strings, the
// only request form Redis needs.
func AppendCommand(b []byte, args ...string) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}
