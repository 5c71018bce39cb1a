package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestHealthIsJSONAndOK(t *testing.T) {
	a := start(t, testConfig())
	r := get(t, a.url+"/health")
	if r.status != 200 || r.json["status"] != "ok" || r.json["version"] != "test" || r.json["database"] != "not configured" {
		t.Fatalf("GET /health: %d %s", r.status, r.body)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("content type %q", r.header.Get("Content-Type"))
	}
	// The committed example's body assertion.
	if !strings.Contains(r.body, `"status":"ok"`) {
		t.Fatalf("body %s", r.body)
	}
}

func TestSecurityHeadersAndNoLeakingHeaders(t *testing.T) {
	a := start(t, testConfig())
	r := get(t, a.url+"/health")
	for k := range secureHeaders {
		if r.header.Get(k) == "" {
			t.Errorf("missing %s", k)
		}
	}
	for _, k := range []string{"Server", "X-Powered-By"} {
		if r.header.Get(k) != "" {
			t.Errorf("leaks %s: %s", k, r.header.Get(k))
		}
	}
}

// The series and labels the alert rules query: http_requests_total{method,path,status} and
// http_request_duration_seconds_bucket{method,path,le}, counted per request.
func TestMetricsCountRequestsInPrometheusFormat(t *testing.T) {
	a := start(t, testConfig())
	for i := 0; i < 3; i++ {
		get(t, a.url+"/health")
	}
	get(t, a.url+"/nope")
	r := get(t, a.url+"/metrics")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %q", r.status, r.header.Get("Content-Type"))
	}
	want := []string{
		"# TYPE http_requests_total counter",
		`http_requests_total{method="GET",path="/health",status="200"} 3`,
		`http_requests_total{method="GET",path="other",status="404"} 1`,
		"# TYPE http_request_duration_seconds histogram",
		`http_request_duration_seconds_bucket{method="GET",path="/health",le="+Inf"} 3`,
		`http_request_duration_seconds_count{method="GET",path="/health"} 3`,
		`app_info{version="test"} 1`,
	}
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Errorf("missing %q in\n%s", w, r.body)
		}
	}
	// Every sample line is `name{labels} value` or `name value` with a numeric value.
	line := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (\S+)$`)
	for _, l := range strings.Split(strings.TrimSpace(r.body), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("not exposition format: %q", l)
		}
		if _, err := strconv.ParseFloat(m[2], 64); err != nil {
			t.Fatalf("value of %q: %v", l, err)
		}
	}
	// Buckets are cumulative and end at the count.
	b := regexp.MustCompile(`http_request_duration_seconds_bucket\{method="GET",path="/health",le="[^"]+"\} (\d+)`).FindAllStringSubmatch(r.body, -1)
	prev := -1
	for _, m := range b {
		n, _ := strconv.Atoi(m[1])
		if n < prev {
			t.Fatalf("buckets not cumulative: %v", b)
		}
		prev = n
	}
	if prev != 3 || len(b) != len(durationBuckets)+1 {
		t.Fatalf("buckets %v", b)
	}
}

func TestAPIEndpointsOfTheExampleConfig(t *testing.T) {
	a := start(t, testConfig())
	if r := get(t, a.url+"/api/v1/status"); r.status != 200 || r.json["status"] != "ok" {
		t.Fatalf("status: %d %s", r.status, r.body)
	}
	r := get(t, a.url+"/api/v1/items")
	items, _ := r.json["items"].([]any)
	if r.status != 200 || len(items) != 2 || items[0].(map[string]any)["id"] != float64(1) || items[1].(map[string]any)["name"] != "b" {
		t.Fatalf("items: %d %s", r.status, r.body)
	}
	if r := do(t, "POST", a.url+"/api/v1/echo", strings.NewReader(`{"ping":"pong"}`), nil); r.status != 200 || r.json["ping"] != "pong" {
		t.Fatalf("echo: %d %s", r.status, r.body)
	}
	if r := do(t, "POST", a.url+"/api/v1/echo", strings.NewReader(`{not json`), nil); r.status != 400 {
		t.Fatalf("echo of bad JSON: %d %s", r.status, r.body)
	}
	if r := get(t, a.url+"/api/v1/missing"); r.status != 404 {
		t.Fatalf("missing: %d", r.status)
	}
}

func TestAPITokenRequiredWhenSet(t *testing.T) {
	cfg := testConfig()
	cfg.APIToken = "tok-canary-81f2"
	a := start(t, cfg)
	if r := get(t, a.url+"/api/v1/status"); r.status != 401 || strings.Contains(r.body, "tok-canary") {
		t.Fatalf("no token: %d %s", r.status, r.body)
	}
	if r := do(t, "GET", a.url+"/api/v1/status", nil, map[string]string{"Authorization": "Bearer wrong"}); r.status != 401 {
		t.Fatalf("wrong token: %d", r.status)
	}
	if r := do(t, "GET", a.url+"/api/v1/status", nil, map[string]string{"Authorization": "Bearer tok-canary-81f2"}); r.status != 200 {
		t.Fatalf("right token: %d %s", r.status, r.body)
	}
	if r := get(t, a.url+"/health"); r.status != 200 {
		t.Fatalf("/health needs no token: %d", r.status)
	}
}

func TestConfigDefaultsAndErrors(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{}))
	if err != nil || c.Port != 8000 || c.ListenPort() != 8000 || len(c.Faults) != 0 || c.Version != "dev" {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, err = LoadConfig(env(map[string]string{"PORT": "9000", "ACV2_IMAGE_TAG": "2.0.0"}))
	if err != nil || c.Port != 9000 || c.Version != "2.0.0" || len(c.Faults) != 0 {
		t.Fatalf("PORT: %+v %v", c, err)
	}
	_, err = LoadConfig(env(map[string]string{"PORT": "70000", "ACV2_SLOW_MS": "-1", "ACV2_FAULTS": "explode"}))
	for _, w := range []string{"PORT: must be an integer from 1 to 65535", "ACV2_SLOW_MS", `unknown fault "explode"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("want %q in %v", w, err)
		}
	}
	if _, err := LoadConfig(env(map[string]string{"ACV2_FAULTS": "wrong-port", "PORT": "8001", "ACV2_WRONG_PORT": "8001"})); err == nil {
		t.Error("wrong-port onto PORT itself accepted")
	}
}

func TestBadDatabaseURLIsRefusedWithoutEchoingIt(t *testing.T) {
	cfg := testConfig()
	cfg.DatabaseURL = "postgres://u:pw-canary-19@127.0.0.1:1/db?sslmode=bogus"
	err := run(t.Context(), cfg, nil, nil)
	if err == nil || strings.Contains(err.Error(), "pw-canary") || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("got %v", err)
	}
}
