package main

import (
	"context"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5"
)

// pgPinger keeps one connection and runs a real protocol round trip (SELECT 1) per ping,
// reconnecting after a failure. Errors never carry the DSN (it holds the password).
type pgPinger struct {
	cfg  *pgx.ConnConfig
	mu   sync.Mutex
	conn *pgx.Conn
}

var errDatabase = errors.New("database ping failed")

func newPgPinger(dsn string) (*pgPinger, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("DATABASE_URL: not a valid PostgreSQL connection string")
	}
	return &pgPinger{cfg: cfg}, nil
}

func (p *pgPinger) Ping(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil {
		c, err := pgx.ConnectConfig(ctx, p.cfg)
		if err != nil {
			return errDatabase
		}
		p.conn = c
	}
	var one int
	if err := p.conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		_ = p.conn.Close(context.Background())
		p.conn = nil
		return errDatabase
	}
	return nil
}

func (p *pgPinger) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		_ = p.conn.Close(context.Background())
		p.conn = nil
	}
}
