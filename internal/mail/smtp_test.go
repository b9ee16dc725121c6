package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	coopmail "coopconnect/internal/mail"
	"coopconnect/internal/testkit"
)

func TestSMTPConfig_Validate(t *testing.T) {
	good := coopmail.SMTPConfig{Host: "smtp.example.org", Username: "coop", Password: "s3cret", From: from}
	tests := []struct {
		name    string
		edit    func(*coopmail.SMTPConfig)
		wantErr string // "" for valid
	}{
		{"complete", func(c *coopmail.SMTPConfig) {}, ""},
		{"disabled", func(c *coopmail.SMTPConfig) { *c = coopmail.SMTPConfig{} }, ""},
		{"implicit TLS", func(c *coopmail.SMTPConfig) { c.TLS = "tls"; c.Port = 465 }, ""},
		{"no auth", func(c *coopmail.SMTPConfig) { c.Username, c.Password = "", "" }, ""},
		{"clear text on loopback", func(c *coopmail.SMTPConfig) { c.Host, c.TLS = "127.0.0.1", "none" }, ""},
		{"unknown TLS", func(c *coopmail.SMTPConfig) { c.TLS = "ssl" }, `TLS must be "starttls", "tls" or "none"`},
		{"port out of range", func(c *coopmail.SMTPConfig) { c.Port = 70000 }, "out of range"},
		{"port in host", func(c *coopmail.SMTPConfig) { c.Host = "smtp.example.org:587" }, "must not contain a port"},
		{"no sender", func(c *coopmail.SMTPConfig) { c.From = "" }, "sender (From) is required"},
		{"bad sender", func(c *coopmail.SMTPConfig) { c.From = "coop" }, "not an email address"},
		{"password without username", func(c *coopmail.SMTPConfig) { c.Username = "" }, "without a username"},
		{"username without password", func(c *coopmail.SMTPConfig) { c.Password = "" }, "has no password"},
		{"password in clear", func(c *coopmail.SMTPConfig) { c.TLS = "none" }, "in clear"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got %v, want valid", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestSMTPConfig_LogValueHidesThePassword(t *testing.T) {
	var buf bytes.Buffer
	c := coopmail.SMTPConfig{Host: "smtp.example.org", Username: "coop", Password: "s3cret", From: from}
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "smtp", c)
	if strings.Contains(buf.String(), "s3cret") || !strings.Contains(buf.String(), "smtp.example.org") {
		t.Errorf("log: got %q, want the host and no password", buf.String())
	}
}

func TestSend_DeliversThroughAuthenticatedSMTP(t *testing.T) {
	srv := testkit.StartSMTP(t)
	srv.Username, srv.Password = "coop", "s3cret"
	m := coopmail.Message{To: "Zoé <zoe@example.org>", Subject: "Accès à l'espace « Les Tilleuls »", Text: "Bonjour,\n.point\nÀ bientôt\n", HTML: "<p>Bonjour</p>"}

	if err := coopmail.Send(context.Background(), srv.Config(), m, now); err != nil {
		t.Fatal(err)
	}

	got := srv.WaitFor(t, "zoe@example.org", 5*time.Second)
	if got.Subject != m.Subject || got.Text != m.Text || got.HTML != m.HTML {
		t.Errorf("received subject %q text %q html %q, want %q %q %q", got.Subject, got.Text, got.HTML, m.Subject, m.Text, m.HTML)
	}
	if got.From != "noreply@coopconnect.test" {
		t.Errorf("envelope sender: got %q, want noreply@coopconnect.test", got.From)
	}
}

func TestSend_ReportsFailuresWithoutThePassword(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*testkit.SMTPServer, *coopmail.SMTPConfig)
		wantErr string
	}{
		{"wrong password", func(s *testkit.SMTPServer, c *coopmail.SMTPConfig) { c.Password = "wrong-s3cret" }, "535"},
		{"server failing", func(s *testkit.SMTPServer, c *coopmail.SMTPConfig) { s.SetFailing(true) }, "451"},
		{"STARTTLS missing with a password", func(s *testkit.SMTPServer, c *coopmail.SMTPConfig) { c.TLS = "starttls" }, "does not offer STARTTLS"},
		{"nobody listening", func(s *testkit.SMTPServer, c *coopmail.SMTPConfig) { c.Port = 1 }, "connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testkit.StartSMTP(t)
			srv.Username, srv.Password = "coop", "s3cret"
			c := srv.Config()
			tt.setup(srv, &c)
			err := coopmail.Send(context.Background(), c, coopmail.Message{To: "zoe@example.org", Subject: "s", Text: "t"}, now)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("messages received: got %d, want 0", n)
			}
		})
	}
}

func TestSend_StopsWithItsContext(t *testing.T) {
	srv := testkit.StartSMTP(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := coopmail.Send(ctx, srv.Config(), coopmail.Message{To: "zoe@example.org", Subject: "s", Text: "t"}, now)
	if err == nil {
		t.Error("got no error with a cancelled context, want one")
	}
}
