package booking

import (
	"context"

	"coopconnect/internal/accounts"
	"coopconnect/internal/db"
)

// HostedPlace is a place whose bookings someone runs.
type HostedPlace struct {
	Slug, Name  string
	CommuneCode string
	Status      string
}

// HostedPlaces returns the places whose bookings by runs, by name, closed
// places left out: every place for a coordinator, their carriers' for a
// manager, the places they are attached to for a concierge, none for
// anyone else. It answers as places.Hosts does, place by place.
func (s *Service) HostedPlaces(ctx context.Context, by accounts.User) ([]HostedPlace, error) {
	where, args := "", []any{by.ID}
	switch by.Role {
	case accounts.Coordinator:
		where, args = "TRUE", nil
	case accounts.Manager:
		where = `p.carrier_id IN (SELECT carrier_id FROM carrier_managers WHERE user_id = $1)`
	case accounts.Concierge:
		where = `p.id IN (SELECT place_id FROM place_staff WHERE user_id = $1)`
	default:
		return nil, nil
	}
	var out []HostedPlace
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT p.slug, p.name, p.commune_code, p.status FROM places p
			WHERE p.status <> 'closed' AND `+where+` ORDER BY p.name, p.id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h HostedPlace
			if err := rows.Scan(&h.Slug, &h.Name, &h.CommuneCode, &h.Status); err != nil {
				return err
			}
			out = append(out, h)
		}
		return rows.Err()
	})
	return out, err
}
