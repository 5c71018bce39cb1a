package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// On shutdown the app keeps serving through the drain delay with /health 503 (so the endpoint
// is removed before the listener closes), then lets an in-flight request finish.
func TestShutdownDrainsThenFinishesInFlight(t *testing.T) {
	cfg := testConfig()
	cfg.DrainDelay = 2 * time.Second
	cfg.Faults[FaultSlow] = true
	cfg.SlowDelay = 1500 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, log.New(io.Discard, "", 0), func(a string) { addr <- a }) }()
	url := "http://" + <-addr
	cancel()
	time.Sleep(100 * time.Millisecond)
	// t = 0.1 s: draining; the (slow) health answer comes at about 1.6 s, still inside the drain.
	if r := get(t, url+"/health"); r.status != 503 || !strings.Contains(r.body, "shutting down") {
		t.Fatalf("health while draining: %d %s", r.status, r.body)
	}
	if r := get(t, url+"/metrics"); r.status != 200 {
		t.Fatalf("metrics while draining: %d", r.status)
	}
	// Sent before the listener closes (2 s), answered after (about 3.1 s): Shutdown waits for it.
	t0 := time.Now()
	if r := get(t, url+"/api/v1/items"); r.status != 200 {
		t.Fatalf("in-flight request: %d", r.status)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop")
	}
	if time.Since(t0) < cfg.SlowDelay {
		t.Fatalf("in-flight request was not slow: %s", time.Since(t0))
	}
	if _, err := client.Get(url + "/health"); err == nil {
		t.Fatal("still listening after run returned")
	}
}

// The real program: SIGTERM ends it with exit 0; a crash release exits 1; bad env exits 2.
func TestProgramSignalsAndExitCodes(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), "ACV2_APP_TEST_AS_MAIN=1", "HOST=127.0.0.1", "PORT="+strconv.Itoa(port), "ACV2_DRAIN_SECONDS=0")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	if !sc.Scan() || !strings.Contains(sc.Text(), "listening on 127.0.0.1:"+strconv.Itoa(port)) {
		_ = cmd.Process.Kill()
		t.Fatalf("first line: %q", sc.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	if r := get(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/health"); r.status != 200 {
		t.Fatalf("health %d", r.status)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("no exit within 20s of SIGTERM")
	}

	for env, code := range map[string]int{"ACV2_FAULTS=crash": 1, "PORT=0": 2} {
		c := exec.Command(self)
		c.Env = append(os.Environ(), "ACV2_APP_TEST_AS_MAIN=1", "HOST=127.0.0.1", env)
		err := c.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != code {
			t.Errorf("%s: %v, want exit %d", env, err, code)
		}
	}
}

