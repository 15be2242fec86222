package pipeline

import "context"

type yieldKey struct{}

// WithYield returns ctx carrying release, the function that gives back the
// processing slot a receiver took for a request (see receiver.Admission).
// release must be safe to call more than once.
func WithYield(ctx context.Context, release func()) context.Context {
	return context.WithValue(ctx, yieldKey{}, release)
}

// Yield gives back the request's processing slot, if it holds one. Call it
// before waiting on I/O (a durable commit): the slot bounds the requests
// using the CPU at once, not those waiting on the disk, whose commits are
// shared when they wait together.
func Yield(ctx context.Context) {
	if release, ok := ctx.Value(yieldKey{}).(func()); ok {
		release()
	}
}
