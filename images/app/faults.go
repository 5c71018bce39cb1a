package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A fault is part of a release: a Deployment can only change the image and the env, so each
// fault is switched on by ACV2_FAULTS (comma-separated) or by the suffix of the image tag, which
// scripts/build-app-image writes into the image config as ACV2_IMAGE_TAG (`2.0.0-crash`).
const (
	FaultCrash     = "crash"      // exit 1 at start, before listening
	FaultNeverReady = "never-ready" // /health is 503 from the start, so readiness never passes
	Fault503       = "503"        // /health 200 until ACV2_FAULT_AFTER_SECONDS of uptime, 503 after
	FaultSlow      = "slow"       // every response except /metrics held ACV2_SLOW_MS
	FaultLeak      = "leak"       // every request retains ACV2_LEAK_KB of touched memory, never freed
	FaultWrongPort = "wrong-port" // listens on ACV2_WRONG_PORT (default PORT+1), not on PORT
)

var knownFaults = []string{FaultCrash, FaultNeverReady, Fault503, FaultSlow, FaultLeak, FaultWrongPort}

// Config is everything the app reads from its environment.
type Config struct {
	Host            string
	Port            int
	Version         string
	DatabaseURL     string
	APIToken        string
	Faults          map[string]bool
	FaultAfter      time.Duration
	SlowDelay       time.Duration
	LeakBytes       int
	WrongPort       int
	DrainDelay      time.Duration
	ShutdownTimeout time.Duration
}

// Has reports whether a fault is on.
func (c Config) Has(f string) bool { return c.Faults[f] }

// FaultList is the sorted list of faults that are on.
func (c Config) FaultList() []string {
	out := make([]string, 0, len(c.Faults))
	for f := range c.Faults {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// ListenPort is where the app really listens: PORT, unless the wrong-port fault moves it.
func (c Config) ListenPort() int {
	if c.Has(FaultWrongPort) {
		return c.WrongPort
	}
	return c.Port
}

// faultFromTag returns the fault a tag's suffix names (`2.0.0-never-ready` -> never-ready), or "".
func faultFromTag(tag string) string {
	for _, f := range knownFaults {
		if strings.HasSuffix(tag, "-"+f) {
			return f
		}
	}
	return ""
}

func intEnv(getenv func(string) string, key string, def, min, max int) (int, error) {
	raw := strings.TrimSpace(getenv(key))
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("%s: must be an integer from %d to %d", key, min, max)
	}
	return n, nil
}

// LoadConfig reads the environment. Errors name the variable and the rule, never its value
// (DATABASE_URL and API_TOKEN are secrets).
func LoadConfig(getenv func(string) string) (Config, error) {
	var errs []string
	num := func(key string, def, min, max int) int {
		n, err := intEnv(getenv, key, def, min, max)
		if err != nil {
			errs = append(errs, err.Error())
		}
		return n
	}
	c := Config{
		Host:        getenv("HOST"),
		Port:        num("PORT", 8000, 1, 65535),
		DatabaseURL: getenv("DATABASE_URL"),
		APIToken:    getenv("API_TOKEN"),
		Faults:      map[string]bool{},
	}
	c.Version = getenv("APP_VERSION")
	tag := getenv("ACV2_IMAGE_TAG")
	if c.Version == "" {
		c.Version = tag
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if f := faultFromTag(tag); f != "" {
		c.Faults[f] = true
	}
	for _, f := range strings.Split(getenv("ACV2_FAULTS"), ",") {
		f = strings.TrimSpace(f)
		if f == "" || f == "none" {
			continue
		}
		ok := false
		for _, k := range knownFaults {
			ok = ok || k == f
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("ACV2_FAULTS: unknown fault %q (known: %s)", f, strings.Join(knownFaults, ", ")))
			continue
		}
		c.Faults[f] = true
	}
	c.FaultAfter = time.Duration(num("ACV2_FAULT_AFTER_SECONDS", 20, 0, 86400)) * time.Second
	c.SlowDelay = time.Duration(num("ACV2_SLOW_MS", 1000, 0, 600000)) * time.Millisecond
	c.LeakBytes = num("ACV2_LEAK_KB", 4096, 1, 1<<20) * 1024
	c.WrongPort = num("ACV2_WRONG_PORT", c.Port%65535+1, 1, 65535)
	c.DrainDelay = time.Duration(num("ACV2_DRAIN_SECONDS", 5, 0, 300)) * time.Second
	c.ShutdownTimeout = time.Duration(num("ACV2_SHUTDOWN_TIMEOUT_SECONDS", 20, 1, 300)) * time.Second
	if c.Has(FaultWrongPort) && c.WrongPort == c.Port {
		errs = append(errs, "ACV2_WRONG_PORT: must differ from PORT when the wrong-port fault is on")
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid environment: %s", strings.Join(errs, "; "))
	}
	return c, nil
}
