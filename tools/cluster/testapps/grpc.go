package main

// A gRPC echo for the mesh router's e2e: no generated code, the messages are protobuf's well-known
// StringValue (request) and Struct (reply), so any client with the service and method names can call it.
//
//	service kt.testapp.Echo {
//	  rpc Unary  (google.protobuf.StringValue) returns (google.protobuf.Struct);
//	  rpc Stream (google.protobuf.StringValue) returns (stream google.protobuf.Struct);  // 3 replies
//	}
//
// Every reply names the pod that answered and carries the metadata it received.

import (
	"context"
	"fmt"
	"log"
	"net"
	"sort"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const (
	echoService  = "kt.testapp.Echo"
	streamCount  = 3
	unaryMethod  = "/" + echoService + "/Unary"
	streamMethod = "/" + echoService + "/Stream"
)

type echoServer interface{}

type echoImpl struct{}

var echoDesc = grpc.ServiceDesc{
	ServiceName: echoService,
	HandlerType: (*echoServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Unary",
		Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			return echoReply(ctx, "Unary", in.GetValue(), 0)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Stream",
		ServerStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			for i := 0; i < streamCount; i++ {
				reply, err := echoReply(stream.Context(), "Stream", in.GetValue(), i)
				if err != nil {
					return err
				}
				if err := stream.SendMsg(reply); err != nil {
					return err
				}
			}
			return nil
		},
	}},
}

// echoReply is {pod, method, text, index, metadata: {key: "v1,v2"}}.
func echoReply(ctx context.Context, method, text string, index int) (*structpb.Struct, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	received := map[string]any{}
	for k, vs := range md {
		received[k] = strings.Join(vs, ",")
	}
	return structpb.NewStruct(map[string]any{"pod": podName(), "method": method, "text": text, "index": index, "metadata": received})
}

func serveGRPC(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s := grpc.NewServer()
	s.RegisterService(&echoDesc, echoImpl{})
	log.Printf("grpc echo on %s", addr)
	return s.Serve(l)
}

// grpcCall does one unary and one server-streaming call to target with the given metadata and prints
// one line per reply: `<method> <index> pod=<pod> metadata=<k=v;...>`.
func grpcCall(target string, headers []string, text string) error {
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx := context.Background()
	for _, h := range headers {
		k, v, ok := strings.Cut(h, "=")
		if !ok {
			return fmt.Errorf("--header wants k=v, got %q", h)
		}
		ctx = metadata.AppendToOutgoingContext(ctx, k, v)
	}
	in := wrapperspb.String(text)
	reply := new(structpb.Struct)
	if err := conn.Invoke(ctx, unaryMethod, in, reply); err != nil {
		return fmt.Errorf("unary: %w", err)
	}
	printReply(reply)
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, streamMethod)
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	if err := stream.SendMsg(in); err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	if err := stream.CloseSend(); err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	for {
		r := new(structpb.Struct)
		if err := stream.RecvMsg(r); err != nil {
			if err.Error() == "EOF" || strings.HasSuffix(err.Error(), "EOF") {
				return nil
			}
			return fmt.Errorf("stream: %w", err)
		}
		printReply(r)
	}
}

func printReply(r *structpb.Struct) {
	m := r.AsMap()
	md, _ := m["metadata"].(map[string]any)
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, fmt.Sprintf("%s=%v", k, md[k]))
	}
	fmt.Printf("%v %v pod=%v metadata=%s\n", m["method"], m["index"], m["pod"], strings.Join(pairs, ";"))
}
