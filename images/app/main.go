// A reference implementation of agent-cellphone-v2's contract, built into the image that the
// e2e node runs (scripts/build-app-image): port 8000 (PORT), GET /health, GET /metrics, a small
// /api, a PostgreSQL ping when DATABASE_URL is set, and the release faults of faults.go.
// It writes nothing to disk, so it runs as a non-root user on a read-only root filesystem.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// run serves until ctx is done, then drains: /health answers 503 for DrainDelay while every
// other request is still served (endpoints need that long to drop the pod), then in-flight
// requests finish within ShutdownTimeout. ready, when set, gets the address it listens on.
func run(ctx context.Context, cfg Config, logger *log.Logger, ready func(addr string)) error {
	if cfg.Has(FaultCrash) {
		return errors.New("fault: crash at start")
	}
	var db Pinger
	if cfg.DatabaseURL != "" {
		p, err := newPgPinger(cfg.DatabaseURL)
		if err != nil {
			return err
		}
		defer p.Close()
		db = p
	}
	app := NewApp(cfg, db)
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.ListenPort()))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Printf("listening on %s (version %s, faults %v)", ln.Addr(), cfg.Version, cfg.FaultList())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	app.draining.Store(true)
	logger.Printf("signal received: draining for %s", cfg.DrainDelay)
	select {
	case <-time.After(cfg.DrainDelay):
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Printf("stopped")
	return nil
}

func main() {
	logger := log.New(os.Stderr, "acv2-app ", log.LstdFlags|log.LUTC)
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		logger.Print(err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, cfg, logger, nil); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}
