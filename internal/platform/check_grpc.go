package platform

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// checkGRPC sends an empty OTLP export: a valid request that stores nothing,
// so the answer tells reachability, service and credentials apart.
func checkGRPC(ctx context.Context, t Type, exp Export) error {
	reqText := "OTLP/gRPC Export to " + exp.DisplayURL
	creds := credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
	if exp.Insecure {
		creds = insecure.NewCredentials()
	}
	conn, err := grpc.NewClient(exp.URL, grpc.WithTransportCredentials(creds))
	if err != nil {
		return &CheckError{Type: t, Problem: WrongURL, Request: reqText, Detail: err.Error()}
	}
	defer conn.Close()
	md := metadata.MD{}
	for _, h := range exp.Headers {
		md.Append(strings.ToLower(h.Name), h.Value)
	}
	ctx = metadata.NewOutgoingContext(ctx, md)
	_, err = ptraceotlp.NewGRPCClient(conn).Export(ctx, ptraceotlp.NewExportRequest(), grpc.WaitForReady(false))
	return classifyGRPC(t, reqText, err)
}

func classifyGRPC(t Type, reqText string, err error) error {
	if err == nil {
		return nil
	}
	e := &CheckError{Type: t, Request: reqText}
	st, _ := status.FromError(err)
	e.Detail = "gRPC " + st.Code().String()
	switch st.Code() {
	case codes.Unauthenticated, codes.PermissionDenied:
		e.Problem, e.Detail = Rejected, lookup(t).rejectedHint+" (gRPC "+st.Code().String()+")"
	case codes.Unimplemented:
		e.Problem = WrongURL
		e.Detail = "gRPC Unimplemented: no OTLP trace service at this address"
	case codes.Unavailable, codes.DeadlineExceeded:
		e.Problem = Unreachable
		e.Detail = st.Message()
		if errors.Is(err, context.DeadlineExceeded) || st.Code() == codes.DeadlineExceeded {
			e.Detail = "timed out"
		}
	default:
		e.Problem = Unexpected
		e.Detail = "gRPC " + st.Code().String() + ": " + st.Message()
	}
	return e
}
