package booking_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/booking"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/jobs"
	"coopconnect/internal/mail"
	"coopconnect/internal/testkit"
)

func TestMailer_SendsTheBookingWithItsCalendarThroughSMTP(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 1)
		srv := testkit.StartSMTP(t)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		q := jobs.New(d, log)
		m := mail.NewMailer(d, q, srv.Config(), log)
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		notifier := &booking.Mailer{Mailer: m, Catalogs: cat, BaseURL: "https://coop.example"}
		r.svc.Notify = notifier.Notify
		// Member 0 reads their emails in French; the room is booked on Tuesday.
		b, err := r.svc.Book(ctx, r.req(r.room, 0, monday(14, 30).AddDate(0, 0, 1), monday(16, 30).AddDate(0, 0, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Cancel(ctx, r.member(0), b.PublicID); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := q.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(srv.Messages()) < 2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		msgs := srv.Messages()
		if len(msgs) != 2 {
			t.Fatalf("%d messages received, want 2", len(msgs))
		}
		confirmed, cancelled := msgs[0], msgs[1]
		if confirmed.To[0] != "membre0@example.fr" || confirmed.Subject != "Réservation confirmée\u00a0: meeting_room-2, mardi 3 février 2026" {
			t.Errorf("confirmation: to %v, subject %q", confirmed.To, confirmed.Subject)
		}
		if !strings.Contains(confirmed.Text, "meeting_room-2 — La Filature, mardi 3 février 2026, de 14\u00a0h\u00a030 à 16\u00a0h\u00a030") {
			t.Errorf("confirmation text: %q", confirmed.Text)
		}
		if !strings.Contains(cancelled.Subject, "Réservation annulée") {
			t.Errorf("cancellation subject: %q", cancelled.Subject)
		}
		// The calendars, as the outbox keeps them.
		out, _, err := m.List(ctx, 10, 0)
		if err != nil || len(out) != 2 {
			t.Fatalf("outbox: %d, %v", len(out), err)
		}
		ics := map[string]string{}
		for _, o := range out {
			if len(o.Attachments) != 1 {
				t.Fatalf("%q has %d attachments", o.Subject, len(o.Attachments))
			}
			ics[o.Attachments[0].ContentType] = string(o.Attachments[0].Data)
		}
		request, cancel := ics["text/calendar; method=REQUEST; charset=utf-8"], ics["text/calendar; method=CANCEL; charset=utf-8"]
		for _, want := range []string{"METHOD:REQUEST", "UID:" + b.PublicID + "@coopconnect", "DTSTART;TZID=Europe/Paris:20260203T143000",
			"DTEND;TZID=Europe/Paris:20260203T163000", "SEQUENCE:0", "STATUS:CONFIRMED"} {
			if !strings.Contains(request, want+"\r\n") {
				t.Errorf("the request lacks %q:\n%s", want, request)
			}
		}
		for _, want := range []string{"METHOD:CANCEL", "UID:" + b.PublicID + "@coopconnect", "SEQUENCE:1", "STATUS:CANCELLED"} {
			if !strings.Contains(cancel, want+"\r\n") {
				t.Errorf("the cancellation lacks %q:\n%s", want, cancel)
			}
		}
	})
}
