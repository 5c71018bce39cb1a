package main

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestMain lets a test re-run this binary as the real program (main(), signals and exit codes).
func TestMain(m *testing.M) {
	if os.Getenv("ACV2_APP_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testConfig: loopback, an ephemeral port, no drain delay.
func testConfig() Config {
	return Config{Host: "127.0.0.1", Port: 0, Version: "test", Faults: map[string]bool{}, FaultAfter: 20 * time.Second,
		SlowDelay: time.Second, LeakBytes: 1 << 20, DrainDelay: 0, ShutdownTimeout: 5 * time.Second}
}

type running struct {
	url  string
	stop context.CancelFunc
	done chan error
}

// start runs the app in-process; it is stopped when the test ends.
func start(t *testing.T, cfg Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, log.New(io.Discard, "", 0), func(a string) { addr <- a }) }()
	r := &running{stop: cancel, done: done}
	select {
	case a := <-addr:
		r.url = "http://" + a
	case err := <-done:
		cancel()
		t.Fatalf("app did not start: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("app did not start within 10s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("app did not stop within 30s")
		}
	})
	return r
}

var client = &http.Client{Timeout: 20 * time.Second}

type reply struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

func do(t *testing.T, method, url string, body io.Reader, header map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, header: res.Header, body: string(b)}
	_ = json.Unmarshal(b, &r.json)
	return r
}

func get(t *testing.T, url string) reply { return do(t, http.MethodGet, url, nil, nil) }

// freePort returns a loopback port nothing listens on (at the time of the call).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
