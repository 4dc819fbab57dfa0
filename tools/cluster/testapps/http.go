package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
)

// maxBytes bounds /bytes/<n> so a typo in a test cannot stream forever.
const maxBytes = 1 << 30

func serveHTTP(addr string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/bytes/", handleBytes)
	mux.HandleFunc("/echo", handleEcho)
	mux.Handle("/ws", wsEcho)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Pod-Name", podName())
		_, _ = fmt.Fprintf(w, "hello from %s\n", podName())
	})
	log.Printf("http on %s", addr)
	return http.ListenAndServe(addr, mux)
}

// handleBytes answers /bytes/<n> with n bytes of a repeating pattern (offset i holds byte i%256).
func handleBytes(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/bytes/"), 10, 64)
	if err != nil || n < 0 || n > maxBytes {
		http.Error(w, fmt.Sprintf("want /bytes/<n> with 0 <= n <= %d", maxBytes), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.Header().Set("X-Pod-Name", podName())
	var chunk [64 << 10]byte
	for i := range chunk {
		chunk[i] = byte(i)
	}
	for n > 0 {
		k := int64(len(chunk))
		if n < k {
			k = n
		}
		if _, err := w.Write(chunk[:k]); err != nil {
			return
		}
		n -= k
	}
}

// handleEcho sends the request body back, with the request's method, path and headers as X-Echo-* headers.
func handleEcho(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Pod-Name", podName())
	w.Header().Set("X-Echo-Method", r.Method)
	w.Header().Set("X-Echo-Uri", r.URL.RequestURI())
	for k, vs := range r.Header {
		w.Header().Set("X-Echo-Header-"+k, strings.Join(vs, ","))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	_, _ = io.Copy(w, r.Body)
}
