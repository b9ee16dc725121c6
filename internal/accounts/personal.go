package accounts

import (
	"context"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// Export is everything Coop-connect holds about an account, for the
// right of access (RGPD art. 15) and portability (art. 20).
type Export struct {
	ExportedAt time.Time     `json:"exported_at"`
	Account    ExportAccount `json:"account"`
	Sessions   []ExportDated `json:"sessions"`
	APITokens  []ExportNamed `json:"api_tokens"`
}

// ExportAccount is the account part of an Export.
type ExportAccount struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	Role          Role      `json:"role"`
	Language      string    `json:"language"`
	EmailVerified bool      `json:"email_verified"`
	TwoFactor     bool      `json:"two_factor"`
	CreatedAt     time.Time `json:"created_at"`
}

// ExportDated is a session in an Export.
type ExportDated struct {
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// ExportNamed is an API token in an Export (never its secret).
type ExportNamed struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportData gathers the data of an account.
func (s *Service) ExportData(ctx context.Context, userID int64) (Export, error) {
	var e Export
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		u, err := userByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		e.ExportedAt = tx.Now
		e.Account = ExportAccount{ID: u.PublicID, Email: u.Email, Name: u.Name, Role: u.Role, Language: u.Locale, EmailVerified: u.EmailVerified, TwoFactor: u.TOTPEnabled, CreatedAt: u.CreatedAt}
		rows, err := tx.QueryContext(ctx, `SELECT created_at, last_seen_at FROM sessions WHERE user_id = $1 ORDER BY created_at`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		e.Sessions = []ExportDated{}
		for rows.Next() {
			var d ExportDated
			if err := rows.Scan(&d.CreatedAt, &d.LastSeenAt); err != nil {
				return err
			}
			e.Sessions = append(e.Sessions, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows2, err := tx.QueryContext(ctx, `SELECT name, created_at FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at`, userID)
		if err != nil {
			return err
		}
		defer rows2.Close()
		e.APITokens = []ExportNamed{}
		for rows2.Next() {
			var n ExportNamed
			if err := rows2.Scan(&n.Name, &n.CreatedAt); err != nil {
				return err
			}
			e.APITokens = append(e.APITokens, n)
		}
		return rows2.Err()
	})
	return e, err
}

// DeleteAccount erases an account after checking its password; its
// sessions, links, tokens and the emails sent to it go with it. The last coordinator cannot leave
// the network without one.
func (s *Service) DeleteAccount(ctx context.Context, u User, password string) error {
	if password == "" {
		return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"current_password": "error.required"}}
	}
	if err := s.checkCurrentPassword(ctx, u.ID, "current_password", password); err != nil {
		return err
	}
	return s.changeAccount(ctx, func(tx *db.Tx) error {
		if u.Role == Coordinator {
			// Lock the coordinators' rows before counting them: on
			// PostgreSQL two coordinators leaving at once would otherwise
			// each count the other and both go.
			if _, err := tx.ExecContext(ctx, `UPDATE users SET updated_at = updated_at WHERE role = 'coordinator'`); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'coordinator' AND id <> $1`, u.ID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return coop.Errorf(coop.EPrecondition, "account.last_coordinator")
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, u.ID); err != nil {
			return err
		}
		// The emails sent to the account go too: they hold its name and
		// address, and nothing needs them any more.
		_, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE to_addr = $1`, u.Email)
		return err
	})
}
