// Command testapp serves the test cluster's workloads: an HTTP server (/bytes/<n>, /echo), a TCP echo
// and a UDP echo. Every server answers with the pod's name so tests can tell backends apart.
//
//	testapp serve [-http :8080] [-tcp :9000] [-udp :9001]   (an empty address turns a server off)
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: testapp serve [-http :8080] [-tcp :9000] [-udp :9001]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	httpAddr := fs.String("http", ":8080", "HTTP listen address")
	tcpAddr := fs.String("tcp", ":9000", "TCP echo listen address")
	udpAddr := fs.String("udp", ":9001", "UDP echo listen address")
	_ = fs.Parse(os.Args[2:])

	errs := make(chan error, 3)
	if *httpAddr != "" {
		go func() { errs <- serveHTTP(*httpAddr) }()
	}
	if *tcpAddr != "" {
		go func() { errs <- serveTCPEcho(*tcpAddr) }()
	}
	if *udpAddr != "" {
		go func() { errs <- serveUDPEcho(*udpAddr) }()
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
