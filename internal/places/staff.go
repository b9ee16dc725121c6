package places

import (
	"context"
	"database/sql"
	"errors"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// AddStaff makes the concierge account of email one of the hosts of a
// place.
func (s *Service) AddStaff(ctx context.Context, by accounts.User, slug, email string) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		placeID, err := editablePlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		var id int64
		var role string
		err = tx.QueryRowContext(ctx, `SELECT id, role FROM users WHERE email = $1`, accounts.NormalizeEmail(email)).Scan(&id, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"staff_email": "places.staff_unknown"}}
		}
		if err != nil {
			return err
		}
		if accounts.Role(role) != accounts.Concierge {
			return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"staff_email": "places.not_a_concierge"}}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO place_staff (place_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, placeID, id)
		return err
	})
}

// RemoveStaff takes a host off a place. The place's occupancy feed goes
// with them: its address, which they may have kept, ends, and the staff
// who remain ask for a new one.
func (s *Service) RemoveStaff(ctx context.Context, by accounts.User, slug string, userID int64) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		placeID, err := editablePlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM place_staff WHERE place_id = $1 AND user_id = $2`, placeID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM calendar_feeds WHERE place_id = $1`, placeID)
		}
		return err
	})
}

func staffOf(ctx context.Context, tx *db.Tx, placeID int64) ([]Person, error) {
	rows, err := tx.QueryContext(ctx, `SELECT u.id, u.name, u.email FROM place_staff ps JOIN users u ON u.id = ps.user_id WHERE ps.place_id = $1 ORDER BY u.name`, placeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name, &p.Email); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Hosts tells whether by runs the bookings of a place: a coordinator, a
// manager of its carrier, or one of its concierges.
func Hosts(ctx context.Context, tx *db.Tx, by accounts.User, placeID int64) (bool, error) {
	if hosts, decided := HostsByRole(by.Role); decided {
		return hosts, nil
	}
	switch by.Role {
	case accounts.Manager:
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM carrier_managers cm JOIN places p ON p.carrier_id = cm.carrier_id
			WHERE p.id = $1 AND cm.user_id = $2`, placeID, by.ID).Scan(&n)
		return n > 0, err
	case accounts.Concierge:
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM place_staff WHERE place_id = $1 AND user_id = $2`, placeID, by.ID).Scan(&n)
		return n > 0, err
	}
	return false, nil
}

// HostsByRole tells whether a role alone decides Hosts (decided), and
// then its answer: a coordinator hosts every place, a member or an
// official none; a manager's or a concierge's places must be read.
func HostsByRole(role accounts.Role) (hosts, decided bool) {
	switch role {
	case accounts.Coordinator:
		return true, true
	case accounts.Manager, accounts.Concierge:
		return false, false
	}
	return false, true
}
