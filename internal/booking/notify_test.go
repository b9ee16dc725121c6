package booking_test

import (
	"cmp"
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
		m := mailing(t, r)
		// Member 0 reads their emails in French; the room is booked on Tuesday.
		b, err := r.svc.Book(ctx, r.req(r.room, 0, monday(14, 30).AddDate(0, 0, 1), monday(16, 30).AddDate(0, 0, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Move(ctx, r.member(0), b.PublicID, monday(17, 0).AddDate(0, 0, 1), monday(18, 0).AddDate(0, 0, 1), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Cancel(ctx, r.member(0), b.PublicID, ""); err != nil {
			t.Fatal(err)
		}
		msgs := m.sent(t, 3)
		confirmed, moved, cancelled := msgs[0], msgs[1], msgs[2]
		if moved.Subject != "Réservation modifiée\u00a0: meeting_room-2, mardi 3 février 2026" ||
			!strings.Contains(moved.Text, "Votre réservation a changé\u00a0: meeting_room-2 — La Filature, mardi 3 février 2026, de 17\u00a0h à 18\u00a0h") {
			t.Errorf("move: subject %q, text %q", moved.Subject, moved.Text)
		}
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
		if err != nil || len(out) != 3 {
			t.Fatalf("outbox: %d, %v", len(out), err)
		}
		ics := map[string]string{}
		for _, o := range out {
			if len(o.Attachments) != 1 {
				t.Fatalf("%q has %d attachments", o.Subject, len(o.Attachments))
			}
			ics[o.Subject] = string(o.Attachments[0].Data)
		}
		request, update, cancel := ics[confirmed.Subject], ics[moved.Subject], ics[cancelled.Subject]
		for _, want := range []string{"METHOD:REQUEST", "UID:" + b.PublicID + "@coopconnect", "DTSTART;TZID=Europe/Paris:20260203T143000",
			"DTEND;TZID=Europe/Paris:20260203T163000", "SEQUENCE:0", "STATUS:CONFIRMED"} {
			if !strings.Contains(request, want+"\r\n") {
				t.Errorf("the request lacks %q:\n%s", want, request)
			}
		}
		// The move updates the same event, which calendars replace.
		for _, want := range []string{"METHOD:REQUEST", "UID:" + b.PublicID + "@coopconnect", "DTSTART;TZID=Europe/Paris:20260203T170000",
			"DTEND;TZID=Europe/Paris:20260203T180000", "SEQUENCE:1", "STATUS:CONFIRMED"} {
			if !strings.Contains(update, want+"\r\n") {
				t.Errorf("the update lacks %q:\n%s", want, update)
			}
		}
		for _, want := range []string{"METHOD:CANCEL", "UID:" + b.PublicID + "@coopconnect", "SEQUENCE:2", "STATUS:CANCELLED"} {
			if !strings.Contains(cancel, want+"\r\n") {
				t.Errorf("the cancellation lacks %q:\n%s", want, cancel)
			}
		}
	})
}

// A booking that the database refuses (the room taken, the desk full)
// queues no email, and one written once queues one: on PostgreSQL the one
// statement that writes a booking and its email fails whole.
// mailer is the email of r's notices, over a real SMTP exchange with an
// in-process server.
type mailer struct {
	*mail.Mailer
	queue *jobs.Queue
	smtp  *testkit.SMTPServer
}

// mailing makes r's service tell people by email, in their language.
func mailing(t *testing.T, r *ruled) *mailer {
	t.Helper()
	srv := testkit.StartSMTP(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q := jobs.New(r.d, log)
	m := &mailer{Mailer: mail.NewMailer(r.d, q, srv.Config(), log), queue: q, smtp: srv}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	r.svc.Notify = (&booking.Mailer{Mailer: m.Mailer, Catalogs: cat, BaseURL: "https://coop.example"}).Notify
	return m
}

// sent runs the queued jobs and returns the n messages the SMTP server
// received, in order.
func (m *mailer) sent(t *testing.T, n int) []testkit.ReceivedMessage {
	t.Helper()
	for range 2 {
		if _, err := m.queue.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(m.smtp.Messages()) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	msgs := m.smtp.Messages()
	if len(msgs) != n {
		t.Fatalf("%d messages received, want %d", len(msgs), n)
	}
	return msgs
}

// The first in line is told by email that a seat is kept for them, and
// until when; a refusal carries the staff's note.
func TestMailer_TellsTheOfferItsDeadlineAndTheRefusalItsNote(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 3)
		m := mailing(t, r)
		r.rules(booking.RuleInput{HoldMinutes: "90"})
		morning := func(member int) booking.Request {
			return r.req(r.desk, member, monday(8, 30).AddDate(0, 0, 1), monday(12, 30).AddDate(0, 0, 1))
		}
		var first booking.Booking
		for member := range 2 {
			b, err := r.svc.Book(ctx, morning(member))
			if err != nil {
				t.Fatal(err)
			}
			first = cmp.Or(first, b)
		}
		wait := morning(2)
		wait.Waitlist = true
		if _, err := r.svc.Book(ctx, wait); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Cancel(ctx, r.member(0), first.PublicID, ""); err != nil {
			t.Fatal(err)
		}
		r.rules(booking.RuleInput{Approval: "yes"})
		b, err := r.svc.Book(ctx, r.req(r.room, 1, monday(14, 0).AddDate(0, 0, 1), monday(15, 0).AddDate(0, 0, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Decide(ctx, r.staff, b.PublicID, false, "La salle accueille le conseil communautaire"); err != nil {
			t.Fatal(err)
		}
		msgs := m.sent(t, 7) // 2 confirmed, waiting, cancelled, offered, pending, refused
		offered, refused := msgs[4], msgs[6]
		if offered.To[0] != "membre2@example.fr" || !strings.HasPrefix(offered.Subject, "Une place s’est libérée") ||
			!strings.Contains(offered.Text, "Confirmez-la avant le lundi 2 février 2026 à 9\u00a0h\u00a030\u00a0: sans réponse, elle ira à la personne suivante") {
			t.Errorf("the offer: to %v, subject %q, text %q", offered.To, offered.Subject, offered.Text)
		}
		if refused.To[0] != "membre1@example.fr" || !strings.HasPrefix(refused.Subject, "Réservation refusée") ||
			!strings.Contains(refused.Text, "Le mot de l’accueil\u00a0: «\u00a0La salle accueille le conseil communautaire\u00a0»") {
			t.Errorf("the refusal: to %v, subject %q, text %q", refused.To, refused.Subject, refused.Text)
		}
	})
}

func TestMailer_ARefusedBookingQueuesNoEmail(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 3)
		m := mailing(t, r)
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
