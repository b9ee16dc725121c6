package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/jobs"
)

// The statuses of an outbox message.
const (
	StatusQueued = "queued" // waiting for the mail.send job
	StatusSent   = "sent"
	StatusHeld   = "held" // SMTP is not configured: kept for the coordinator to read
	StatusFailed = "failed"
)

// JobSend is the kind of the job that sends an outbox message.
const JobSend = "mail.send"

// SendAttempts is the number of tries a message gets before it is failed;
// with the queue's backoff they span about 20 minutes.
const SendAttempts = jobs.DefaultMaxAttempts

const maxListLimit = 500

// OutboxMessage is a message of the outbox, as the back-office shows it.
type OutboxMessage struct {
	ID          int64
	To          string
	Subject     string
	Text        string
	HTML        string
	Attachments []Attachment
	Status      string
	Attempts    int
	LastError   string
	CreatedAt   time.Time
	SentAt      *time.Time
}

// Mailer queues messages in the outbox and sends them through the job queue.
type Mailer struct {
	db    *db.DB
	queue *jobs.Queue
	smtp  SMTPConfig
	log   *slog.Logger
}

// NewMailer returns a mailer sending through c, and registers the mail.send
// job on q. c should have passed Validate; log may be nil.
func NewMailer(d *db.DB, q *jobs.Queue, c SMTPConfig, log *slog.Logger) *Mailer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Mailer{db: d, queue: q, smtp: c, log: log}
	q.Register(JobSend, m.send)
	return m
}

// sendJob is the payload of a mail.send job.
type sendJob struct {
	OutboxID int64 `json:"outbox_id"`
}

// Queue adds msg to the outbox in the caller's transaction, so that it is
// sent if and only if the caller's change commits: "queued" with a job that
// sends it when SMTP is configured, "held" otherwise.
func (m *Mailer) Queue(ctx context.Context, tx *db.Tx, msg Message) error {
	p, err := Prepare(msg)
	if err != nil {
		return err
	}
	return m.QueuePrepared(ctx, tx, p)
}

// Prepared is a message checked and encoded for the outbox, ready to be
// queued: a write that many others wait for (a booking) prepares its email
// beforehand, and its transaction only inserts it.
type Prepared struct {
	msg         Message
	attachments string // JSON
}

// Prepare checks msg and encodes it for the outbox.
func Prepare(msg Message) (Prepared, error) {
	if _, err := msg.check(); err != nil {
		return Prepared{}, err
	}
	attachments := msg.Attachments
	if attachments == nil {
		attachments = []Attachment{}
	}
	enc, err := json.Marshal(attachments)
	if err != nil {
		return Prepared{}, fmt.Errorf("mail: encode attachments: %w", err)
	}
	return Prepared{msg: msg, attachments: string(enc)}, nil
}

// QueuePrepared queues a prepared message, as Queue does.
func (m *Mailer) QueuePrepared(ctx context.Context, tx *db.Tx, p Prepared) error {
	status := m.status()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO outbox (to_addr, subject, body_text, body_html, attachments, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		p.msg.To, p.msg.Subject, p.msg.Text, p.msg.HTML, p.attachments, status, tx.Now).Scan(&id); err != nil {
		return fmt.Errorf("mail: queue: %w", err)
	}
	if status == StatusHeld {
		return nil
	}
	return m.queue.Enqueue(ctx, tx, JobSend, sendJob{OutboxID: id}, jobs.MaxAttempts(SendAttempts))
}

// QueueWith adds a prepared message to a one-statement write
// (db.Statement, PostgreSQL), queued as QueuePrepared queues it if the
// statement's item after yields a row.
func (m *Mailer) QueueWith(st *db.Statement, p Prepared, after string) error {
	status := m.status()
	name := "outbox_after_" + after
	st.With(name, `INSERT INTO outbox (to_addr, subject, body_text, body_html, attachments, status, created_at)
		SELECT `+st.Args(p.msg.To, p.msg.Subject, p.msg.Text, p.msg.HTML, p.attachments, status, st.Now)+` FROM `+after+` LIMIT 1 RETURNING id`)
	if status == StatusHeld {
		return nil
	}
	// The payload of sendJob.
	return m.queue.EnqueueWith(st, JobSend, `json_build_object('outbox_id', id)::text`, name, jobs.MaxAttempts(SendAttempts))
}

// status is the status a message is queued with: "queued" with a job that
// sends it when SMTP is configured, "held" otherwise.
func (m *Mailer) status() string {
	if m.smtp.Enabled() {
		return StatusQueued
	}
	return StatusHeld
}

