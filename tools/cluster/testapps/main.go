// Command testapp serves the test cluster's workloads: an HTTP server (/bytes/<n>, /echo, WebSocket echo
// at /ws), a TCP echo, a UDP echo and a gRPC echo (grpc.go). Every server answers with the pod's name so
// tests can tell backends apart; the client modes call them through ktctl's mesh router.
//
//	testapp serve [-http :8080] [-tcp :9000] [-udp :9001] [-grpc :9090]   (an empty address turns a server off)
//	testapp grpc-call <host:port> [--header k=v]... [--text t]   (one unary and one streaming call)
//	testapp ws-call <ws://host:port/ws> [--header k=v]... [message...]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `usage: testapp serve [-http :8080] [-tcp :9000] [-udp :9001] [-grpc :9090]
       testapp grpc-call <host:port> [--header k=v]... [--text t]
       testapp ws-call <ws://host:port/ws> [--header k=v]... [message...]`

// headerFlags collects repeated --header k=v flags.
type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ",") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2:])
	case "grpc-call", "ws-call":
		client(os.Args[1], os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
}

// client runs one of the client modes: target first, then flags, then (ws-call) messages.
func client(mode string, args []string) {
	if len(args) < 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	var headers headerFlags
	fs.Var(&headers, "header", "request header or gRPC metadata k=v (repeatable)")
	text := fs.String("text", "hello", "text sent in gRPC calls")
	_ = fs.Parse(args[1:])
	var err error
	if mode == "grpc-call" {
		err = grpcCall(args[0], headers, *text)
	} else {
		messages := fs.Args()
		if len(messages) == 0 {
			messages = []string{"hello"}
		}
		err = wsCall(args[0], headers, messages)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", mode, err)
		os.Exit(1)
	}
}

func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	httpAddr := fs.String("http", ":8080", "HTTP listen address")
	tcpAddr := fs.String("tcp", ":9000", "TCP echo listen address")
	udpAddr := fs.String("udp", ":9001", "UDP echo listen address")
	grpcAddr := fs.String("grpc", ":9090", "gRPC echo listen address")
	_ = fs.Parse(args)

	errs := make(chan error, 4)
	if *httpAddr != "" {
		go func() { errs <- serveHTTP(*httpAddr) }()
	}
	if *tcpAddr != "" {
		go func() { errs <- serveTCPEcho(*tcpAddr) }()
	}
	if *udpAddr != "" {
		go func() { errs <- serveUDPEcho(*udpAddr) }()
	}
	if *grpcAddr != "" {
		go func() { errs <- serveGRPC(*grpcAddr) }()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-errs:
		log.Fatal(err)
	case s := <-sig:
		log.Printf("stopping on %s", s)
	}
}

// podName names this replica in every answer.
func podName() string {
	if n := os.Getenv("POD_NAME"); n != "" {
		return n
	}
	h, _ := os.Hostname()
	return h
}
