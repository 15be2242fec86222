package receiver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// Recover answers a panic in h with 500 instead of letting it end the
// process (net/http would only drop the connection, but a panic in a
// goroutine the handler started would not be caught by it either). The
// panic is logged once with the sender's address and counted.
func Recover(h http.Handler, transport string, log *slog.Logger, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel re-panicked on purpose by net/http users
					panic(v)
				}
				m.panicked(transport)
				log.Error("recovered from a panic while serving a request", "transport", transport,
					"remote", r.RemoteAddr, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// recoverInterceptor is Recover for gRPC: codes.Internal instead of a crash
// (grpc-go does not recover handler panics).
func recoverInterceptor(log *slog.Logger, m *Metrics) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if v := recover(); v != nil {
				m.panicked("grpc")
				remote := ""
				if p, ok := peer.FromContext(ctx); ok {
					remote = p.Addr.String()
				}
				log.Error("recovered from a panic while serving a request", "transport", "grpc",
					"remote", remote, "method", info.FullMethod, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
		}()
		return next(ctx, req)
	}
}
