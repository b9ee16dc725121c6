// Package accounts owns people's accounts: roles, sign-up and email
// verification, passwords, sessions, one-time links (reset, invitation,
// email change), the TOTP second factor and API tokens.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	coopmail "coopconnect/internal/mail"
)

// Role is what an account may do.
type Role string

// The roles, from the widest to the narrowest.
const (
	Coordinator Role = "coordinator"
	Manager     Role = "manager"
	Concierge   Role = "concierge"
	Member      Role = "member"
	Official    Role = "official"
)

// Roles lists every role.
var Roles = []Role{Coordinator, Manager, Concierge, Member, Official}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", coop.Errorf(coop.EInvalid, "error.role_unknown")
}

// Staff tells whether the role runs places or the network.
func (r Role) Staff() bool { return r == Coordinator || r == Manager || r == Concierge }

// CanInvite tells whether an account of role r may invite one of role to.
// A coordinator invites anyone; a manager invites the people of its places.
func (r Role) CanInvite(to Role) bool {
	switch r {
	case Coordinator:
		return true
	case Manager:
		return to == Manager || to == Concierge || to == Member
	}
	return false
}

// User is an account.
type User struct {
	ID            int64
	PublicID      string
	Email         string
	Name          string
	Role          Role
	Locale        string
	EmailVerified bool
	TOTPEnabled   bool
	Demo          bool
	CreatedAt     time.Time
	// Audience is the public the member declared ("professionals" or
	// "e_inclusion"), which their bookings are for.
	Audience string
}

// Durations of sessions and links.
const (
	SessionIdle       = 12 * time.Hour
	SessionAbsolute   = 7 * 24 * time.Hour
	VerifyLinkTTL     = 48 * time.Hour
	ResetLinkTTL      = time.Hour
	InvitationTTL     = 7 * 24 * time.Hour
	EmailChangeTTL    = 24 * time.Hour
	PendingFactorTTL  = 10 * time.Minute
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// Mailer queues an email in the caller's transaction.
type Mailer interface {
	Queue(ctx context.Context, tx *db.Tx, m coopmail.Message) error
}

// Service runs the accounts of one database.
type Service struct {
	DB       *db.DB
	Hasher   *Hasher
	Mailer   Mailer
	Catalogs i18n.Catalogs
	// BaseURL is the public address links in emails point to, without a
	// trailing slash.
	BaseURL string

	tokens tokenCache
}

// NormalizeEmail trims and lower-cases an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail checks a single plain address: the one check of email
// addresses everywhere (accounts, places, surveys, calls).
func ValidEmail(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " \r\n<>,;") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndex(s, "@")
	return at > 0 && strings.Contains(s[at:], ".")
}

func checkEmail(p coop.Problems, field, email string) {
	if email == "" {
		p.Add(field, "error.required")
	} else if !ValidEmail(email) {
		p.Add(field, "error.email_invalid")
	}
}

func checkName(p coop.Problems, name string) {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		p.Add("name", "error.required")
	} else if n > 100 {
		p.Add("name", "error.name_too_long")
	}
}

func checkPassword(p coop.Problems, field, password, email string) {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		p.Add(field, "error.required")
	case n < MinPasswordLength:
		p.Add(field, "error.password_short")
	case n > MaxPasswordLength:
		p.Add(field, "error.password_long")
	case email != "" && strings.EqualFold(password, email):
		p.Add(field, "error.password_is_email")
	}
}

// randomToken returns a URL-safe secret of 32 random bytes.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// publicID returns a short random identifier for URLs.
func publicID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32NoPad.EncodeToString(b))
}

var base32NoPad = b32

// hashToken is how secrets are stored: only their SHA-256.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

const userColumns = `id, public_id, email, name, role, locale, email_verified_at IS NOT NULL, totp_enabled_at IS NOT NULL, demo, created_at, audience`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var role string
	err := row.Scan(&u.ID, &u.PublicID, &u.Email, &u.Name, &role, &u.Locale, &u.EmailVerified, &u.TOTPEnabled, &u.Demo, &u.CreatedAt, &u.Audience)
	if errors.Is(err, sql.ErrNoRows) {
		return u, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	u.Role = Role(role)
	return u, err
}

func userByID(ctx context.Context, tx *db.Tx, id int64) (User, error) {
	return scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

func userByEmail(ctx context.Context, tx *db.Tx, email string) (User, error) {
	return scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, NormalizeEmail(email)))
}

// UserByEmail returns the account of an address.
func (s *Service) UserByEmail(ctx context.Context, email string) (u User, err error) {
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		u, err = userByEmail(ctx, tx, email)
		return err
	})
	return u, err
}

// UserByID returns an account.
func (s *Service) UserByID(ctx context.Context, id int64) (u User, err error) {
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		u, err = userByID(ctx, tx, id)
		return err
	})
	return u, err
}

