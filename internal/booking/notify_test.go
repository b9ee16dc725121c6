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

// A booking that the database refuses (the room taken, the desk full)
// queues no email, and one written once queues one: on PostgreSQL the one
// statement that writes a booking and its email fails whole.
func TestMailer_ARefusedBookingQueuesNoEmail(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 3)
		srv := testkit.StartSMTP(t)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		m := mail.NewMailer(d, jobs.New(d, log), srv.Config(), log)
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		r.svc.Notify = (&booking.Mailer{Mailer: m, Catalogs: cat, BaseURL: "https://coop.example"}).Notify
		tuesday := func(h int) time.Time { return monday(h, 30).AddDate(0, 0, 1) }
		book := func(space space, member int, start, end time.Time) error {
			_, err := r.svc.Book(ctx, r.req(space, member, start, end))
			return err
		}
		for member := range 2 {
			if err := book(r.desk, member, tuesday(8), tuesday(12)); err != nil {
				t.Fatal(err)
			}
		}
		wantRefusal(t, book(r.desk, 2, tuesday(8), tuesday(12)), "booking.full")
		if err := book(r.room, 0, tuesday(14), tuesday(16)); err != nil {
			t.Fatal(err)
		}
		wantRefusal(t, book(r.room, 1, tuesday(15), tuesday(17)), "booking.overlap")
		// The rules changed between reading and writing: on PostgreSQL the
		// one statement writes nothing, and the transaction after it books
		// and queues one email.
		r.svc.SetMeanwhile(func() {
			r.svc.SetMeanwhile(nil)
			r.rules(booking.RuleInput{NoticeMinutes: "60"})
		})
		if err := book(r.room, 1, tuesday(16), tuesday(17)); err != nil {
			t.Fatal(err)
		}

		_, queued, err := m.List(ctx, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		var jobsQueued int
		if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = $1`, mail.JobSend).Scan(&jobsQueued); err != nil {
			t.Fatal(err)
		}
		if queued != 4 || jobsQueued != 4 {
			t.Errorf("%d emails and %d jobs to send them after 4 bookings and 2 refusals, want 4 and 4", queued, jobsQueued)
		}
	})
}
