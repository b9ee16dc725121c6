// Package config reads the binary's settings: defaults, then COOPCONNECT_*
// environment variables (with _FILE variants for secrets), then flags,
// validated at start with messages that say what to fix.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"coopconnect/internal/db"
	"coopconnect/internal/mail"
)

// Config is every setting of the binary. Settings that operators change
// while running (security rules…) live in the database instead.
type Config struct {
	Addr       string // listen address of the web server
	DB         string // SQLite path or postgres:// URL
	BaseURL    string // public address, for links in emails
	LogFormat  string // text or json
	LogLevel   string // debug, info, warn, error
	TrustProxy bool   // take the client address from X-Forwarded-For
	SMTP       mail.SMTPConfig
	// MapTiles is the URL template of the map's tile server ({s}, {z},
	// {x}, {y}), MapAttribution the credit it requires.
	MapTiles       string
	MapAttribution string
}

// Default returns the settings of `make run`.
func Default() Config {
	return Config{
		Addr:      ":8080",
		DB:        "./data/coopconnect.db",
		BaseURL:   "http://localhost:8080",
		LogFormat: "text",
		LogLevel:  "info",
		SMTP:      mail.SMTPConfig{Port: 587, TLS: "starttls", From: "Coop-connect <ne-pas-repondre@coop-connect.localhost>"},
		// OpenStreetMap's tiles, under its tile usage policy: a network
		// with real traffic should use its own or a commercial server.
		MapTiles:       "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
		MapAttribution: "© OpenStreetMap",
	}
}

// Scope says which settings a subcommand takes.
type Scope int

// The scopes, each including the previous one.
const (
	ScopeDB     Scope = iota // --db and logging: every subcommand
	ScopeServer              // plus listening, public URL, SMTP
)

// Bind declares the flags of scope on fs, with their defaults taken from
// the environment (getenv) over the built-in ones. After fs.Parse, call
// Validate.
func Bind(fs *flag.FlagSet, scope Scope, getenv func(string) string) (*Config, error) {
	c := Default()
	var errs []error
	env := func(name string, dst *string) {
		if v := getenv("COOPCONNECT_" + name); v != "" {
			*dst = v
		}
	}
	secret := func(name string, dst *string) {
		env(name, dst)
		if path := getenv("COOPCONNECT_" + name + "_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				errs = append(errs, fmt.Errorf("COOPCONNECT_%s_FILE: %w", name, err))
				return
			}
			*dst = strings.TrimSpace(string(b))
		}
	}
	env("DB", &c.DB)
	env("LOG_FORMAT", &c.LogFormat)
	env("LOG_LEVEL", &c.LogLevel)
	fs.StringVar(&c.DB, "db", c.DB, "database: a SQLite file path or a postgres:// URL (env COOPCONNECT_DB)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (env COOPCONNECT_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error (env COOPCONNECT_LOG_LEVEL)")
	if scope >= ScopeServer {
		env("ADDR", &c.Addr)
		env("BASE_URL", &c.BaseURL)
		env("SMTP_HOST", &c.SMTP.Host)
		env("SMTP_USERNAME", &c.SMTP.Username)
		secret("SMTP_PASSWORD", &c.SMTP.Password)
		env("SMTP_FROM", &c.SMTP.From)
		env("SMTP_TLS", &c.SMTP.TLS)
		env("MAP_TILES", &c.MapTiles)
		env("MAP_ATTRIBUTION", &c.MapAttribution)
		port := strconv.Itoa(c.SMTP.Port)
		env("SMTP_PORT", &port)
		p, err := strconv.Atoi(port)
		if err != nil {
			errs = append(errs, fmt.Errorf("COOPCONNECT_SMTP_PORT=%q: a port number is expected", port))
		}
		c.SMTP.Port = p
		trust := strconv.FormatBool(c.TrustProxy)
		env("TRUST_PROXY", &trust)
		if c.TrustProxy, err = strconv.ParseBool(trust); err != nil {
			errs = append(errs, fmt.Errorf("COOPCONNECT_TRUST_PROXY=%q: true or false is expected", trust))
		}
		fs.StringVar(&c.Addr, "addr", c.Addr, "listen address, host:port (env COOPCONNECT_ADDR)")
		fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public base URL, for links in emails (env COOPCONNECT_BASE_URL)")
		fs.BoolVar(&c.TrustProxy, "trust-proxy", c.TrustProxy, "behind a reverse proxy: take the client address from X-Forwarded-For (env COOPCONNECT_TRUST_PROXY)")
		fs.StringVar(&c.SMTP.Host, "smtp-host", c.SMTP.Host, "SMTP server; empty keeps emails in the outbox (env COOPCONNECT_SMTP_HOST)")
		fs.IntVar(&c.SMTP.Port, "smtp-port", c.SMTP.Port, "SMTP port (env COOPCONNECT_SMTP_PORT)")
		fs.StringVar(&c.SMTP.Username, "smtp-username", c.SMTP.Username, "SMTP user name (env COOPCONNECT_SMTP_USERNAME)")
		fs.StringVar(&c.SMTP.From, "smtp-from", c.SMTP.From, "sender address of emails (env COOPCONNECT_SMTP_FROM)")
		fs.StringVar(&c.SMTP.TLS, "smtp-tls", c.SMTP.TLS, "starttls, tls or none (env COOPCONNECT_SMTP_TLS)")
		fs.StringVar(&c.MapTiles, "map-tiles", c.MapTiles, "map tile URL template, https://…/{z}/{x}/{y}.png (env COOPCONNECT_MAP_TILES)")
		fs.StringVar(&c.MapAttribution, "map-attribution", c.MapAttribution, "credit shown on the map for its tiles (env COOPCONNECT_MAP_ATTRIBUTION)")
		// The password has no flag: flags show in process lists. Use
		// COOPCONNECT_SMTP_PASSWORD or COOPCONNECT_SMTP_PASSWORD_FILE.
	}
	return &c, errors.Join(errs...)
}

