package main

import (
	"os"
	"strings"
	"testing"
)

// A database that refuses: /health is 503 and says so, without the DSN or its password.
func TestHealthWithUnreachableDatabase(t *testing.T) {
	cfg := testConfig()
	cfg.DatabaseURL = "postgres://acv2:pw-canary-7d1@127.0.0.1:1/acv2?connect_timeout=2"
	a := start(t, cfg)
	r := get(t, a.url+"/health")
	if r.status != 503 || r.json["database"] != "unreachable" || strings.Contains(r.body, "pw-canary") || strings.Contains(r.body, "127.0.0.1:1") {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// A real PostgreSQL (scripts/start-postgres; make test-app passes its URL):
// SELECT 1 round trip per /health.
func TestHealthWithRealDatabase(t *testing.T) {
	url := os.Getenv("ACV2_TEST_DATABASE_URL")
	if url == "" {
		t.Skip("ACV2_TEST_DATABASE_URL unset: no PostgreSQL to ping (make test-app sets it from scripts/start-postgres)")
	}
	cfg := testConfig()
	cfg.DatabaseURL = url
	a := start(t, cfg)
	for i := 0; i < 3; i++ {
		if r := get(t, a.url+"/health"); r.status != 200 || r.json["database"] != "ok" {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
}
