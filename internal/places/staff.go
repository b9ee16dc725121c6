package places

import (
	"context"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// AddStaff makes a concierge account one of the hosts of a place.
func (s *Service) AddStaff(ctx context.Context, by accounts.User, slug string, userID int64) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		placeID, err := editablePlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		var role string
		if err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1`, userID).Scan(&role); err != nil {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		if accounts.Role(role) != accounts.Concierge {
			return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"staff": "places.not_a_concierge"}}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO place_staff (place_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, placeID, userID)
		return err
	})
}
