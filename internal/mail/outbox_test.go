package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/jobs"
	coopmail "coopconnect/internal/mail"
	"coopconnect/internal/testkit"
)

// newMailer gives d a fixed clock at now and returns a mailer over c with
// its queue; logs go to the test's output.
func newMailer(t *testing.T, d *db.DB, c coopmail.SMTPConfig) (*coopmail.Mailer, *jobs.Queue, *coop.FixedClock) {
	t.Helper()
	clock := coop.NewFixedClock(now)
	d.Clock = clock
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	q := jobs.New(d, log)
	return coopmail.NewMailer(d, q, c, log), q, clock
}

func queue(t *testing.T, d *db.DB, m *coopmail.Mailer, msg coopmail.Message) {
	t.Helper()
	ctx := context.Background()
	if err := d.Write(ctx, func(tx *db.Tx) error { return m.Queue(ctx, tx, msg) }); err != nil {
		t.Fatalf("queue: %v", err)
	}
}

func runDue(t *testing.T, q *jobs.Queue, want int) {
	t.Helper()
	n, err := q.RunDue(context.Background())
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	if n != want {
		t.Fatalf("RunDue ran %d jobs, want %d", n, want)
	}
}

// only returns the only message of the outbox.
func only(t *testing.T, m *coopmail.Mailer) coopmail.OutboxMessage {
	t.Helper()
	list, total, err := m.List(context.Background(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || len(list) != 1 {
		t.Fatalf("outbox: got %d messages (total %d), want 1", len(list), total)
	}
	return list[0]
}

var confirmation = coopmail.Message{
	To:      "Zoé Martin <zoe@example.org>",
	Subject: "Réservation confirmée : salle « Les Tilleuls »",
	Text:    "Bonjour Zoé,\nvotre réservation du lundi 2 mars est confirmée.\n",
	HTML:    "<p>Bonjour Zoé,</p><p>votre réservation du lundi 2 mars est confirmée.</p>",
	Attachments: []coopmail.Attachment{
		{Name: "reservation.ics", ContentType: "text/calendar; method=REQUEST; charset=utf-8", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")},
	},
}

func TestMailer_QueuedMessageCrossesAnSMTPExchange(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		srv := testkit.StartSMTP(t)
		srv.Username, srv.Password = "coop", "s3cret"
		m, q, _ := newMailer(t, d, srv.Config())

		queue(t, d, m, confirmation)
		if got := only(t, m); got.Status != coopmail.StatusQueued {
			t.Fatalf("before the job: status %q, want queued", got.Status)
		}
		runDue(t, q, 1)

		got := srv.WaitFor(t, "zoe@example.org", 5*time.Second)
		if got.Subject != confirmation.Subject || got.Text != confirmation.Text {
			t.Errorf("received subject %q text %q, want %q %q", got.Subject, got.Text, confirmation.Subject, confirmation.Text)
		}
		if !bytes.Contains(got.Raw, []byte("Content-Type: text/calendar; charset=utf-8; method=REQUEST; name=reservation.ics")) {
			t.Errorf("the attachment is missing from the message:\n%s", got.Raw)
		}
		row := only(t, m)
		if row.Status != coopmail.StatusSent || row.Attempts != 1 || row.SentAt == nil || !row.SentAt.Equal(now) {
			t.Errorf("outbox: got status %q, %d attempts, sent at %v; want sent, 1, %v", row.Status, row.Attempts, row.SentAt, now)
		}
		if len(row.Attachments) != 1 || row.Attachments[0].Name != "reservation.ics" {
			t.Errorf("outbox attachments: got %+v, want reservation.ics", row.Attachments)
		}
		runDue(t, q, 0)
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("messages received: got %d, want 1", n)
		}
	})
}

func TestMailer_RetriesUntilTheServerRecovers(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		srv := testkit.StartSMTP(t)
		srv.SetFailing(true)
		m, q, clock := newMailer(t, d, srv.Config())
		queue(t, d, m, confirmation)

		runDue(t, q, 1)
		row := only(t, m)
		if row.Status != coopmail.StatusQueued || row.Attempts != 1 || !strings.Contains(row.LastError, "451") {
			t.Fatalf("after a refusal: got status %q, %d attempts, error %q; want queued, 1, a 451", row.Status, row.Attempts, row.LastError)
		}

		srv.SetFailing(false)
		runDue(t, q, 0) // waits for its backoff
		clock.Advance(jobs.Backoff(1))
		runDue(t, q, 1)

		srv.WaitFor(t, "zoe@example.org", 5*time.Second)
		if row := only(t, m); row.Status != coopmail.StatusSent || row.Attempts != 2 {
			t.Errorf("after recovery: got status %q, %d attempts; want sent, 2", row.Status, row.Attempts)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("messages received: got %d, want 1", n)
		}
	})
}

