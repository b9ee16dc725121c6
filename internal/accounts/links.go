package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// Purposes of one-time links.
const (
	purposeVerify      = "verify_email"
	purposeReset       = "reset_password"
	purposeInvitation  = "invitation"
	purposeEmailChange = "change_email"
)

// link is a one-time link's row.
type link struct {
	ID        int64
	UserID    sql.NullInt64
	Email     string
	Role      sql.NullString
	ExpiresAt time.Time
}

// newLink stores a one-time link and returns its secret.
func newLink(ctx context.Context, tx *db.Tx, purpose string, userID *int64, email string, role *Role, invitedBy *int64, ttl time.Duration) (string, error) {
	token := randomToken()
	var r *string
	if role != nil {
		s := string(*role)
		r = &s
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, role, invited_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, hashToken(token), purpose, userID, email, r, invitedBy, tx.Now, tx.Now.Add(ttl))
	return token, err
}

// findLink returns the live link of a secret; a used, expired or unknown
// one is EGone, so the page can say so plainly.
func findLink(ctx context.Context, tx *db.Tx, purpose, token string) (link, error) {
	var l link
	var used sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT id, user_id, email, role, expires_at, used_at FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2`,
		hashToken(token), purpose).Scan(&l.ID, &l.UserID, &l.Email, &l.Role, &l.ExpiresAt, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (used.Valid || !tx.Now.Before(l.ExpiresAt))) {
		return l, coop.Errorf(coop.EGone, "auth.link_gone")
	}
	return l, err
}

// useLink marks a link used; the WHERE makes a second use in a racing
// transaction fail instead of succeeding twice.
func useLink(ctx context.Context, tx *db.Tx, l link) error {
	res, err := tx.ExecContext(ctx, `UPDATE one_time_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL`, tx.Now, l.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return coop.Errorf(coop.EGone, "auth.link_gone")
	}
	return nil
}

// SignUp is the member sign-up form.
type SignUp struct {
	Name     string
	Email    string
	Password string
	Lang     string
}

// Validate normalises the sign-up form and checks it.
func (in *SignUp) Validate() error {
	in.Email = NormalizeEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	p := coop.Problems{}
	checkName(p, in.Name)
	checkEmail(p, "email", in.Email)
	checkPassword(p, "password", in.Password, in.Email)
	return p.Err()
}

// SignUp creates a member account waiting for its address to be verified
// and emails the link. When the address already has an account, that
// account's owner is told instead, and the caller sees the same answer:
// sign-up never reveals who has an account.
func (s *Service) SignUp(ctx context.Context, in SignUp) error {
	if err := in.Validate(); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		existing, err := userByEmail(ctx, tx, in.Email)
		if err == nil {
			return s.queueMail(ctx, tx, existing.Locale, existing.Email, "mail.already", existing.Name, s.BaseURL+"/mot-de-passe-oublie")
		}
		if coop.ErrorCode(err) != coop.ENotFound {
			return err
		}
		id, err := insertUser(ctx, tx, NewUser{Email: in.Email, Name: in.Name, Role: Member, Locale: in.Lang}, hash)
		if err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, id)
	})
}

func (s *Service) sendVerification(ctx context.Context, tx *db.Tx, userID int64) error {
	u, err := userByID(ctx, tx, userID)
	if err != nil {
		return err
	}
	token, err := newLink(ctx, tx, purposeVerify, &u.ID, u.Email, nil, nil, VerifyLinkTTL)
	if err != nil {
		return err
	}
	return s.queueMail(ctx, tx, u.Locale, u.Email, "mail.verify", u.Name, s.BaseURL+"/verification/"+token)
}

func (s *Service) resendVerification(ctx context.Context, userID int64) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error { return s.sendVerification(ctx, tx, userID) })
}

// VerifyEmail consumes a verification link and marks the address verified.
func (s *Service) VerifyEmail(ctx context.Context, token string) (u User, err error) {
	err = s.changeAccount(ctx, func(tx *db.Tx) error {
		l, err := findLink(ctx, tx, purposeVerify, token)
		if err != nil {
			return err
		}
		if err := useLink(ctx, tx, l); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2 AND email = $3`, tx.Now, l.UserID.Int64, l.Email); err != nil {
			return err
		}
		u, err = userByID(ctx, tx, l.UserID.Int64)
		return err
	})
	return u, err
}

