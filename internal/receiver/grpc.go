package receiver

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // senders may gzip
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
)

// NewGRPCServer returns a gRPC server with the OTLP trace and metrics
// services registered.
func NewGRPCServer(c Consumer, o Options) *grpc.Server {
	o = o.withDefaults()
	srv := grpc.NewServer(
		grpc.MaxRecvMsgSize(int(o.MaxBytes)),
		grpc.UnaryInterceptor(authInterceptor(o)),
	)
	ptraceotlp.RegisterGRPCServer(srv, &traceService{c: c, o: o})
	pmetricotlp.RegisterGRPCServer(srv, &metricService{c: c})
	return srv
}

func authInterceptor(o Options) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		if o.Token != "" {
			md, _ := metadata.FromIncomingContext(ctx)
			vals := md.Get("authorization")
			if len(vals) != 1 || !authorized(o.Token, vals[0]) {
				o.Metrics.refused("grpc", "auth", 0)
				return nil, status.Error(codes.Unauthenticated, "missing or invalid bearer token")
			}
		}
		return next(ctx, req)
	}
}

type traceService struct {
	ptraceotlp.UnimplementedGRPCServer
	c Consumer
	o Options
}

func (s *traceService) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	td := req.Traces()
	n := td.SpanCount()
	resp := ptraceotlp.NewExportResponse()
	res, err := s.c.ConsumeTraces(ctx, td)
	if err != nil {
		if errors.Is(err, pipeline.ErrOverloaded) {
			s.o.Metrics.refused("grpc", "overloaded", n)
			// RESOURCE_EXHAUSTED is retryable for OTLP senders only with RetryInfo.
			st, _ := status.New(codes.ResourceExhausted, err.Error()).WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Second)})
			return resp, st.Err()
		}
		s.o.Metrics.refused("grpc", "internal", n)
		s.o.Logger.Error("processing traces failed", "err", err)
		return resp, status.Error(codes.Unavailable, "temporary failure, retry later")
	}
	s.o.Metrics.received("grpc", n, res.Rejected)
	if res.Rejected > 0 {
		resp.PartialSuccess().SetRejectedSpans(res.Rejected)
		resp.PartialSuccess().SetErrorMessage(res.Message)
	}
	return resp, nil
}

type metricService struct {
	pmetricotlp.UnimplementedGRPCServer
	c Consumer
}

func (s *metricService) Export(ctx context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	if err := s.c.ConsumeMetrics(ctx, req.Metrics()); err != nil {
		return pmetricotlp.NewExportResponse(), status.Error(codes.Unavailable, err.Error())
	}
	return pmetricotlp.NewExportResponse(), nil
}
