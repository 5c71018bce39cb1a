package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The series the program's alert rules, dashboard and monitoring checks read
// (components/specs/monitoringPrometheus.ts, monitoringGrafana.ts, Pulumi.production.yaml):
// http_requests_total{method,path,status} and the histogram http_request_duration_seconds{method,path},
// with the fixture service's buckets, plus process and Go runtime gauges for the leak fault.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

// Metrics holds the app's counters. Safe for concurrent use.
type Metrics struct {
	mu        sync.Mutex
	requests  map[[3]string]uint64
	durations map[[2]string]*histogram
	start     time.Time
	version   string
	leaked    func() int
}

func NewMetrics(version string, leaked func() int) *Metrics {
	return &Metrics{requests: map[[3]string]uint64{}, durations: map[[2]string]*histogram{}, start: time.Now(), version: version, leaked: leaked}
}

// Observe records one served request.
func (m *Metrics) Observe(method, path string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[3]string{method, path, strconv.Itoa(status)}]++
	k := [2]string{method, path}
	h := m.durations[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets))}
		m.durations[k] = h
	}
	s := d.Seconds()
	for i, b := range durationBuckets {
		if s <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += s
	h.count++
}

func label(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func fnum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// residentBytes reads the resident set size from /proc (0 where there is no /proc).
func residentBytes() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize())
}

// WriteText writes the Prometheus text exposition format (version 0.0.4).
func (m *Metrics) WriteText(w io.Writer) {
	m.mu.Lock()
	reqKeys := make([][3]string, 0, len(m.requests))
	for k := range m.requests {
		reqKeys = append(reqKeys, k)
	}
	sort.Slice(reqKeys, func(i, j int) bool { return strings.Join(reqKeys[i][:], "\x00") < strings.Join(reqKeys[j][:], "\x00") })
	var b strings.Builder
	b.WriteString("# HELP http_requests_total HTTP requests served\n# TYPE http_requests_total counter\n")
	for _, k := range reqKeys {
		fmt.Fprintf(&b, "http_requests_total{method=\"%s\",path=\"%s\",status=\"%s\"} %d\n", label(k[0]), label(k[1]), k[2], m.requests[k])
	}
	durKeys := make([][2]string, 0, len(m.durations))
	for k := range m.durations {
		durKeys = append(durKeys, k)
	}
	sort.Slice(durKeys, func(i, j int) bool { return durKeys[i][0]+"\x00"+durKeys[i][1] < durKeys[j][0]+"\x00"+durKeys[j][1] })
	b.WriteString("# HELP http_request_duration_seconds HTTP request duration\n# TYPE http_request_duration_seconds histogram\n")
	for _, k := range durKeys {
		h := m.durations[k]
		lbl := fmt.Sprintf("method=\"%s\",path=\"%s\"", label(k[0]), label(k[1]))
		var cum uint64
		for i, le := range durationBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "http_request_duration_seconds_bucket{%s,le=\"%s\"} %d\n", lbl, fnum(le), cum)
		}
		fmt.Fprintf(&b, "http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", lbl, h.count)
		fmt.Fprintf(&b, "http_request_duration_seconds_sum{%s} %s\n", lbl, fnum(h.sum))
		fmt.Fprintf(&b, "http_request_duration_seconds_count{%s} %d\n", lbl, h.count)
	}
	m.mu.Unlock()

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gauge := func(name, help, typ, value string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, typ, name, value)
	}
	fmt.Fprintf(&b, "# HELP app_info Build information\n# TYPE app_info gauge\napp_info{version=\"%s\"} 1\n", label(m.version))
	gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds", "gauge", fnum(float64(m.start.UnixNano())/1e9))
	gauge("process_resident_memory_bytes", "Resident memory size in bytes", "gauge", fnum(residentBytes()))
	gauge("go_memstats_heap_inuse_bytes", "Heap bytes in use", "gauge", strconv.FormatUint(ms.HeapInuse, 10))
	gauge("go_goroutines", "Number of goroutines", "gauge", strconv.Itoa(runtime.NumGoroutine()))
	gauge("app_leaked_bytes", "Bytes retained by the leak fault (0 when it is off)", "gauge", strconv.Itoa(m.leaked()))
	_, _ = io.WriteString(w, b.String())
}