func TestMailer_FailsAfterTheLastAttempt(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		srv := testkit.StartSMTP(t)
		srv.SetFailing(true)
		m, q, clock := newMailer(t, d, srv.Config())
		queue(t, d, m, confirmation)

		for attempt := 1; attempt <= coopmail.SendAttempts; attempt++ {
			runDue(t, q, 1)
			clock.Advance(jobs.Backoff(attempt))
		}
		runDue(t, q, 0)

		row := only(t, m)
		if row.Status != coopmail.StatusFailed || row.Attempts != coopmail.SendAttempts || !strings.Contains(row.LastError, "451") {
			t.Errorf("outbox: got status %q, %d attempts, error %q; want failed, %d, a 451", row.Status, row.Attempts, row.LastError, coopmail.SendAttempts)
		}
		stats, err := q.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if stats[jobs.StatusFailed] != 1 {
			t.Errorf("jobs: got %v, want one failed", stats)
		}
	})
}

func TestMailer_WithoutSMTPMessagesAreHeld(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		m, q, _ := newMailer(t, d, coopmail.SMTPConfig{})
		queue(t, d, m, confirmation)

		runDue(t, q, 0)

		row := only(t, m)
		if row.Status != coopmail.StatusHeld || row.Subject != confirmation.Subject || row.Text != confirmation.Text || row.HTML != confirmation.HTML || row.To != confirmation.To {
			t.Errorf("outbox: got %+v, want the message held", row)
		}
		stats, err := q.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if stats[jobs.StatusPending] != 0 {
			t.Errorf("jobs: got %v, want none pending", stats)
		}
	})
}

func TestMailer_RefusesAnInvalidMessageInTheTransaction(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		m, _, _ := newMailer(t, d, coopmail.SMTPConfig{})
		ctx := context.Background()
		bad := confirmation
		bad.Subject = "Bonjour\r\nBcc: all@example.org"
		err := d.Write(ctx, func(tx *db.Tx) error { return m.Queue(ctx, tx, bad) })
		if err == nil {
			t.Fatal("got no error, want a header injection refusal")
		}
		if _, total, err := m.List(ctx, 10, 0); err != nil || total != 0 {
			t.Errorf("outbox: got %d messages (%v), want none", total, err)
		}
	})
}

func TestMailer_ListIsNewestFirstAndGetFindsOne(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m, _, clock := newMailer(t, d, coopmail.SMTPConfig{})
		for _, subject := range []string{"un", "deux", "trois"} {
			msg := confirmation
			msg.Subject = subject
			queue(t, d, m, msg)
			clock.Advance(time.Minute)
		}

		tests := []struct {
			limit, offset int
			want          []string
		}{
			{2, 0, []string{"trois", "deux"}},
			{2, 2, []string{"un"}},
			{0, 0, []string{"trois", "deux", "un"}},
			{10, 5, nil},
		}
		for _, tt := range tests {
			list, total, err := m.List(ctx, tt.limit, tt.offset)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, msg := range list {
				got = append(got, msg.Subject)
			}
			if total != 3 || strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("List(%d, %d): got %v of %d, want %v of 3", tt.limit, tt.offset, got, total, tt.want)
			}
		}

		list, _, _ := m.List(ctx, 1, 0)
		got, err := m.Get(ctx, list[0].ID)
		if err != nil || got.Subject != "trois" || !got.CreatedAt.Equal(now.Add(2*time.Minute)) {
			t.Errorf("Get: got %q created %v (%v), want trois created %v", got.Subject, got.CreatedAt, err, now.Add(2*time.Minute))
		}
		if _, err := m.Get(ctx, list[0].ID+1000); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("Get of a missing message: got %v, want not found", err)
		}
	})
}

func TestMailer_NeverLogsThePasswordOrTheBody(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		srv := testkit.StartSMTP(t)
		srv.Username, srv.Password = "coop", "s3cret"
		srv.SetFailing(true)
		var logs bytes.Buffer
		clock := coop.NewFixedClock(now)
		d.Clock = clock
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		q := jobs.New(d, log)
		m := coopmail.NewMailer(d, q, srv.Config(), log)
		queue(t, d, m, confirmation)

		runDue(t, q, 1) // fails and logs
		srv.SetFailing(false)
		clock.Advance(jobs.Backoff(1))
		runDue(t, q, 1) // sends and logs

		out := logs.String()
		if !strings.Contains(out, "mail sent") {
			t.Fatalf("logs: got %q, want a line for the sent message", out)
		}
		for _, secret := range []string{"s3cret", "votre réservation", "Bonjour"} {
			if strings.Contains(out, secret) {
				t.Errorf("logs show %q:\n%s", secret, out)
			}
		}
	})
}

func TestMailer_PurgeKeepsRecentAndUnsentMessages(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		m, _, clock := newMailer(t, d, coopmail.SMTPConfig{})
		queue(t, d, m, confirmation) // held
		clock.Advance(100 * 24 * time.Hour)
		queue(t, d, m, confirmation) // recent
		n, err := m.Purge(context.Background(), clock.Now().Add(-90*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("Purge: %d, %v; want the old message", n, err)
		}
		if _, total, err := m.List(context.Background(), 10, 0); err != nil || total != 1 {
			t.Errorf("after purge: %d messages (%v), want 1", total, err)
		}
	})
}
