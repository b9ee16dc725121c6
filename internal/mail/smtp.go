package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// The TLS modes of SMTPConfig.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

const (
	dialTimeout    = 15 * time.Second
	sessionTimeout = time.Minute // bounds the whole SMTP exchange
)

// SMTPConfig says how to reach the SMTP server. TLS is "starttls" (the
// default: upgrade when the server offers it, and require it when a
// password is set), "tls" (implicit TLS, usually port 465) or "none". Port
// defaults to 587, 465 or 25 according to TLS.
type SMTPConfig struct {
	Host               string
	Port               int
	Username, Password string
	From               string // "Coop-connect <noreply@example.org>"
	TLS                string
}

// Enabled tells whether SMTP is configured; without it, messages are held
// in the outbox.
func (c SMTPConfig) Enabled() bool { return c.Host != "" }

// Validate checks the configuration of an enabled SMTP; a disabled one is
// valid.
func (c SMTPConfig) Validate() error {
	if !c.Enabled() {
		return nil
	}
	if strings.Contains(c.Host, ":") && net.ParseIP(c.Host) == nil {
		return fmt.Errorf("mail: SMTP host %q must not contain a port; set the port on its own", c.Host)
	}
	switch c.TLS {
	case "", TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("mail: SMTP TLS must be %q, %q or %q, not %q", TLSStartTLS, TLSImplicit, TLSNone, c.TLS)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("mail: SMTP port %d is out of range 1–65535", c.Port)
	}
	if c.From == "" {
		return errors.New(`mail: the SMTP sender (From) is required, e.g. "Coop-connect <noreply@example.org>"`)
	}
	if _, err := parseAddress("SMTP sender", c.From); err != nil {
		return err
	}
	if c.Username == "" && c.Password != "" {
		return errors.New("mail: an SMTP password is set without a username")
	}
	if c.Username != "" && c.Password == "" {
		return fmt.Errorf("mail: the SMTP username %q has no password", c.Username)
	}
	if c.Password != "" && c.tlsMode() == TLSNone && !isLoopback(c.Host) {
		return fmt.Errorf(`mail: SMTP TLS "none" would send the password in clear to %s; use %q or %q`, c.Host, TLSStartTLS, TLSImplicit)
	}
	return nil
}

// LogValue lets the configuration be logged without its password.
func (c SMTPConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.port()),
		slog.String("tls", c.tlsMode()),
		slog.String("username", c.Username),
		slog.Bool("password_set", c.Password != ""),
		slog.String("from", c.From),
	)
}

func (c SMTPConfig) tlsMode() string {
	if c.TLS == "" {
		return TLSStartTLS
	}
	return c.TLS
}

func (c SMTPConfig) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.tlsMode() == TLSImplicit:
		return 465
	case c.tlsMode() == TLSNone:
		return 25
	}
	return 587
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers m through the SMTP server of c, dated now. It gives up
// when ctx is done, after 15 seconds to connect, or after one minute for
// the whole exchange. Its errors never contain the password.
func Send(ctx context.Context, c SMTPConfig, m Message, now time.Time) error {
	if !c.Enabled() {
		return errors.New("mail: SMTP is not configured")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	raw, err := Build(c.From, m, now)
	if err != nil {
		return err
	}
	// Build has checked both addresses.
	from, _ := parseAddress("sender", c.From)
	to, _ := parseAddress("recipient", m.To)

	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.port()))
	dialCtx, cancel := context.WithTimeout(ctx, dialTimeout)
	conn, err := new(net.Dialer).DialContext(dialCtx, "tcp", addr)
	cancel()
	if err != nil {
		return fmt.Errorf("smtp: connect to %s: %w", addr, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(sessionTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("smtp: %s: %w", addr, err)
	}
	// Cancelling ctx unblocks any read or write in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	tlsConfig := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	if c.tlsMode() == TLSImplicit {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("smtp: TLS with %s: %w", addr, err)
		}
		conn = tc
	}
	client, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return fmt.Errorf("smtp: greeting of %s: %w", addr, err)
	}
	defer client.Close()

	if c.tlsMode() == TLSStartTLS {
		if ok, _ := client.Extension("STARTTLS"); ok {
			if err := client.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("smtp: STARTTLS with %s: %w", addr, err)
			}
		} else if c.Password != "" {
			return fmt.Errorf("smtp: %s does not offer STARTTLS; refusing to send the password in clear", addr)
		}
	}
	if c.Username != "" {
		// PlainAuth itself refuses to authenticate without TLS, except on
		// a loopback address.
		if err := client.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return fmt.Errorf("smtp: authenticate as %s on %s: %w", c.Username, addr, err)
		}
	}
	if err := client.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp: MAIL FROM on %s: %w", addr, err)
	}
	if err := client.Rcpt(to.Address); err != nil {
		return fmt.Errorf("smtp: RCPT TO on %s: %w", addr, err)
	}
	w, err := client.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA on %s: %w", addr, err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("smtp: sending the message to %s: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: message refused by %s: %w", addr, err)
	}
	// The message is accepted: a failing QUIT changes nothing.
	_ = client.Quit()
	return nil
}
