package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// runEtcd starts a single-member etcd 3.5 (the version Kubernetes 1.32 is tested with) on loopback.
func runEtcd() int {
	fs := flag.NewFlagSet("etcd", flag.ExitOnError)
	dataDir := fs.String("data-dir", "/var/lib/ktcluster/etcd", "where etcd keeps its data")
	client := fs.String("listen-client-url", "http://127.0.0.1:2379", "client URL (keep it on loopback)")
	peer := fs.String("listen-peer-url", "http://127.0.0.1:2380", "peer URL (keep it on loopback)")
	_ = fs.Parse(os.Args[1:])

	cfg := embed.NewConfig()
	cfg.Name = "ktcluster"
	cfg.Dir = *dataDir
	cfg.LogLevel = "warn"
	cfg.AutoCompactionMode = "periodic"
	cfg.AutoCompactionRetention = "1h"
	cu, pu := mustURL(*client), mustURL(*peer)
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd:", err)
		return 1
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
		fmt.Fprintln(os.Stderr, "etcd: ready on", cu.String())
	case <-time.After(60 * time.Second):
		fmt.Fprintln(os.Stderr, "etcd: not ready after 60s")
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		fmt.Fprintln(os.Stderr, "etcd: stopping on", s)
		return 0
	case err := <-e.Err():
		fmt.Fprintln(os.Stderr, "etcd:", err)
		return 1
	}
}

func mustURL(s string) url.URL {
	u, err := url.Parse(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd: bad URL", s, err)
		os.Exit(2)
	}
	return *u
}
