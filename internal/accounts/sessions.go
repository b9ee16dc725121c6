package accounts

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// Session is a signed-in browser.
type Session struct {
	ID                  int64
	UserID              int64
	PendingSecondFactor bool
	CreatedAt           time.Time
	ExpiresAt           time.Time
}

// Login is the outcome of a successful password check.
type Login struct {
	User  User
	Token string // the new session's secret, for the cookie
	// SecondFactor says the session waits for a TOTP code.
	SecondFactor bool
}

// dummyHash is verified when an address is unknown, so that a login takes
// the same time whether the account exists or not.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$yG0zQbQ4n3Yw4+1xV9Vq3aAU9nFkSx3QX2gB5dIu0HU"

// Login checks an address and password and opens a new session; the
// caller replaces any previous session cookie, which rotates it. The error
// never tells whether the account exists.
func (s *Service) Login(ctx context.Context, email, password string) (Login, error) {
	email = NormalizeEmail(email)
	p := coop.Problems{}
	if email == "" {
		p.Add("email", "error.required")
	}
	if password == "" {
		p.Add("password", "error.required")
	}
	if err := p.Err(); err != nil {
		return Login{}, err
	}
	var id int64
	var hash string
	err := s.DB.SQL.QueryRowContext(ctx, `SELECT id, password_hash FROM users WHERE email = $1`, email).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		_, _ = s.Hasher.Verify(ctx, dummyHash, password)
		return Login{}, coop.Errorf(coop.EUnauthorized, "auth.bad_credentials")
	}
	if err != nil {
		return Login{}, err
	}
	ok, err := s.Hasher.Verify(ctx, hash, password)
	if err != nil {
		return Login{}, err
	}
	if !ok {
		return Login{}, coop.Errorf(coop.EUnauthorized, "auth.bad_credentials")
	}
	var out Login
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		u, err := userByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if !u.EmailVerified {
			// The password proves the address is theirs to use: send
			// the link again rather than leave them stuck.
			return errNotVerified
		}
		out.User = u
		out.SecondFactor = u.TOTPEnabled
		out.Token, err = createSession(ctx, tx, u.ID, u.TOTPEnabled)
		return err
	})
	if errors.Is(err, errNotVerified) {
		if err := s.resendVerification(ctx, id); err != nil {
			return Login{}, err
		}
		return Login{}, coop.Errorf(coop.EPrecondition, "auth.not_verified")
	}
	return out, err
}

var errNotVerified = errors.New("email not verified")

// createSession stores a new session and returns its secret. A session
// waiting for its second factor lives only a few minutes.
func createSession(ctx context.Context, tx *db.Tx, userID int64, pending bool) (string, error) {
	token := randomToken()
	expires := tx.Now.Add(SessionAbsolute)
	if pending {
		expires = tx.Now.Add(PendingFactorTTL)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, pending_second_factor, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $4, $5)`, hashToken(token), userID, pending, tx.Now, expires)
	return token, err
}

// OpenSession opens a session for an account directly: after an accepted
// invitation, and in tests.
func (s *Service) OpenSession(ctx context.Context, userID int64) (token string, err error) {
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		token, err = createSession(ctx, tx, userID, false)
		return err
	})
	return token, err
}

// SessionUser returns the session of a cookie's secret and its account.
// An expired session (idle or absolute) is removed and ENotFound returned.
func (s *Service) SessionUser(ctx context.Context, token string) (Session, User, error) {
	var sess Session
	var u User
	if token == "" {
		return sess, u, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	var lastSeen time.Time
	err := s.DB.SQL.QueryRowContext(ctx, `SELECT id, user_id, pending_second_factor, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = $1`,
		hashToken(token)).Scan(&sess.ID, &sess.UserID, &sess.PendingSecondFactor, &sess.CreatedAt, &lastSeen, &sess.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, u, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	if err != nil {
		return sess, u, err
	}
	now := db.Instant(s.DB.Clock.Now())
	if !now.Before(sess.ExpiresAt) || now.Sub(lastSeen) >= SessionIdle {
		_, err := s.DB.SQL.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, sess.ID)
		if err != nil {
			return sess, u, err
		}
		return sess, u, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	// Writing on every request would serialise reads behind the writer:
	// a minute's precision is enough for an idle timeout of hours.
	if now.Sub(lastSeen) > time.Minute {
		if err := s.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, tx.Now, sess.ID)
			return err
		}); err != nil {
			return sess, u, err
		}
	}
	u, err = s.UserByID(ctx, sess.UserID)
	return sess, u, err
}

// Logout ends the session of a secret.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token))
		return err
	})
}

// CompleteSecondFactor checks the TOTP code of a pending session and, when
// right, replaces it with a full session (a new secret).
func (s *Service) CompleteSecondFactor(ctx context.Context, token, code string) (newToken string, err error) {
	sess, u, err := s.SessionUser(ctx, token)
	if err != nil {
		return "", coop.Errorf(coop.EUnauthorized, "auth.session_expired")
	}
	if !sess.PendingSecondFactor {
		return "", coop.Errorf(coop.EUnauthorized, "auth.session_expired")
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := useTOTP(ctx, tx, u.ID, code); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, sess.ID); err != nil {
			return err
		}
		newToken, err = createSession(ctx, tx, u.ID, false)
		return err
	})
	return newToken, err
}

// PurgeSessions removes expired sessions and used or expired links; the
// server runs it periodically.
func (s *Service) PurgeSessions(ctx context.Context) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, tx.Now, tx.Now.Add(-SessionIdle)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE expires_at <= $1`, tx.Now.Add(-30*24*time.Hour))
		return err
	})
}
