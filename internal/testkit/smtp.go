package testkit

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/mail"
)

// maxSMTPMessage bounds what the test server accepts in DATA.
const maxSMTPMessage = 10 << 20

// SMTPServer is an in-process SMTP server for tests, on 127.0.0.1. It
// speaks enough of RFC 5321 for net/smtp: EHLO/HELO (advertising AUTH
// PLAIN), AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP and QUIT, and keeps the
// messages it accepts.
type SMTPServer struct {
	Host string
	Port int
	// Username and Password, when set before Config is called, are the only
	// credentials AUTH accepts, and AUTH is then required before MAIL.
	Username, Password string

	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	msgs  []ReceivedMessage
	fail  bool
	added chan struct{} // closed and replaced at each new message
}

// ReceivedMessage is a message the server accepted, with the parts tests
// look at decoded.
type ReceivedMessage struct {
	From    string   // envelope sender
	To      []string // envelope recipients
	Raw     []byte   // the message as received, dot-unstuffed, CRLF line ends
	Subject string   // decoded
	Text    string   // the decoded text/plain part
	HTML    string   // the decoded text/html part, if any
}

// StartSMTP starts a server on a random port of 127.0.0.1, stopped at the
// end of the test.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp test server: %v", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	s := &SMTPServer{Host: "127.0.0.1", Port: addr.Port, ln: ln, conns: map[net.Conn]struct{}{}, added: make(chan struct{})}
	s.wg.Go(s.serve)
	t.Cleanup(s.stop)
	return s
}

// Config returns an SMTP configuration for this server, without TLS.
func (s *SMTPServer) Config() mail.SMTPConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return mail.SMTPConfig{
		Host: s.Host, Port: s.Port, TLS: mail.TLSNone,
		Username: s.Username, Password: s.Password,
		From: "Coop-connect <noreply@coopconnect.test>",
	}
}

// SetFailing makes the server answer MAIL with a temporary failure (451),
// or, with false, accept messages again.
func (s *SMTPServer) SetFailing(failing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = failing
}

// Messages returns the messages accepted so far, oldest first.
func (s *SMTPServer) Messages() []ReceivedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ReceivedMessage(nil), s.msgs...)
}

// WaitFor returns the first message for the recipient to, waiting up to
// timeout for it; the test fails if none comes.
func (s *SMTPServer) WaitFor(t testing.TB, to string, timeout time.Duration) ReceivedMessage {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		added := s.added
		for _, m := range s.msgs {
			for _, rcpt := range m.To {
				if strings.EqualFold(rcpt, to) {
					s.mu.Unlock()
					return m
				}
			}
		}
		s.mu.Unlock()
		select {
		case <-added:
		case <-deadline.C:
			t.Fatalf("smtp test server: no message for %s within %v (%d received)", to, timeout, len(s.Messages()))
		}
	}
}

func (s *SMTPServer) stop() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *SMTPServer) serve() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return // closed by stop
		}
		s.mu.Lock()
		s.conns[conn] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.mu.Unlock()
				conn.Close()
			}()
			_ = conn.SetDeadline(time.Now().Add(time.Minute))
			s.session(conn)
		})
	}
}