// RequestPasswordReset emails a reset link when the address has an
// account, and does nothing otherwise: the caller's answer is the same.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email = NormalizeEmail(email)
	p := coop.Problems{}
	checkEmail(p, "email", email)
	if err := p.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		u, err := userByEmail(ctx, tx, email)
		if coop.ErrorCode(err) == coop.ENotFound {
			return nil
		}
		if err != nil {
			return err
		}
		token, err := newLink(ctx, tx, purposeReset, &u.ID, u.Email, nil, nil, ResetLinkTTL)
		if err != nil {
			return err
		}
		return s.queueMail(ctx, tx, u.Locale, u.Email, "mail.reset", u.Name, s.BaseURL+"/mot-de-passe/"+token)
	})
}

// CheckLink tells whether a reset, invitation or email-change link can
// still be used, for the page that shows its form.
func (s *Service) CheckLink(ctx context.Context, purpose, token string) (email string, err error) {
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		l, err := findLink(ctx, tx, purpose, token)
		email = l.Email
		return err
	})
	return email, err
}

// Link purposes, for CheckLink.
const (
	LinkReset      = purposeReset
	LinkInvitation = purposeInvitation
	LinkVerify     = purposeVerify
	LinkEmail      = purposeEmailChange
)

// ResetPassword consumes a reset link, sets the new password, ends every
// session and, since the link proves the address, marks it verified.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	email, err := s.CheckLink(ctx, purposeReset, token)
	if err != nil {
		return err
	}
	hash, err := s.hashNewPassword(ctx, "password", password, email)
	if err != nil {
		return err
	}
	return s.changeAccount(ctx, func(tx *db.Tx) error {
		l, err := findLink(ctx, tx, purposeReset, token)
		if err != nil {
			return err
		}
		if err := useLink(ctx, tx, l); err != nil {
			return err
		}
		if err := setPassword(ctx, tx, l.UserID.Int64, hash, 0); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2`, tx.Now, l.UserID.Int64)
		return err
	})
}

// Invitation is a pending invitation.
type Invitation struct {
	Email     string
	Role      Role
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Invite emails an invitation to create an account of a role. The inviter
// must be allowed to give that role.
func (s *Service) Invite(ctx context.Context, by User, email string, role Role) error {
	email = NormalizeEmail(email)
	p := coop.Problems{}
	checkEmail(p, "email", email)
	if _, err := ParseRole(string(role)); err != nil {
		p.Add("role", "error.role_unknown")
	} else if !by.Role.CanInvite(role) {
		p.Add("role", "error.role_not_allowed")
	}
	if err := p.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := userByEmail(ctx, tx, email); err == nil {
			return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"email": "error.email_taken"}}
		}
		token, err := newLink(ctx, tx, purposeInvitation, nil, email, &role, &by.ID, InvitationTTL)
		if err != nil {
			return err
		}
		l := s.Catalogs.For(by.Locale)
		return s.queueMail(ctx, tx, by.Locale, email, "mail.invitation", by.Name+" — "+l.T("role."+string(role)), s.BaseURL+"/invitation/"+token)
	})
}

// Invitations lists the pending invitations sent by an account (all of
// them for a coordinator).
func (s *Service) Invitations(ctx context.Context, by User) ([]Invitation, error) {
	var out []Invitation
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		q := `SELECT email, role, created_at, expires_at FROM one_time_tokens
			WHERE purpose = 'invitation' AND used_at IS NULL AND expires_at > $1 AND (invited_by = $2 OR $3)
			ORDER BY created_at DESC`
		rows, err := tx.QueryContext(ctx, q, tx.Now, by.ID, by.Role == Coordinator)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var i Invitation
			var role string
			if err := rows.Scan(&i.Email, &role, &i.CreatedAt, &i.ExpiresAt); err != nil {
				return err
			}
			i.Role = Role(role)
			out = append(out, i)
		}
		return rows.Err()
	})
	return out, err
}

// AcceptInvitation creates the invited account, verified, and opens its
// first session.
func (s *Service) AcceptInvitation(ctx context.Context, token, name, password, lang string) (User, string, error) {
	name = strings.TrimSpace(name)
	email, err := s.CheckLink(ctx, purposeInvitation, token)
	if err != nil {
		return User{}, "", err
	}
	p := coop.Problems{}
	checkName(p, name)
	checkPassword(p, "password", password, email)
	if err := p.Err(); err != nil {
		return User{}, "", err
	}
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		return User{}, "", err
	}
	var u User
	var session string
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		l, err := findLink(ctx, tx, purposeInvitation, token)
		if err != nil {
			return err
		}
		if err := useLink(ctx, tx, l); err != nil {
			return err
		}
		id, err := insertUser(ctx, tx, NewUser{Email: l.Email, Name: name, Role: Role(l.Role.String), Locale: lang, Verified: true}, hash)
		if err != nil {
			return err
		}
		if u, err = userByID(ctx, tx, id); err != nil {
			return err
		}
		session, err = createSession(ctx, tx, id, false)
		return err
	})
	if db.IsConflict(err) {
		return User{}, "", coop.Errorf(coop.EGone, "auth.link_gone")
	}
	return u, session, err
}

// RequestEmailChange checks the current password, then emails a
// confirmation link to the new address; the address changes only when
// that link is followed.
func (s *Service) RequestEmailChange(ctx context.Context, userID int64, newEmail, password string) error {
	newEmail = NormalizeEmail(newEmail)
	p := coop.Problems{}
	checkEmail(p, "email", newEmail)
	if password == "" {
		p.Add("current_password", "error.required")
	}
	if err := p.Err(); err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, userID, "current_password", password); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		u, err := userByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if newEmail == u.Email {
			return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"email": "error.email_same"}}
		}
		if _, err := userByEmail(ctx, tx, newEmail); err == nil {
			// Say nothing of the other account: the link will simply fail.
			return nil
		}
		token, err := newLink(ctx, tx, purposeEmailChange, &u.ID, newEmail, nil, nil, EmailChangeTTL)
		if err != nil {
			return err
		}
		return s.queueMail(ctx, tx, u.Locale, newEmail, "mail.email_change", u.Name, s.BaseURL+"/email/"+token)
	})
}

// ConfirmEmailChange consumes an email-change link.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string) error {
	err := s.changeAccount(ctx, func(tx *db.Tx) error {
		l, err := findLink(ctx, tx, purposeEmailChange, token)
		if err != nil {
			return err
		}
		if err := useLink(ctx, tx, l); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET email = $1, email_verified_at = $2, updated_at = $2 WHERE id = $3`, l.Email, tx.Now, l.UserID.Int64)
		return err
	})
	if db.IsConflict(err) {
		return coop.Errorf(coop.EGone, "auth.link_gone")
	}
	return err
}

// ChangePassword checks the current password, sets the new one and ends
// every other session of the account.
func (s *Service) ChangePassword(ctx context.Context, userID, keepSession int64, current, next string) error {
	p := coop.Problems{}
	if current == "" {
		p.Add("current_password", "error.required")
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	checkPassword(p, "new_password", next, u.Email)
	if err := p.Err(); err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, userID, "current_password", current); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error { return setPassword(ctx, tx, userID, hash, keepSession) })
}
