package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/config"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

// testServer is the real server, started on a random port for one test.
type testServer struct {
	*Main
	URL  string // http://localhost:PORT
	SMTP *testkit.SMTPServer
}

// startServer boots the whole application on engine, with the SMTP
// settings of smtp (nil: no SMTP, emails stay in the outbox), and stops it
// when the test ends. The host is "localhost", where browsers accept the
// __Host- session cookie over plain HTTP.
func startServer(t testing.TB, engine db.Engine, smtp *testkit.SMTPServer) *testServer {
	t.Helper()
	return startServerOn(t, testkit.NewDBLocation(t, engine), smtp, nil)
}

// startServerOn is startServer on the database at location, with a clock
// (nil: the system's).
func startServerOn(t testing.TB, location string, smtp *testkit.SMTPServer, clock coop.Clock) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	c := config.Default()
	c.Addr = ln.Addr().String()
	c.DB = location
	c.BaseURL = "http://localhost:" + port
	if smtp != nil {
		c.SMTP = smtp.Config()
		c.SMTP.From = "Coop-connect <ne-pas-repondre@coop-connect.test>"
	}
	if err := c.Validate(config.ScopeServer); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	m, err := Open(ctx, c, log, clock)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && err != http.ErrServerClosed {
				t.Errorf("server stopped with %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("server did not stop within 20 s")
		}
		m.Close()
	})
	return &testServer{Main: m, URL: c.BaseURL, SMTP: smtp}
}

// testWriter sends the server's warnings and errors to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// runJobs processes the due jobs now (emails), instead of waiting for the
// worker's next poll.
func (s *testServer) runJobs(t testing.TB) {
	t.Helper()
	if _, err := s.Jobs.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}