// session runs one SMTP conversation.
func (s *SMTPServer) session(conn net.Conn) {
	r := bufio.NewReader(conn)
	reply := func(lines ...string) {
		var b strings.Builder
		for i, l := range lines {
			sep := " "
			if i < len(lines)-1 {
				sep = "-"
			}
			b.WriteString(l[:3] + sep + l[4:] + "\r\n")
		}
		_, _ = io.WriteString(conn, b.String())
	}
	s.mu.Lock()
	username, password := s.Username, s.Password
	s.mu.Unlock()
	authed := username == ""
	var from string
	var rcpts []string
	hasFrom := false

	reply("220 coopconnect.test ESMTP test server")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250 coopconnect.test", "250 AUTH PLAIN", "250 8BITMIME")
		case "HELO":
			reply("250 coopconnect.test")
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 only AUTH PLAIN")
				continue
			}
			if initial == "" {
				reply("334 ")
				if initial, err = r.ReadString('\n'); err != nil {
					return
				}
				initial = strings.TrimRight(initial, "\r\n")
			}
			if checkPlain(initial, username, password) {
				authed = true
				reply("235 2.7.0 authenticated")
			} else {
				reply("535 5.7.8 authentication failed")
			}
		case "MAIL":
			s.mu.Lock()
			failing := s.fail
			s.mu.Unlock()
			addr, ok := pathArg(arg, "FROM:")
			switch {
			case failing:
				reply("451 4.3.0 test server failing on purpose")
			case !authed:
				reply("530 5.7.0 authentication required")
			case !ok:
				reply("501 5.5.4 syntax: MAIL FROM:<address>")
			default:
				from, hasFrom, rcpts = addr, true, nil
				reply("250 2.1.0 ok")
			}
		case "RCPT":
			addr, ok := pathArg(arg, "TO:")
			switch {
			case !hasFrom:
				reply("503 5.5.1 MAIL first")
			case !ok || addr == "":
				reply("501 5.5.4 syntax: RCPT TO:<address>")
			default:
				rcpts = append(rcpts, addr)
				reply("250 2.1.5 ok")
			}
		case "DATA":
			if len(rcpts) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			reply("354 end with <CR><LF>.<CR><LF>")
			raw, err := readData(r)
			if err != nil {
				reply("552 5.3.4 " + err.Error())
				return
			}
			s.add(parseReceived(from, rcpts, raw))
			from, hasFrom, rcpts = "", false, nil
			reply("250 2.0.0 queued")
		case "RSET":
			from, hasFrom, rcpts = "", false, nil
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not implemented")
		}
	}
}

func (s *SMTPServer) add(m ReceivedMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.added)
	s.added = make(chan struct{})
}

// checkPlain checks an AUTH PLAIN response (RFC 4616: authzid NUL authcid
// NUL password, in base64); without configured credentials any is accepted.
func checkPlain(response, username, password string) bool {
	b, err := base64.StdEncoding.DecodeString(response)
	if err != nil {
		return false
	}
	fields := strings.Split(string(b), "\x00")
	if len(fields) != 3 {
		return false
	}
	return username == "" || (fields[1] == username && fields[2] == password)
}

// pathArg parses "FROM:<addr> params" or "TO:<addr>" (keyword
// case-insensitive) and returns addr.
func pathArg(arg, keyword string) (string, bool) {
	if len(arg) < len(keyword) || !strings.EqualFold(arg[:len(keyword)], keyword) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(keyword):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	addr, _, ok := strings.Cut(rest[1:], ">")
	return addr, ok
}

// readData reads a DATA body up to the lone dot, removing the dot that
// doubles a line's leading dot (RFC 5321 §4.5.2).
func readData(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" || line == ".\n" {
			return b.Bytes(), nil
		}
		line = strings.TrimPrefix(line, ".") // dot-unstuffing
		if b.Len()+len(line) > maxSMTPMessage {
			return nil, errors.New("message too big")
		}
		b.WriteString(line)
	}
}

// parseReceived decodes what tests look at; a message that does not parse
// keeps only its envelope and Raw.
func parseReceived(from string, to []string, raw []byte) ReceivedMessage {
	m := ReceivedMessage{From: from, To: to, Raw: raw}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m
	}
	if subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = subject
	}
	_ = walkParts(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	return m
}

// walkParts fills m.Text and m.HTML with the first text/plain and
// text/html parts of an entity, descending into multiparts.
func walkParts(contentType, encoding string, body io.Reader, m *ReceivedMessage) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable itself
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkParts(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m); err != nil {
				return err
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil
	}
	data, err := io.ReadAll(decodeTransfer(encoding, body))
	if err != nil {
		return err
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if mediaType == "text/plain" && m.Text == "" {
		m.Text = text
	} else if mediaType == "text/html" && m.HTML == "" {
		m.HTML = text
	}
	return nil
}

func decodeTransfer(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(encoding) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r) // skips line breaks
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}
