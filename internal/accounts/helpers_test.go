package accounts_test

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/jobs"
	"coopconnect/internal/mail"
	"coopconnect/internal/testkit"
)

const (
	baseURL = "http://localhost:8080"
	// password is the password of every account the fixtures create.
	password = "correct horse battery"
)

// start is where every fixture's clock begins: a whole minute, so also the
// start of a TOTP step.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

var ctx = context.Background()

var loadCatalogs = sync.OnceValues(i18n.Load)

func catalogs(t testing.TB) i18n.Catalogs {
	t.Helper()
	cat, err := loadCatalogs()
	if err != nil {
		t.Fatalf("i18n.Load: %v", err)
	}
	return cat
}

// fixture is an accounts.Service over a fresh database whose clock the test
// moves, with the outbox its emails land in.
type fixture struct {
	t      *testing.T
	d      *db.DB
	clock  *coop.FixedClock
	mailer *mail.Mailer
	svc    *accounts.Service
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	clock := coop.NewFixedClock(start)
	d.Clock = clock
	q := jobs.New(d, nil)
	m := mail.NewMailer(d, q, mail.SMTPConfig{}, nil)
	svc := &accounts.Service{DB: d, Hasher: accounts.NewHasher(2), Mailer: m, Catalogs: catalogs(t), BaseURL: baseURL}
	return &fixture{t: t, d: d, clock: clock, mailer: m, svc: svc}
}

// eachEngine runs fn on SQLite and, when configured, PostgreSQL, each time
// with a fresh database and a fixed clock at start.
func eachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	t.Parallel()
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) { fn(t, newFixture(t, d)) })
}

// passwordHash is the hash of password, computed once: Argon2id at 19 MiB
// costs tens of milliseconds (more under -race), and fixtures need many
// accounts that only have to log in.
var passwordHash = sync.OnceValues(func() (string, error) {
	return accounts.NewHasher(1).Hash(context.Background(), password)
})

// user creates a verified account of role with the shared password. It
// writes the row itself so as not to hash the password again; CreateUser
// has its own tests.
func (f *fixture) user(email string, role accounts.Role) accounts.User {
	f.t.Helper()
	hash, err := passwordHash()
	if err != nil {
		f.t.Fatal(err)
	}
	email = accounts.NormalizeEmail(email)
	now := f.clock.Now()
	var id int64
	err = f.d.SQL.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, locale, email_verified_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'fr', $6, $6, $6) RETURNING id`,
		"pub-"+email, email, "Name of "+email, string(role), hash, now).Scan(&id)
	if err != nil {
		f.t.Fatalf("insert user %s: %v", email, err)
	}
	u, err := f.svc.UserByID(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// session opens a full session for u and returns its secret and id.
func (f *fixture) session(u accounts.User) (string, int64) {
	f.t.Helper()
	token, err := f.svc.OpenSession(ctx, u.ID)
	if err != nil {
		f.t.Fatalf("OpenSession: %v", err)
	}
	sess, _, err := f.svc.SessionUser(ctx, token)
	if err != nil {
		f.t.Fatalf("SessionUser of a new session: %v", err)
	}
	return token, sess.ID
}

// mails returns the outbox, oldest first.
func (f *fixture) mails() []mail.OutboxMessage {
	f.t.Helper()
	list, total, err := f.mailer.List(ctx, 500, 0)
	if err != nil {
		f.t.Fatalf("outbox: %v", err)
	}
	if total != len(list) {
		f.t.Fatalf("outbox: listed %d of %d messages", len(list), total)
	}
	out := make([]mail.OutboxMessage, len(list))
	for i, m := range list {
		out[len(list)-1-i] = m
	}
	return out
}

// mailsTo returns the messages sent to address, oldest first.
func (f *fixture) mailsTo(address string) []mail.OutboxMessage {
	f.t.Helper()
	var out []mail.OutboxMessage
	for _, m := range f.mails() {
		if m.To == address {
			out = append(out, m)
		}
	}
	return out
}

// linkRE matches the one-time links of the emails: the path says what the
// link is for, the last part is its secret.
var linkRE = regexp.MustCompile(regexp.QuoteMeta(baseURL) + `/(verification|mot-de-passe|invitation|email)/([A-Za-z0-9_-]{43})\b`)

// links returns the secrets of the links of kind (the path segment) in the
// emails sent to address, oldest first — what the recipient can click.
func (f *fixture) links(address, kind string) []string {
	f.t.Helper()
	var out []string
	for _, m := range f.mailsTo(address) {
		if m.Status != mail.StatusHeld {
			f.t.Fatalf("message to %s: status %q, want %q (no SMTP configured)", address, m.Status, mail.StatusHeld)
		}
		for _, sub := range linkRE.FindAllStringSubmatch(m.Text, -1) {
			if sub[1] == kind {
				out = append(out, sub[2])
			}
		}
	}
	return out
}

// link returns the secret of the newest link of kind emailed to address.
func (f *fixture) link(address, kind string) string {
	f.t.Helper()
	l := f.links(address, kind)
	if len(l) == 0 {
		f.t.Fatalf("no %s link emailed to %s; outbox: %+v", kind, address, f.mails())
	}
	return l[len(l)-1]
}

// count runs a SELECT count(*) query.
func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.SQL.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// subject returns the French subject of an email key ("mail.verify").
func subject(t testing.TB, key string) string {
	t.Helper()
	return catalogs(t).For("fr").T(key + ".subject")
}

// wantCode fails unless err is a coop error of code and, when message is
// not empty, of that message key.
func wantCode(t testing.TB, err error, code, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s %s", code, message)
	}
	if got := coop.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
	if e := coop.AsError(err); message != "" && e.Message != message {
		t.Fatalf("got message %q, want %q", e.Message, message)
	}
}

// wantField fails unless err is an EInvalid error whose field carries key.
func wantField(t testing.TB, err error, field, key string) {
	t.Helper()
	e := coop.AsError(err)
	if e == nil || e.Code != coop.EInvalid {
		t.Fatalf("got error %v, want %s with %s=%s", err, coop.EInvalid, field, key)
	}
	if got := e.Fields[field]; got != key {
		t.Fatalf("field %q: got %q, want %q (all fields: %v)", field, got, key, e.Fields)
	}
}

// mustLogin logs in and fails the test on an error.
func (f *fixture) mustLogin(email, pw string) accounts.Login {
	f.t.Helper()
	l, err := f.svc.Login(ctx, email, pw)
	if err != nil {
		f.t.Fatalf("Login(%s): %v", email, err)
	}
	return l
}

// sessionGone fails unless the session of token is no longer valid.
func (f *fixture) sessionGone(token, why string) {
	f.t.Helper()
	if _, _, err := f.svc.SessionUser(ctx, token); coop.ErrorCode(err) != coop.ENotFound {
		f.t.Fatalf("%s: SessionUser got %v, want %s", why, err, coop.ENotFound)
	}
}

// sessionLive fails unless the session of token is valid, and returns it.
func (f *fixture) sessionLive(token, why string) (accounts.Session, accounts.User) {
	f.t.Helper()
	s, u, err := f.svc.SessionUser(ctx, token)
	if err != nil {
		f.t.Fatalf("%s: SessionUser: %v", why, err)
	}
	return s, u
}