// NewUser is an account created by an operator, the demo or an invitation.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
	Locale   string
	Verified bool
	Demo     bool
}

// CreateUser creates an account directly (command line, demo).
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	in.Email = NormalizeEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	p := coop.Problems{}
	checkEmail(p, "email", in.Email)
	checkName(p, in.Name)
	checkPassword(p, "password", in.Password, in.Email)
	if _, err := ParseRole(string(in.Role)); err != nil {
		p.Add("role", "error.role_unknown")
	}
	if err := p.Err(); err != nil {
		return User{}, err
	}
	hash, err := s.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		id, err := insertUser(ctx, tx, in, hash)
		if err != nil {
			return err
		}
		u, err = userByID(ctx, tx, id)
		return err
	})
	if db.IsConflict(err) {
		return User{}, &coop.Error{Code: coop.EConflict, Message: "error.email_taken", Fields: map[string]string{"email": "error.email_taken"}}
	}
	return u, err
}

func insertUser(ctx context.Context, tx *db.Tx, in NewUser, hash string) (int64, error) {
	if in.Locale == "" || !i18n.Supported(in.Locale) {
		in.Locale = i18n.Default
	}
	var verified *time.Time
	if in.Verified {
		verified = &tx.Now
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, locale, email_verified_at, demo, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		publicID(), in.Email, in.Name, string(in.Role), hash, in.Locale, verified, in.Demo, tx.Now).Scan(&id)
	return id, err
}

// SetPassword replaces the password of the account of email and ends all
// its sessions (command line `user reset-password`).
func (s *Service) SetPassword(ctx context.Context, email, password string) error {
	email = NormalizeEmail(email)
	hash, err := s.hashNewPassword(ctx, "password", password, email)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		u, err := userByEmail(ctx, tx, email)
		if err != nil {
			return err
		}
		return setPassword(ctx, tx, u.ID, hash, 0)
	})
}

// hashNewPassword checks a password being chosen (field names the form's
// input) and hashes it.
func (s *Service) hashNewPassword(ctx context.Context, field, password, email string) (string, error) {
	p := coop.Problems{}
	checkPassword(p, field, password, email)
	if err := p.Err(); err != nil {
		return "", err
	}
	return s.Hasher.Hash(ctx, password)
}

// setPassword stores hash and ends every session of the account but keep.
func setPassword(ctx context.Context, tx *db.Tx, userID int64, hash string, keep int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, tx.Now, userID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, keep)
	return err
}

// ListUsers returns every account, by name, for the coordinator.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	var out []User
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name, id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, err
}

// CountUsers returns how many accounts exist, and how many are not demo ones.
func (s *Service) CountUsers(ctx context.Context) (all, real int, err error) {
	err = s.DB.SQL.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE NOT demo) FROM users`).Scan(&all, &real)
	return all, real, err
}

// UpdateName changes the name of an account.
func (s *Service) UpdateName(ctx context.Context, userID int64, name string) error {
	name = strings.TrimSpace(name)
	p := coop.Problems{}
	checkName(p, name)
	if err := p.Err(); err != nil {
		return err
	}
	return s.changeAccount(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, updated_at = $2 WHERE id = $3`, name, tx.Now, userID)
		return err
	})
}

// SetLocale records the language an account reads its emails in.
func (s *Service) SetLocale(ctx context.Context, userID int64, lang string) error {
	if !i18n.Supported(lang) {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	return s.changeAccount(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET locale = $1 WHERE id = $2`, lang, userID)
		return err
	})
}

// checkCurrentPassword verifies the password of an account, for actions
// that need re-authentication.
func (s *Service) checkCurrentPassword(ctx context.Context, userID int64, field, password string) error {
	var hash string
	if err := s.DB.SQL.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&hash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		return err
	}
	ok, err := s.Hasher.Verify(ctx, hash, password)
	if err != nil {
		return err
	}
	if !ok {
		return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{field: "error.password_wrong"}}
	}
	return nil
}

// queueMail composes a message from the catalogs in lang and queues it.
// The body message takes the recipient's name then the link.
func (s *Service) queueMail(ctx context.Context, tx *db.Tx, lang, to, key, name, link string) error {
	l := s.Catalogs.For(lang)
	text := l.T(key+".body", name, link) + "\n\n" + l.T("mail.signature")
	htmlBody := "<p>" + strings.ReplaceAll(html.EscapeString(text), "\n\n", "</p><p>") + "</p>"
	htmlBody = strings.ReplaceAll(htmlBody, html.EscapeString(link), `<a href="`+html.EscapeString(link)+`">`+html.EscapeString(link)+`</a>`)
	return s.Mailer.Queue(ctx, tx, coopmail.Message{To: to, Subject: l.T(key + ".subject"), Text: text, HTML: htmlBody})
}
