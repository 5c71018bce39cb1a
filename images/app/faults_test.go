package main

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFaultsFromTagAndEnv(t *testing.T) {
	for _, f := range knownFaults {
		c, err := LoadConfig(env(map[string]string{"ACV2_IMAGE_TAG": "2.0.0-" + f}))
		if err != nil || !c.Has(f) || len(c.Faults) != 1 || c.Version != "2.0.0-"+f {
			t.Errorf("tag 2.0.0-%s: %v %v", f, c.FaultList(), err)
		}
		c, err = LoadConfig(env(map[string]string{"ACV2_FAULTS": " " + f + " "}))
		if err != nil || !c.Has(f) || len(c.Faults) != 1 {
			t.Errorf("ACV2_FAULTS=%s: %v %v", f, c.FaultList(), err)
		}
	}
	c, _ := LoadConfig(env(map[string]string{"ACV2_IMAGE_TAG": "2.0.0-rc.1", "ACV2_FAULTS": "slow,leak"}))
	if got := strings.Join(c.FaultList(), ","); got != "leak,slow" {
		t.Errorf("plain tag plus env: %s", got)
	}
	if c, _ := LoadConfig(env(map[string]string{"APP_VERSION": "v9", "ACV2_IMAGE_TAG": "2.0.0-slow"})); c.Version != "v9" || !c.Has(FaultSlow) {
		t.Errorf("APP_VERSION wins for the version, the tag still sets the fault: %+v", c)
	}
}

func TestFaultCrashExitsBeforeListening(t *testing.T) {
	cfg := testConfig()
	cfg.Faults[FaultCrash] = true
	listened := false
	err := run(t.Context(), cfg, nil, func(string) { listened = true })
	if err == nil || !strings.Contains(err.Error(), "crash") || listened {
		t.Fatalf("err %v, listened %v", err, listened)
	}
}

func TestFaultNeverReady(t *testing.T) {
	cfg := testConfig()
	cfg.Faults[FaultNeverReady] = true
	a := start(t, cfg)
	for i := 0; i < 3; i++ {
		if r := get(t, a.url+"/health"); r.status != 503 || r.json["status"] != "unavailable" {
			t.Fatalf("health %d %s", r.status, r.body)
		}
	}
	// Only readiness is broken: the rest of the app answers.
	if r := get(t, a.url+"/api/v1/items"); r.status != 200 {
		t.Fatalf("items %d", r.status)
	}
}

func TestFault503AfterReady(t *testing.T) {
	cfg := testConfig()
	cfg.Faults[Fault503] = true
	cfg.FaultAfter = 1500 * time.Millisecond
	a := start(t, cfg)
	if r := get(t, a.url+"/health"); r.status != 200 {
		t.Fatalf("before %s: %d %s", cfg.FaultAfter, r.status, r.body)
	}
	time.Sleep(cfg.FaultAfter)
	if r := get(t, a.url+"/health"); r.status != 503 || !strings.Contains(r.body, "fault: 503") {
		t.Fatalf("after %s: %d %s", cfg.FaultAfter, r.status, r.body)
	}
}

func TestFaultSlowDelaysEverythingButMetrics(t *testing.T) {
	cfg := testConfig()
	cfg.Faults[FaultSlow] = true
	cfg.SlowDelay = 400 * time.Millisecond
	a := start(t, cfg)
	t0 := time.Now()
	if r := get(t, a.url+"/health"); r.status != 200 {
		t.Fatalf("health %d", r.status)
	}
	if d := time.Since(t0); d < cfg.SlowDelay {
		t.Fatalf("/health took %s, want >= %s", d, cfg.SlowDelay)
	}
	r := get(t, a.url+"/metrics")
	// The slow request lands in a bucket at or above 0.5 s and none below 0.25 s.
	if !strings.Contains(r.body, `http_request_duration_seconds_bucket{method="GET",path="/health",le="0.25"} 0`) ||
		!strings.Contains(r.body, `http_request_duration_seconds_bucket{method="GET",path="/health",le="0.5"} 1`) {
		t.Fatalf("histogram does not show the delay:\n%s", r.body)
	}
}

func metricValue(t *testing.T, body, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in\n%s", name, body)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func TestFaultLeakRetainsResidentMemory(t *testing.T) {
	cfg := testConfig()
	cfg.Faults[FaultLeak] = true
	cfg.LeakBytes = 2 << 20
	a := start(t, cfg)
	before := get(t, a.url+"/metrics")
	rss0 := metricValue(t, before.body, "process_resident_memory_bytes")
	for i := 0; i < 40; i++ {
		get(t, a.url+"/api/v1/items")
	}
	after := get(t, a.url+"/metrics")
	if got := metricValue(t, after.body, "app_leaked_bytes"); got != float64(40*cfg.LeakBytes) {
		t.Fatalf("leaked %v, want %d", got, 40*cfg.LeakBytes)
	}
	// 80 MiB retained and touched: resident memory grows by most of it (GC cannot free it).
	if grow := metricValue(t, after.body, "process_resident_memory_bytes") - rss0; grow < 60<<20 {
		t.Fatalf("resident memory grew by %.0f bytes only", grow)
	}
}

func TestFaultWrongPortListensElsewhere(t *testing.T) {
	cfg := testConfig()
	cfg.Port = freePort(t)
	cfg.WrongPort = 0 // an ephemeral port: anything but PORT
	cfg.Faults[FaultWrongPort] = true
	a := start(t, cfg)
	if r := get(t, a.url+"/health"); r.status != 200 {
		t.Fatalf("on the wrong port: %d", r.status)
	}
	if a.url == fmt.Sprintf("http://127.0.0.1:%d", cfg.Port) {
		t.Fatal("listens on PORT")
	}
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", cfg.Port), 2*time.Second); err == nil {
		c.Close()
		t.Fatalf("PORT %d accepts connections", cfg.Port)
	}
}
