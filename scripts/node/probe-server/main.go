// Command probe-server is the tiny image the node test runs (tests/e2e/node.test.ts): an HTTP
// server on :8000 (PORT overrides) whose answers let the test see what the kubelet and runtime
// really did. GET /health answers 200 "ok"; GET /whoami reports the uid and gid the process runs
// as and whether the root filesystem is writable (it tries to create a file at /); any other path
// is 404, so a readiness probe on it never passes. EXIT_AT_START=<code> exits at once with that
// code (a crash at start, for CrashLoopBackOff).
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
)

func main() {
	if v := os.Getenv("EXIT_AT_START"); v != "" {
		code, err := strconv.Atoi(v)
		if err != nil || code == 0 {
			code = 1
		}
		fmt.Fprintf(os.Stderr, "probe-server: EXIT_AT_START=%s, exiting with %d\n", v, code)
		os.Exit(code)
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8000"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, _ *http.Request) {
		host, _ := os.Hostname()
		f, err := os.Create("/probe-write-test")
		writable := err == nil
		if writable {
			f.Close()
			os.Remove("/probe-write-test")
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"uid": os.Getuid(), "gid": os.Getgid(), "hostname": host, "rootWritable": writable,
		})
	})
	mux.HandleFunc("/", http.NotFound)
	fmt.Fprintf(os.Stderr, "probe-server: listening on :%s as uid %d\n", port, os.Getuid())
	if err := http.ListenAndServe(":"+port, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
