// Package mail builds and sends email. Messages go through an outbox table
// in the caller's transaction; a job of the queue sends them over SMTP, or,
// without SMTP configuration, they are held in the outbox where the
// coordinator can read them, so that the demo works offline.
//
// Neither the SMTP password nor message bodies are ever logged.
package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Message is an email to one recipient: a plain text body, an optional HTML
// alternative and optional attachments. To may carry a display name
// ("Zoé Martin <zoe@example.org>").
type Message struct {
	To, Subject, Text, HTML string
	Attachments             []Attachment
}

// Attachment is a file joined to a message, such as an invitation with
// ContentType "text/calendar; method=REQUEST".
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// ErrHeaderInjection is returned for a line break in a header value: it
// would let the value add headers (Bcc…) or end the header block.
var ErrHeaderInjection = errors.New("mail: line break in a header value")

// check validates m without a sender; it returns the recipient.
func (m Message) check() (*mail.Address, error) {
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return nil, ErrHeaderInjection
	}
	to, err := parseAddress("recipient", m.To)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(m.Subject) == "" {
		return nil, errors.New("mail: the subject is empty")
	}
	if m.Text == "" {
		return nil, errors.New("mail: the text body is empty (every message has a plain text part)")
	}
	for _, a := range m.Attachments {
		if a.Name == "" || strings.ContainsFunc(a.Name, isControl) || strings.ContainsFunc(a.ContentType, isControl) {
			return nil, fmt.Errorf("mail: attachment name %q or type %q is empty or has control characters", a.Name, a.ContentType)
		}
		if a.ContentType != "" {
			if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
				return nil, fmt.Errorf("mail: attachment %q: content type %q: %w", a.Name, a.ContentType, err)
			}
		}
	}
	return to, nil
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// parseAddress parses one address, with an optional display name.
func parseAddress(role, s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, ErrHeaderInjection
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("mail: %s %q is not an email address: %w", role, s, err)
	}
	return a, nil
}

// domain returns the part of an address after its last @.
func domain(address string) string { return address[strings.LastIndexByte(address, '@')+1:] }

// Build returns m as an RFC 5322 message from the address from, dated now:
// UTF-8 headers encoded as RFC 2047 words, a random Message-ID on the
// sender's domain, the text and HTML bodies as a quoted-printable
// multipart/alternative, wrapped in multipart/mixed with the attachments in
// base64 when there are some. Lines end in CRLF.
func Build(from string, m Message, now time.Time) ([]byte, error) {
	sender, err := parseAddress("sender", from)
	if err != nil {
		return nil, err
	}
	to, err := m.check()
	if err != nil {
		return nil, err
	}

	body := textPart("text/plain", m.Text)
	if m.HTML != "" {
		body = multipartOf("alternative", body, textPart("text/html", m.HTML))
	}
	if len(m.Attachments) > 0 {
		parts := []part{body}
		for _, a := range m.Attachments {
			parts = append(parts, attachmentPart(a))
		}
		body = multipartOf("mixed", parts...)
	}

	var b bytes.Buffer
	writeHeader := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	writeHeader("From", sender.String())
	writeHeader("To", to.String())
	writeHeader("Subject", encodeHeader(m.Subject))
	writeHeader("Date", now.Format(time.RFC1123Z))
	writeHeader("Message-ID", "<"+rand.Text()+"@"+domain(sender.Address)+">")
	writeHeader("MIME-Version", "1.0")
	for _, name := range []string{"Content-Type", "Content-Transfer-Encoding"} {
		if v := body.header.Get(name); v != "" {
			writeHeader(name, v)
		}
	}
	b.WriteString("\r\n")
	b.Write(body.body)
	return b.Bytes(), nil
}

// encodeHeader encodes a header value as RFC 2047 words when it is not
// plain ASCII, one word per folded line to keep lines short.
func encodeHeader(s string) string {
	return strings.ReplaceAll(mime.QEncoding.Encode("utf-8", s), "?= =?", "?=\r\n =?")
}

// part is a MIME entity: its header and its encoded body.
type part struct {
	header textproto.MIMEHeader
	body   []byte
}

// Writes to a bytes.Buffer cannot fail: the parts below ignore those errors.

func textPart(mediaType, s string) part {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mediaType+"; charset=utf-8")
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	return part{h, b.Bytes()}
}

func attachmentPart(a Attachment) part {
	mediaType, params := "application/octet-stream", map[string]string{}
	if a.ContentType != "" {
		mediaType, params, _ = mime.ParseMediaType(a.ContentType) // checked by Message.check
	}
	params["name"] = a.Name
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType(mediaType, params))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h.Set("Content-Transfer-Encoding", "base64")
	// RFC 2045 limits encoded lines to 76 characters.
	enc := base64.StdEncoding.EncodeToString(a.Data)
	var b bytes.Buffer
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return part{h, b.Bytes()}
}

func multipartOf(subtype string, parts ...part) part {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		pw, _ := w.CreatePart(p.header)
		_, _ = pw.Write(p.body)
	}
	_ = w.Close()
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType("multipart/"+subtype, map[string]string{"boundary": w.Boundary()}))
	return part{h, b.Bytes()}
}