// Validate checks the settings of scope.
func (c *Config) Validate(scope Scope) error {
	var errs []error
	if c.DB == "" {
		errs = append(errs, errors.New("--db: give a SQLite file path or a postgres:// URL"))
	} else if db.IsPostgres(c.DB) {
		// The server's host, or its Unix socket's folder as libpq writes
		// it: postgres://user@/name?host=/var/run/postgresql.
		if u, err := url.Parse(c.DB); err != nil || (u.Host == "" && !strings.HasPrefix(u.Query().Get("host"), "/")) {
			errs = append(errs, fmt.Errorf("--db: %q is not a valid postgres:// URL (postgres://user:password@host:5432/name, or postgres://user@/name?host=/var/run/postgresql for a Unix socket)", db.Redact(c.DB)))
		}
	} else if strings.Contains(c.DB, "://") {
		errs = append(errs, fmt.Errorf("--db: %q: only SQLite paths and postgres:// URLs are supported", db.Redact(c.DB)))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format: %q: use text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level: %q: use debug, info, warn or error", c.LogLevel))
	}
	if scope >= ScopeServer {
		if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("--addr: %q: use host:port, e.g. :8080 or 127.0.0.1:8080", c.Addr))
		}
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, fmt.Errorf("--base-url: %q: use an absolute http(s) address without path, e.g. https://coop-connect.example.fr", c.BaseURL))
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
		if t, err := url.Parse(strings.NewReplacer("{s}", "a", "{z}", "0", "{x}", "0", "{y}", "0", "{r}", "").Replace(c.MapTiles)); err != nil || t.Scheme != "https" || t.Host == "" ||
			!strings.Contains(c.MapTiles, "{z}") || !strings.Contains(c.MapTiles, "{x}") || !strings.Contains(c.MapTiles, "{y}") {
			errs = append(errs, fmt.Errorf("--map-tiles: %q: use an https URL template with {z}, {x} and {y}", c.MapTiles))
		}
		if err := c.SMTP.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Redacted returns the settings for logs, secrets hidden.
func (c Config) Redacted() []any {
	smtp := "off (outbox)"
	if c.SMTP.Host != "" {
		smtp = fmt.Sprintf("%s:%d (%s)", c.SMTP.Host, c.SMTP.Port, c.SMTP.TLS)
	}
	return []any{"addr", c.Addr, "db", db.Redact(c.DB), "base_url", c.BaseURL, "smtp", smtp, "log_format", c.LogFormat, "trust_proxy", c.TrustProxy}
}
