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
	Pending     int // requests to come that wait for the staff's decision
}

// HostedPlaces returns the places whose bookings by runs, by name, closed
// places left out: every place for a coordinator, their carriers' for a
// manager, the places they are attached to for a concierge, none for
// anyone else. It answers as places.Hosts does, place by place.
func (s *Service) HostedPlaces(ctx context.Context, by accounts.User) ([]HostedPlace, error) {
	where := "TRUE" // the places by runs, with $3 for by
	switch by.Role {
	case accounts.Coordinator:
	case accounts.Manager:
		where = `p.carrier_id IN (SELECT carrier_id FROM carrier_managers WHERE user_id = $3)`
	case accounts.Concierge:
		where = `p.id IN (SELECT place_id FROM place_staff WHERE user_id = $3)`
	default:
		return nil, nil
	}
	var out []HostedPlace
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		args := []any{tx.Now, tx.Now.Add(-MaxLength)}
		if by.Role != accounts.Coordinator {
			args = append(args, by.ID)
		}
		rows, err := tx.QueryContext(ctx, `SELECT p.slug, p.name, p.commune_code, p.status,
				(SELECT count(*) FROM bookings b JOIN spaces s ON s.id = b.space_id
				 WHERE s.place_id = p.id AND b.status = 'pending' AND b.end_at > $1 AND b.start_at > $2)
			FROM places p WHERE p.status <> 'closed' AND `+where+` ORDER BY p.name, p.id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h HostedPlace
			if err := rows.Scan(&h.Slug, &h.Name, &h.CommuneCode, &h.Status, &h.Pending); err != nil {
				return err
			}
			out = append(out, h)
		}
		return rows.Err()
	})
	return out, err
}
