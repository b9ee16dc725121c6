package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/booking"
	"coopconnect/internal/config"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/demo"
	"coopconnect/internal/i18n"
	"coopconnect/internal/jobs"
	"coopconnect/internal/mail"
	"coopconnect/internal/opendata"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
	"coopconnect/internal/web"

	_ "time/tzdata" // Europe/Paris everywhere, whatever the host has
)

// Version is the module version the binary was built from.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Main is the running application: everything built from a Config.
type Main struct {
	Config   config.Config
	Log      *slog.Logger
	Clock    coop.Clock
	DB       *db.DB
	Jobs     *jobs.Queue
	Mailer   *mail.Mailer
	Accounts *accounts.Service
	Places   *places.Service
	Booking  *booking.Service
	Surveys  *survey.Service
	Calls    *ami.Service
	Web      *web.Server
}

// parseFlags binds and parses a subcommand's flags, then validates them.
func parseFlags(name string, args []string, scope config.Scope, stderr io.Writer, getenv func(string) string, extra func(fs *flag.FlagSet)) (*config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("coopconnect "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, envErr := config.Bind(fs, scope, getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, err
		}
		return nil, nil, usageError{err}
	}
	if fs.NArg() > 0 {
		return nil, nil, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if err := errors.Join(envErr, c.Validate(scope)); err != nil {
		return nil, nil, usageError{err}
	}
	return c, fs, nil
}

func newLogger(c config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Open builds the application: the database (migrated: a failing
// migration stops here), the services and the web server.
func Open(ctx context.Context, c config.Config, log *slog.Logger, clock coop.Clock) (*Main, error) {
	if clock == nil {
		clock = coop.SystemClock{}
	}
	m := &Main{Config: c, Log: log, Clock: clock}
	var err error
	m.DB, err = db.Open(ctx, c.DB, clock)
	if err != nil {
		return nil, usageError{fmt.Errorf("%w — check --db or COOPCONNECT_DB", err)}
	}
	if _, err := m.DB.Migrate(ctx, log); err != nil {
		m.DB.Close()
		return nil, fmt.Errorf("database migration failed, nothing of it was kept: %w", err)
	}
	cat, err := i18n.Load()
	if err != nil {
		m.DB.Close()
		return nil, err
	}
	communes, err := territory.Load()
	if err != nil {
		m.DB.Close()
		return nil, err
	}
	m.Jobs = jobs.New(m.DB, log)
	m.Mailer = mail.NewMailer(m.DB, m.Jobs, c.SMTP, log)
	m.Accounts = &accounts.Service{DB: m.DB, Hasher: accounts.NewHasher(max(1, runtime.NumCPU())), Mailer: m.Mailer, Catalogs: cat, BaseURL: c.BaseURL}
	m.Places = &places.Service{DB: m.DB, Communes: communes}
	imports := &opendata.Importer{DB: m.DB, Places: m.Places, Communes: communes}
	m.Booking = &booking.Service{DB: m.DB}
	m.Booking.Notify = (&booking.Mailer{Mailer: m.Mailer, Catalogs: cat, BaseURL: c.BaseURL}).Notify
	m.Surveys = &survey.Service{DB: m.DB, Territory: communes, Clock: clock}
	m.Calls = &ami.Service{DB: m.DB, Territory: communes, Mailer: m.Mailer, Catalogs: cat, Places: m.Places, BaseURL: c.BaseURL}
	m.Web, err = web.New(web.Deps{DB: m.DB, Accounts: m.Accounts, Mailer: m.Mailer, Jobs: m.Jobs, Places: m.Places, Booking: m.Booking, Surveys: m.Surveys, Calls: m.Calls, Imports: imports, Territory: communes,
		Catalogs: cat, Log: log, Clock: clock,
		BaseURL: c.BaseURL, TrustProxy: c.TrustProxy, Version: Version(), MapTiles: c.MapTiles, MapAttribution: c.MapAttribution})
	if err != nil {
		m.DB.Close()
		return nil, err
	}
	return m, nil
}

// Close releases the database.
func (m *Main) Close() error { return m.DB.Close() }

// Run serves until ctx is done, then shuts down gracefully: the server
// stops accepting, lets running requests finish (up to 15 s), and the
// background workers stop.
func (m *Main) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return usageError{fmt.Errorf("--addr %s: %w", m.Config.Addr, err)}
	}
	return m.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened (tests listen first to
// know the port of their base URL).
func (m *Main) Serve(ctx context.Context, ln net.Listener) error {
	var err error
	srv := &http.Server{
		Handler:           m.Web,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { m.Jobs.Run(bg) })
	wg.Go(func() { m.purge(bg) })
	wg.Go(func() { m.sweep(bg) })
	wg.Go(func() {
		if err := m.Surveys.Warm(bg); err != nil && bg.Err() == nil {
			m.Log.Error("survey results warm-up", "err", err)
		}
	})

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	m.Log.Info("serving", append([]any{"listen", ln.Addr().String(), "version", Version(), "engine", m.DB.Engine}, m.Config.Redacted()...)...)
	select {
	case err := <-errc:
		stopBG()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	m.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopBG()
	wg.Wait()
	m.Log.Info("stopped")
	return err
}

// Retention of finished jobs and of emails (personal data).
const (
	jobRetention   = 30 * 24 * time.Hour
	emailRetention = 90 * 24 * time.Hour
)

// purge removes, every hour, expired sessions and links, finished jobs and
// old emails.
func (m *Main) purge(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		now := m.Clock.Now()
		_, jerr := m.Jobs.Purge(ctx, now.Add(-jobRetention))
		_, merr := m.Mailer.Purge(ctx, now.Add(-emailRetention))
		if err := errors.Join(m.Accounts.PurgeSessions(ctx), jerr, merr); err != nil && ctx.Err() == nil {
			m.Log.Error("purge", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep ends, every minute, the waitlist offers not taken in time (the
// seat goes to the next in line) and the waitlists whose slot began.
func (m *Main) sweep(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if _, err := m.Booking.Sweep(ctx); err != nil && ctx.Err() == nil {
			m.Log.Error("booking sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// loadDemo loads the demo and prints its accounts.
func loadDemo(ctx context.Context, m *Main, out io.Writer) error {
	err := demo.Load(ctx, demo.Deps{Accounts: m.Accounts, Places: m.Places, Booking: m.Booking, Surveys: m.Surveys, Calls: m.Calls})
	if err != nil && !errors.Is(err, demo.ErrLoaded) {
		return err
	}
	if errors.Is(err, demo.ErrLoaded) {
		fmt.Fprintln(out, "The demo network is already loaded.")
	} else {
		fmt.Fprintln(out, "Demo network loaded.")
	}
	fmt.Fprintf(out, "Accounts (password %q):\n", demo.Password)
	for _, a := range demo.Accounts {
		fmt.Fprintf(out, "  %-36s %s\n", a.Email, a.Role)
	}
	return nil
}
