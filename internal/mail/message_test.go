package mail_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	coopmail "coopconnect/internal/mail"
)

var now = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const from = "Coop-connect <noreply@coop.example>"

// entity is a decoded MIME entity of a parsed message.
type entity struct {
	mediaType string
	params    map[string]string
	body      []byte   // decoded, for leaves
	parts     []entity // for multiparts
	disp      string   // Content-Disposition type
	dparams   map[string]string
}

// parse reads a message back with net/mail and mime/multipart only.
func parse(t *testing.T, raw []byte) (*mail.Message, entity) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, raw)
	}
	return msg, readEntity(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body)
}

func readEntity(t *testing.T, contentType, encoding, disposition string, body io.Reader) entity {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("content type %q: %v", contentType, err)
	}
	e := entity{mediaType: mt, params: params}
	if disposition != "" {
		if e.disp, e.dparams, err = mime.ParseMediaType(disposition); err != nil {
			t.Fatalf("content disposition %q: %v", disposition, err)
		}
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable
			if errors.Is(err, io.EOF) {
				return e
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			e.parts = append(e.parts, readEntity(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p))
		}
	}
	switch strings.ToLower(encoding) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	case "quoted-printable":
		t.Fatalf("top-level quoted-printable is not decoded by this helper")
	}
	if e.body, err = io.ReadAll(body); err != nil {
		t.Fatalf("body of %s: %v", mt, err)
	}
	return e
}

func TestBuild_ParsesBackWithFrenchSubjectBothPartsAndAttachment(t *testing.T) {
	invite := []byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Réunion\r\nEND:VCALENDAR\r\n" + strings.Repeat("x", 200))
	m := coopmail.Message{
		To:      "Zoé Martin <zoe@example.org>",
		Subject: "Votre réservation à la Maison des services de Saint-Étienne-de-Tinée est confirmée",
		Text:    "Bonjour Zoé,\n.ligne qui commence par un point\nÀ bientôt — l'équipe\n",
		HTML:    "<p>Bonjour Zoé,</p><p>À bientôt — l'équipe</p>",
		Attachments: []coopmail.Attachment{
			{Name: "réunion.ics", ContentType: "text/calendar; method=REQUEST; charset=utf-8", Data: invite},
		},
	}
	raw, err := coopmail.Build(from, m, now)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.SplitAfter(string(raw), "\n") {
		if line != "" && !strings.HasSuffix(line, "\r\n") {
			t.Fatalf("line %d does not end in CRLF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Fatalf("line %d is %d bytes long", i+1, len(line))
		}
	}

	msg, root := parse(t, raw)
	h := msg.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("subject: got %q (%v), want %q", subject, err, m.Subject)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Name != "Zoé Martin" || to[0].Address != "zoe@example.org" {
		t.Errorf("To: got %v (%v), want Zoé Martin <zoe@example.org>", to, err)
	}
	if fr, err := h.AddressList("From"); err != nil || len(fr) != 1 || fr[0].Address != "noreply@coop.example" {
		t.Errorf("From: got %v (%v), want noreply@coop.example", fr, err)
	}
	if date, err := h.Date(); err != nil || !date.Equal(now) {
		t.Errorf("Date: got %v (%v), want %v", date, err, now)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@coop.example>") {
		t.Errorf("Message-ID: got %q, want <…@coop.example>", id)
	}
	if v := h.Get("MIME-Version"); v != "1.0" {
		t.Errorf("MIME-Version: got %q, want 1.0", v)
	}

	if root.mediaType != "multipart/mixed" || len(root.parts) != 2 {
		t.Fatalf("root: got %s with %d parts, want multipart/mixed with 2", root.mediaType, len(root.parts))
	}
	alt, att := root.parts[0], root.parts[1]
	if alt.mediaType != "multipart/alternative" || len(alt.parts) != 2 {
		t.Fatalf("first part: got %s with %d parts, want multipart/alternative with 2", alt.mediaType, len(alt.parts))
	}
	wantText := strings.ReplaceAll(m.Text, "\n", "\r\n")
	if text := alt.parts[0]; text.mediaType != "text/plain" || text.params["charset"] != "utf-8" || string(text.body) != wantText {
		t.Errorf("text part: got %s %v %q, want text/plain utf-8 %q", text.mediaType, text.params, text.body, wantText)
	}
	if html := alt.parts[1]; html.mediaType != "text/html" || string(html.body) != m.HTML {
		t.Errorf("html part: got %s %q, want text/html %q", html.mediaType, html.body, m.HTML)
	}
	if att.mediaType != "text/calendar" || att.params["method"] != "REQUEST" {
		t.Errorf("attachment type: got %s %v, want text/calendar with method=REQUEST", att.mediaType, att.params)
	}
	if att.disp != "attachment" || att.dparams["filename"] != "réunion.ics" {
		t.Errorf("attachment disposition: got %s %v, want attachment réunion.ics", att.disp, att.dparams)
	}
	if !bytes.Equal(att.body, invite) {
		t.Errorf("attachment data: got %q, want %q", att.body, invite)
	}
}

func TestBuild_ShapeFollowsTheParts(t *testing.T) {
	tests := []struct {
		name string
		msg  coopmail.Message
		want string
	}{
		{"text only", coopmail.Message{To: "a@example.org", Subject: "Hello", Text: "hi"}, "text/plain"},
		{"text and html", coopmail.Message{To: "a@example.org", Subject: "Hello", Text: "hi", HTML: "<p>hi</p>"}, "multipart/alternative"},
		{"with attachment", coopmail.Message{To: "a@example.org", Subject: "Hello", Text: "hi",
			Attachments: []coopmail.Attachment{{Name: "a.bin", Data: []byte{0, 1, 2}}}}, "multipart/mixed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := coopmail.Build(from, tt.msg, now)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			mt, _, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
			if err != nil || mt != tt.want {
				t.Errorf("content type: got %q (%v), want %q", mt, err, tt.want)
			}
		})
	}
}

