package accounts

import (
	"context"
	"database/sql"
	"errors"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// settingStaffTOTP is the settings key that makes the second factor
// mandatory for staff roles.
const settingStaffTOTP = "staff_totp_required"

// StaffTOTPRequired tells whether staff accounts must use a second factor.
func (s *Service) StaffTOTPRequired(ctx context.Context) (bool, error) {
	var v string
	err := s.DB.SQL.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, settingStaffTOTP).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return v == "true", err
}

// SetStaffTOTPRequired changes that rule; only a coordinator may.
func (s *Service) SetStaffTOTPRequired(ctx context.Context, by User, required bool) error {
	if by.Role != Coordinator {
		return coop.Errorf(coop.EForbidden, "error.forbidden")
	}
	v := "false"
	if required {
		v = "true"
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, settingStaffTOTP, v, tx.Now)
		return err
	})
}

// NeedsTOTPSetup tells whether u must set up a second factor before
// anything else.
func (s *Service) NeedsTOTPSetup(ctx context.Context, u User) (bool, error) {
	if !u.Role.Staff() || u.TOTPEnabled {
		return false, nil
	}
	return s.StaffTOTPRequired(ctx)
}

// PendingTOTPSecret returns the secret being set up for u, creating one if
// needed. It is not active until EnableTOTP confirms a code.
func (s *Service) PendingTOTPSecret(ctx context.Context, userID int64) (secret string, err error) {
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var cur sql.NullString
		var enabled sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT totp_secret, totp_enabled_at FROM users WHERE id = $1`, userID).Scan(&cur, &enabled); err != nil {
			return err
		}
		if enabled.Valid {
			return coop.Errorf(coop.EPrecondition, "totp.already_enabled")
		}
		if cur.Valid && cur.String != "" {
			secret = cur.String
			return nil
		}
		secret = NewTOTPSecret()
		_, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_last_step = 0 WHERE id = $2`, secret, userID)
		return err
	})
	return secret, err
}

// EnableTOTP turns the second factor on once the user proves, with a code,
// that their application has the secret.
func (s *Service) EnableTOTP(ctx context.Context, userID int64, code string) error {
	return s.changeAccount(ctx, func(tx *db.Tx) error {
		if err := useTOTP(ctx, tx, userID, code); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET totp_enabled_at = $1, updated_at = $1 WHERE id = $2`, tx.Now, userID)
		return err
	})
}

// DisableTOTP turns the second factor off after checking the password;
// staff cannot while the coordinator requires it.
func (s *Service) DisableTOTP(ctx context.Context, u User, password string) error {
	if password == "" {
		return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"current_password": "error.required"}}
	}
	if need, err := s.StaffTOTPRequired(ctx); err != nil {
		return err
	} else if need && u.Role.Staff() {
		return coop.Errorf(coop.EPrecondition, "totp.required_for_staff")
	}
	if err := s.checkCurrentPassword(ctx, u.ID, "current_password", password); err != nil {
		return err
	}
	return s.changeAccount(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = 0, updated_at = $1 WHERE id = $2`, tx.Now, u.ID)
		return err
	})
}

// useTOTP checks a code against the account's secret and records its step
// so the same code cannot be used twice.
func useTOTP(ctx context.Context, tx *db.Tx, userID int64, code string) error {
	var secret sql.NullString
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT totp_secret, totp_last_step FROM users WHERE id = $1`, userID).Scan(&secret, &last); err != nil {
		return err
	}
	bad := &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"code": "totp.code_wrong"}}
	if !secret.Valid {
		return bad
	}
	step := checkTOTP(secret.String, code, tx.Now, last)
	if step == 0 {
		return bad
	}
	// The WHERE makes a racing transaction that matched the same code fail
	// instead of succeeding twice (PostgreSQL re-checks it after the lock).
	res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return bad
	}
	return nil
}