// send is the mail.send job: it sends one queued message and records the
// outcome on its outbox row; the last failed attempt fails the row.
func (m *Mailer) send(ctx context.Context, payload []byte) error {
	var p sendJob
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf("mail.send: payload: %w", err)
	}
	msg, err := m.Get(ctx, p.OutboxID)
	if coop.ErrorCode(err) == coop.ENotFound {
		m.log.Warn("mail: outbox message vanished before sending", "outbox_id", p.OutboxID)
		return nil
	}
	if err != nil {
		return err
	}
	if msg.Status != StatusQueued {
		return nil // already sent by an earlier run whose job outcome was lost
	}

	info, _ := jobs.InfoFrom(ctx)
	sendErr := Send(ctx, m.smtp, Message{To: msg.To, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML, Attachments: msg.Attachments}, m.db.Clock.Now())

	// The outcome is recorded even if ctx was cancelled meanwhile.
	wctx := context.WithoutCancel(ctx)
	err = m.db.Write(wctx, func(tx *db.Tx) error {
		if sendErr == nil {
			_, err := tx.ExecContext(wctx, `UPDATE outbox SET status = $2, sent_at = $3, attempts = attempts + 1 WHERE id = $1`,
				msg.ID, StatusSent, tx.Now)
			return err
		}
		status := StatusQueued
		// A shutdown (ctx done) gives the attempt back to the queue: the
		// row must stay queued for that run.
		if info.Last() && ctx.Err() == nil {
			status = StatusFailed
		}
		_, err := tx.ExecContext(wctx, `UPDATE outbox SET status = $2, attempts = attempts + 1, last_error = $3 WHERE id = $1`,
			msg.ID, status, errorText(sendErr))
		return err
	})
	if sendErr != nil {
		return sendErr
	}
	if err != nil {
		// Sent but not recorded: the retry finds the row still queued and
		// sends again; better twice than never.
		return fmt.Errorf("mail: message %d sent but not recorded: %w", msg.ID, err)
	}
	m.log.Info("mail sent", "outbox_id", msg.ID, "attempt", info.Attempt)
	return nil
}

// errorText is err as stored in last_error: valid UTF-8, at most 1000
// characters. Send's errors never contain the password.
func errorText(err error) string {
	r := []rune(strings.ToValidUTF8(err.Error(), "\uFFFD"))
	if len(r) <= 1000 {
		return string(r)
	}
	return string(r[:999]) + "…"
}

// List returns a page of the outbox, newest first, and the number of
// messages in it. limit is capped at 500 and defaults to 50.
func (m *Mailer) List(ctx context.Context, limit, offset int) ([]OutboxMessage, int, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, maxListLimit)
	offset = max(offset, 0)
	var (
		out   []OutboxMessage
		total int
	)
	err := m.db.Read(ctx, func(tx *db.Tx) error {
		out = nil
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`, limit, offset)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			msg, err := scanOutbox(rows)
			if err != nil {
				return err
			}
			out = append(out, msg)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Get returns one outbox message.
func (m *Mailer) Get(ctx context.Context, id int64) (OutboxMessage, error) {
	var msg OutboxMessage
	err := m.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		msg, err = scanOutbox(tx.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		return err
	})
	return msg, err
}

const outboxColumns = `id, to_addr, subject, body_text, body_html, attachments, status, attempts, last_error, created_at, sent_at`

func scanOutbox(row interface{ Scan(...any) error }) (OutboxMessage, error) {
	var (
		msg         OutboxMessage
		attachments string
		lastError   sql.NullString
		sentAt      sql.NullTime
	)
	if err := row.Scan(&msg.ID, &msg.To, &msg.Subject, &msg.Text, &msg.HTML, &attachments, &msg.Status,
		&msg.Attempts, &lastError, &msg.CreatedAt, &sentAt); err != nil {
		return msg, err
	}
	if err := json.Unmarshal([]byte(attachments), &msg.Attachments); err != nil {
		return msg, fmt.Errorf("outbox message %d: attachments: %w", msg.ID, err)
	}
	msg.LastError = lastError.String
	if sentAt.Valid {
		t := sentAt.Time
		msg.SentAt = &t
	}
	return msg, nil
}

// Purge deletes the messages created before the given instant, except
// those still waiting to be sent: emails hold personal data, kept only as
// long as the coordinator may need to read them.
func (m *Mailer) Purge(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := m.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE status <> 'queued' AND created_at < $1`, db.Instant(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
