package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The app's contract: GET /health, GET /metrics and the API the program's example and tests
// call (examples/verify.yaml, tests/fixtures/fixtureService.ts).
var knownPaths = map[string]bool{"/health": true, "/metrics": true, "/api/v1/status": true, "/api/v1/items": true, "/api/v1/echo": true}

// The headers the security check requires; HSTS belongs to the HTTPS edge, but an app that
// sets it costs nothing. Go's server adds no Server or X-Powered-By header.
var secureHeaders = map[string]string{
	"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
	"X-Content-Type-Options":    "nosniff",
	"X-Frame-Options":           "DENY",
	"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
}

// Pinger checks the database; nil when DATABASE_URL is unset.
type Pinger interface {
	Ping(ctx context.Context) error
}

// App serves the contract. Fields are read-only after NewApp except the atomics and the leak.
type App struct {
	cfg      Config
	metrics  *Metrics
	db       Pinger
	started  time.Time
	draining atomic.Bool
	leakMu   sync.Mutex
	leak     [][]byte
	leaked   atomic.Int64
}

func NewApp(cfg Config, db Pinger) *App {
	a := &App{cfg: cfg, db: db, started: time.Now()}
	a.metrics = NewMetrics(cfg.Version, func() int { return int(a.leaked.Load()) })
	return a
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (a *App) sendJSON(w http.ResponseWriter, status int, body any) {
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// retain keeps n bytes alive forever, each page written so they count as resident memory.
func (a *App) retain(n int) {
	buf := make([]byte, n)
	for i := 0; i < n; i += 4096 {
		buf[i] = 1
	}
	a.leakMu.Lock()
	a.leak = append(a.leak, buf)
	a.leakMu.Unlock()
	a.leaked.Add(int64(n))
}

func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	path := r.URL.Path
	for k, v := range secureHeaders {
		w.Header().Set(k, v)
	}
	sw := &statusWriter{ResponseWriter: w}
	if path != "/metrics" {
		if a.cfg.Has(FaultLeak) {
			a.retain(a.cfg.LeakBytes)
		}
		if a.cfg.Has(FaultSlow) && a.cfg.SlowDelay > 0 {
			select {
			case <-time.After(a.cfg.SlowDelay):
			case <-r.Context().Done():
			}
		}
	}
	a.route(sw, r, path)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	label := path
	if !knownPaths[label] {
		label = "other"
	}
	a.metrics.Observe(r.Method, label, sw.status, time.Since(start))
}

func (a *App) route(w http.ResponseWriter, r *http.Request, path string) {
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case path == "/metrics" && get:
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		a.metrics.WriteText(w)
	case path == "/health" && get:
		a.health(w, r)
	case len(path) > 5 && path[:5] == "/api/":
		a.api(w, r, path)
	default:
		a.sendJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	}
}

func (a *App) health(w http.ResponseWriter, r *http.Request) {
	body := map[string]string{"status": "ok", "version": a.cfg.Version, "database": "not configured"}
	status := http.StatusOK
	fail := func(reason string) {
		status = http.StatusServiceUnavailable
		body["status"] = "unavailable"
		body["reason"] = reason
	}
	switch {
	case a.draining.Load():
		fail("shutting down")
	case a.cfg.Has(FaultNeverReady):
		fail("fault: never-ready")
	case a.cfg.Has(Fault503) && time.Since(a.started) >= a.cfg.FaultAfter:
		fail("fault: 503")
	}
	if a.db != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		err := a.db.Ping(ctx)
		cancel()
		if err != nil {
			body["database"] = "unreachable"
			if status == http.StatusOK {
				fail("database unreachable")
			}
		} else {
			body["database"] = "ok"
		}
	}
	a.sendJSON(w, status, body)
}

func (a *App) api(w http.ResponseWriter, r *http.Request, path string) {
	if a.cfg.APIToken != "" {
		want := []byte("Bearer " + a.cfg.APIToken)
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			a.sendJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
			return
		}
	}
	switch {
	case path == "/api/v1/status" && r.Method == http.MethodGet:
		a.sendJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": a.cfg.Version, "faults": a.cfg.FaultList()})
	case path == "/api/v1/items" && r.Method == http.MethodGet:
		a.sendJSON(w, http.StatusOK, map[string]any{"items": []map[string]any{{"id": 1, "name": "a"}, {"id": 2, "name": "b"}}})
	case path == "/api/v1/echo" && r.Method == http.MethodPost:
		raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
		if err != nil || len(raw) > 1<<20 {
			a.sendJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "body must be JSON of at most 1 MiB"})
			return
		}
		var v any
		if len(raw) > 0 && json.Unmarshal(raw, &v) != nil {
			a.sendJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON"})
			return
		}
		a.sendJSON(w, http.StatusOK, v)
	default:
		a.sendJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	}
}