func TestBuild_MessageIDsAreUnique(t *testing.T) {
	m := coopmail.Message{To: "a@example.org", Subject: "Hello", Text: "hi"}
	ids := map[string]bool{}
	for range 20 {
		raw, err := coopmail.Build(from, m, now)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := mail.ReadMessage(bytes.NewReader(raw))
		id := msg.Header.Get("Message-ID")
		if ids[id] {
			t.Fatalf("Message-ID %s given twice", id)
		}
		ids[id] = true
	}
}

func TestBuild_RefusesHeaderInjection(t *testing.T) {
	ok := coopmail.Message{To: "zoe@example.org", Subject: "Bonjour", Text: "hi"}
	tests := []struct {
		name string
		from string
		edit func(*coopmail.Message)
	}{
		{"CRLF in To", from, func(m *coopmail.Message) { m.To = "zoe@example.org\r\nBcc: all@example.org" }},
		{"LF in To", from, func(m *coopmail.Message) { m.To = "zoe@example.org\nBcc: all@example.org" }},
		{"CRLF in Subject", from, func(m *coopmail.Message) { m.Subject = "Bonjour\r\nBcc: all@example.org" }},
		{"CR in Subject", from, func(m *coopmail.Message) { m.Subject = "Bonjour\rX-Evil: 1" }},
		{"LF in From", "noreply@coop.example\nBcc: all@example.org", func(m *coopmail.Message) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok
			tt.edit(&m)
			raw, err := coopmail.Build(tt.from, m, now)
			if !errors.Is(err, coopmail.ErrHeaderInjection) {
				t.Errorf("got %v (%d bytes), want ErrHeaderInjection", err, len(raw))
			}
		})
	}
}

func TestBuild_RefusesIncompleteMessages(t *testing.T) {
	tests := []struct {
		name string
		msg  coopmail.Message
	}{
		{"no recipient", coopmail.Message{Subject: "s", Text: "t"}},
		{"bad recipient", coopmail.Message{To: "not an address", Subject: "s", Text: "t"}},
		{"no subject", coopmail.Message{To: "a@example.org", Text: "t"}},
		{"no text", coopmail.Message{To: "a@example.org", Subject: "s", HTML: "<p>t</p>"}},
		{"attachment without a name", coopmail.Message{To: "a@example.org", Subject: "s", Text: "t",
			Attachments: []coopmail.Attachment{{ContentType: "text/plain"}}}},
		{"attachment with a bad type", coopmail.Message{To: "a@example.org", Subject: "s", Text: "t",
			Attachments: []coopmail.Attachment{{Name: "a", ContentType: "text/;;"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := coopmail.Build(from, tt.msg, now); err == nil {
				t.Error("got no error, want a refusal")
			}
		})
	}
}
