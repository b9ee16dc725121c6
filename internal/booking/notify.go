package booking

import (
	"context"
	"database/sql"
	"errors"
	"html"
	"net/mail"
	"strings"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/ical"
	coopmail "coopconnect/internal/mail"
)

// Mailer tells people of their bookings by email, in their language, with
// an .ics file that their calendar takes: a request for a confirmed or
// moved booking, a cancellation when it ends. Its Notify is the Service's
// hook: the email is written and prepared beforehand, and queued in the
// transaction that makes the change.
type Mailer struct {
	Mailer   *coopmail.Mailer
	Catalogs i18n.Catalogs
	BaseURL  string // https://coop-connect.example, for links
}

// Notify writes the email of a notice, and returns what queues it (nil
// when nobody is to be told). A walk-in visitor gets one when the staff
// gave an email address.
func (m *Mailer) Notify(ctx context.Context, tx *db.Tx, n Notice) (Tell, error) {
	b := n.Booking
	to, name, lang := "", b.GuestName, "fr"
	if member := n.Member; member != nil && b.UserID != nil && *b.UserID == member.ID {
		to, name, lang = member.Email, member.Name, member.Locale
	} else if b.UserID != nil {
		err := tx.QueryRowContext(ctx, `SELECT email, name, locale FROM users WHERE id = $1`, *b.UserID).Scan(&to, &name, &lang)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	} else if addr, err := mail.ParseAddress(b.GuestContact); err == nil {
		to = addr.Address
	}
	if to == "" {
		return nil, nil
	}
	l := m.Catalogs.For(lang)
	tr := func(key string, args ...any) string {
		for i, a := range args {
			if msg, ok := a.(coop.Msg); ok {
				args[i] = l.T(msg.Key, msg.Args...)
			}
		}
		return l.T(key, args...)
	}
	when := tr("mail.booking.when", l.Date(b.Start), clockMsg(minuteOf(b.Start)), clockMsg(endMinute(b.End)))
	what := tr("mail.booking.what", b.SpaceName, b.PlaceName)
	link := m.BaseURL + "/reservations"
	var extra string
	switch n.Event {
	case "offered":
		extra = tr("mail.booking.offered.deadline", l.Date(*b.HoldUntil), clockMsg(minuteOf(*b.HoldUntil)))
	case "refused":
		if b.Note != "" {
			extra = tr("mail.booking.refused.note", b.Note)
		}
	}
	key := "mail.booking." + n.Event
	text := tr(key+".body", name, what, when)
	if extra != "" {
		text += "\n\n" + extra
	}
	text += "\n\n" + tr("mail.booking.link", link) + "\n\n" + l.T("mail.signature")
	body := "<p>" + strings.ReplaceAll(html.EscapeString(text), "\n\n", "</p><p>") + "</p>"
	body = strings.ReplaceAll(body, html.EscapeString(link), `<a href="`+html.EscapeString(link)+`">`+html.EscapeString(link)+`</a>`)
	msg := coopmail.Message{To: to, Subject: tr(key+".subject", b.SpaceName, l.Date(b.Start)), Text: text, HTML: body}
	if method, status, ok := calendarOf(n.Event); ok {
		cal := ical.Calendar{Method: method, Events: []ical.Event{m.Event(b, status, tx.Now, what)}}
		data := cal.Bytes()
		if data == nil {
			return nil, errors.New("booking: the calendar of " + b.PublicID + " does not encode")
		}
		msg.Attachments = []coopmail.Attachment{{Name: "reservation.ics",
			ContentType: "text/calendar; method=" + string(method) + "; charset=utf-8", Data: data}}
	}
	prepared, err := coopmail.Prepare(msg)
	if err != nil {
		return nil, err
	}
	return email{m.Mailer, prepared}, nil
}

// email is the Tell of a prepared email.
type email struct {
	mailer *coopmail.Mailer
	msg    coopmail.Prepared
}

func (e email) Queue(ctx context.Context, tx *db.Tx) error {
	return e.mailer.QueuePrepared(ctx, tx, e.msg)
}

func (e email) QueueWith(st *db.Statement, after string) error {
	return e.mailer.QueueWith(st, e.msg, after)
}

// calendarOf says which .ics an event carries, if any.
func calendarOf(event string) (ical.Method, ical.Status, bool) {
	switch event {
	case "confirmed", "moved":
		return ical.Request, ical.Confirmed, true
	case "pending":
		return ical.Request, ical.Tentative, true
	case "cancelled", "refused":
		return ical.Cancel, ical.Cancelled, true
	}
	return "", "", false
}

// Event is a booking as a calendar event, stamped at stamp.
func (m *Mailer) Event(b Booking, status ical.Status, stamp time.Time, summary string) ical.Event {
	return ical.Event{UID: b.PublicID + "@coopconnect", Sequence: b.Sequence, Start: b.Start, End: b.End, Summary: summary,
		Location: b.PlaceName, URL: m.BaseURL + "/reservations", Status: status, Stamp: stamp}
}

// endMinute is the wall-clock minute of an end: midnight is 24:00.
func endMinute(t time.Time) int {
	if m := minuteOf(t); m != 0 {
		return m
	}
	return 1440
}
