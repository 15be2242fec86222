package receiver

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/gzip" // senders may gzip
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/llmops/terraform-provider-llmops/internal/pipeline"
)

// The OTLP services, served from raw bytes: the receiver decodes requests
// itself, so a malformed payload is answered InvalidArgument (grpc-go's own
// decoding would say Internal) and the request's size is known exactly for
// the memory budget.
const (
	traceService  = "opentelemetry.proto.collector.trace.v1.TraceService"
	metricService = "opentelemetry.proto.collector.metrics.v1.MetricsService"
)

// NewGRPCServer returns a gRPC server with the OTLP trace and metrics
// services registered, panics recovered, connections bounded and idle ones
// closed.
func NewGRPCServer(c Consumer, o Options) *grpc.Server {
	o = o.withDefaults()
	srv := grpc.NewServer(
		grpc.MaxRecvMsgSize(int(o.MaxBytes)),
		grpc.ForceServerCodecV2(rawCodec{proto: encoding.GetCodecV2("proto")}),
		grpc.ChainUnaryInterceptor(recoverInterceptor(o.Logger, o.Metrics), authInterceptor(o)),
		// Refuse before reading the message when the budget is spent.
		grpc.InTapHandle(func(ctx context.Context, _ *tap.Info) (context.Context, error) {
			if o.Admission.Full() {
				o.Metrics.refused("grpc", "memory", 0)
				return ctx, retryLater(errOverBudget.Error())
			}
			return ctx, nil
		}),
		grpc.MaxConcurrentStreams(o.MaxConcurrentStreams),
		// A connection that never completes its HTTP/2 preface is closed.
		grpc.ConnectionTimeout(o.HandshakeTimeout),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: o.IdleTimeout, Time: time.Minute, Timeout: 20 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)
	r := &grpcReceiver{c: c, o: o}
	srv.RegisterService(serviceDesc(traceService, r.exportTraces), r)
	srv.RegisterService(serviceDesc(metricService, r.exportMetrics), r)
	return srv
}

func authInterceptor(o Options) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		if o.Token != "" {
			md, _ := metadata.FromIncomingContext(ctx)
			vals := md.Get("authorization")
			if len(vals) != 1 || !Authorized(o.Token, vals[0]) {
				o.Metrics.refused("grpc", "auth", 0)
				return nil, status.Error(codes.Unauthenticated, "missing or invalid bearer token")
			}
		}
		return next(ctx, req)
	}
}

// retryLater is RESOURCE_EXHAUSTED with RetryInfo: OTLP senders retry it
// only when RetryInfo is present.
func retryLater(msg string) error {
	st, _ := status.New(codes.ResourceExhausted, msg).WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Second)})
	return st.Err()
}

type grpcReceiver struct {
	c Consumer
	o Options
}

func (g *grpcReceiver) exportTraces(ctx context.Context, body []byte) (*rawMessage, error) {
	if err := g.admit(body); err != nil {
		return nil, err
	}
	defer g.o.Admission.Release(int64(len(body)))
	done := g.o.Admission.Process()
	defer done()
	n, res, decodeErr, err := consumeTraces(pipeline.WithYield(ctx, done), g.c, ctProto, body)
	done()
	if decodeErr != nil {
		g.o.Metrics.refused("grpc", "decode", 0)
		return nil, status.Error(codes.InvalidArgument, decodeErr.Error())
	}
	if err != nil {
		if errors.Is(err, pipeline.ErrOverloaded) {
			g.o.Metrics.refused("grpc", "overloaded", n)
			return nil, retryLater(err.Error())
		}
		if errors.Is(err, pipeline.ErrNoRoom) {
			g.o.Metrics.refused("grpc", "queue_disk_full", n)
			g.o.throttle.Log(g.o.Logger, slog.LevelError, "no-room", "request refused: the queue's volume is full", "transport", "grpc", "err", err)
			return nil, status.Error(codes.Unavailable, noRoomMessage)
		}
		g.o.Metrics.refused("grpc", "internal", n)
		g.o.throttle.Log(g.o.Logger, slog.LevelError, "grpc", "processing traces failed", "transport", "grpc", "err", err)
		return nil, status.Error(codes.Unavailable, "temporary failure, retry later")
	}
	g.o.Metrics.received("grpc", n, res.Rejected)
	resp := ptraceotlp.NewExportResponse()
	if res.Rejected > 0 {
		resp.PartialSuccess().SetRejectedSpans(res.Rejected)
		resp.PartialSuccess().SetErrorMessage(res.Message)
	}
	return marshalled(resp.MarshalProto())
}

func (g *grpcReceiver) exportMetrics(ctx context.Context, body []byte) (*rawMessage, error) {
	if err := g.admit(body); err != nil {
		return nil, err
	}
	defer g.o.Admission.Release(int64(len(body)))
	md, err := decodeMetrics(ctProto, body)
	if err != nil {
		g.o.Metrics.refused("grpc", "decode", 0)
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if err := g.c.ConsumeMetrics(ctx, md); err != nil {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	return marshalled(pmetricotlp.NewExportResponse().MarshalProto())
}

// admit charges a message that gRPC has read to the memory budget, or
// refuses it as retryable when the budget is spent.
func (g *grpcReceiver) admit(body []byte) error {
	if g.o.Admission.TryAcquire(int64(len(body))) {
		return nil
	}
	g.o.Metrics.refused("grpc", "memory", 0)
	return retryLater(errOverBudget.Error())
}

func marshalled(b []byte, err error) (*rawMessage, error) {
	if err != nil {
		return nil, status.Error(codes.Internal, "cannot encode the response")
	}
	return &rawMessage{b: b}, nil
}

// rawMessage carries a message's protobuf bytes through gRPC untouched.
type rawMessage struct{ b []byte }

// rawCodec passes rawMessage through and leaves every other type to the
// registered proto codec.
type rawCodec struct{ proto encoding.CodecV2 }

func (c rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	if m, ok := v.(*rawMessage); ok {
		return mem.BufferSlice{mem.SliceBuffer(m.b)}, nil
	}
	return c.proto.Marshal(v)
}

func (c rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if m, ok := v.(*rawMessage); ok {
		m.b = data.Materialize()
		return nil
	}
	return c.proto.Unmarshal(data, v)
}

func (rawCodec) Name() string { return "proto" }

// serviceDesc describes an OTLP service whose only method, Export, takes and
// returns raw bytes.
func serviceDesc(service string, export func(context.Context, []byte) (*rawMessage, error)) *grpc.ServiceDesc {
	full := "/" + service + "/Export"
	return &grpc.ServiceDesc{
		ServiceName: service,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{MethodName: "Export",
			Handler: func(_ any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
				in := &rawMessage{}
				if err := dec(in); err != nil {
					return nil, err
				}
				h := func(ctx context.Context, req any) (any, error) { return export(ctx, req.(*rawMessage).b) }
				if ic == nil {
					return h(ctx, in)
				}
				return ic(ctx, in, &grpc.UnaryServerInfo{Server: nil, FullMethod: full}, h)
			}}},
	}
}
