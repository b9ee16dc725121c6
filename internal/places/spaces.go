package places

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"strconv"
	"strings"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// SpaceInput is the space form, as typed.
type SpaceInput struct {
	Name        string
	Kind        string
	Capacity    string
	Audience    string
	Description string
}

func (in SpaceInput) validate() (Space, error) {
	p := coop.Problems{}
	sp := Space{Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description)}
	if required(p, "space_name", sp.Name) {
		maxLen(p, "space_name", sp.Name, 80)
	}
	sp.Kind = oneOf(p, "space_kind", in.Kind, SpaceKinds)
	sp.Audience = oneOf(p, "space_audience", in.Audience, Audiences)
	n, err := strconv.Atoi(strings.TrimSpace(in.Capacity))
	switch {
	case strings.TrimSpace(in.Capacity) == "":
		p.Add("capacity", "error.required")
	case err != nil:
		p.Add("capacity", "error.whole_number")
	case n < 1 || n > 500:
		p.Add("capacity", "places.capacity_range")
	default:
		sp.Capacity = n
	}
	maxLen(p, "space_description", sp.Description, 1000)
	return sp, p.Err()
}

func randomID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func spacesOf(ctx context.Context, tx *db.Tx, placeID int64) ([]Space, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, public_id, place_id, name, kind, capacity, audience, description, position
		FROM spaces WHERE place_id = $1 ORDER BY position, id`, placeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Space
	for rows.Next() {
		var sp Space
		if err := rows.Scan(&sp.ID, &sp.PublicID, &sp.PlaceID, &sp.Name, &sp.Kind, &sp.Capacity, &sp.Audience, &sp.Description, &sp.Position); err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, rows.Err()
}

// editablePlace returns the id of the place of slug, if by may edit it.
// In a write it locks the place until the transaction ends: every write
// that touches a place and its spaces or bookings locks the place first
// (as bookings do, migration 0014), so that none waits for another in a
// cycle.
func editablePlace(ctx context.Context, tx *db.Tx, by accounts.User, slug string) (int64, error) {
	var id, carrier int64
	err := tx.QueryRowContext(ctx, `SELECT id, carrier_id FROM places WHERE slug = $1`+tx.ForUpdate(), slug).Scan(&id, &carrier)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	if err != nil {
		return 0, err
	}
	ok, err := canEdit(ctx, tx, by, carrier)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, errForbidden
	}
	return id, nil
}

// AddSpace adds a space at the end of a place's list.
func (s *Service) AddSpace(ctx context.Context, by accounts.User, slug string, in SpaceInput) (Space, error) {
	sp, err := in.validate()
	if err != nil {
		return sp, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if sp.PlaceID, err = editablePlace(ctx, tx, by, slug); err != nil {
			return err
		}
		sp.PublicID = randomID()
		// Desks are booked by half-days, rooms and equipment by the hour,
		// until the place's booking settings say otherwise.
		unit := "hour"
		if sp.Kind == SpaceOpen {
			unit = "half_day"
		}
		return tx.QueryRowContext(ctx, `INSERT INTO spaces (public_id, place_id, name, kind, capacity, audience, description, position, booking_unit, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT COALESCE(max(position), 0) + 1 FROM spaces WHERE place_id = $2), $8, $9, $9) RETURNING id, position`,
			sp.PublicID, sp.PlaceID, sp.Name, string(sp.Kind), sp.Capacity, string(sp.Audience), sp.Description, unit, tx.Now).Scan(&sp.ID, &sp.Position)
	})
	return sp, err
}

// UpdateSpace saves a space of a place.
func (s *Service) UpdateSpace(ctx context.Context, by accounts.User, slug, spaceID string, in SpaceInput) (Space, error) {
	sp, err := in.validate()
	if err != nil {
		return sp, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		placeID, err := editablePlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		var (
			id, capacity int64
			kind         SpaceKind
			booked       bool
		)
		err = tx.QueryRowContext(ctx, `SELECT id, kind, capacity, EXISTS (SELECT 1 FROM bookings WHERE space_id = spaces.id)
			FROM spaces WHERE public_id = $1 AND place_id = $2`, spaceID, placeID).Scan(&id, &kind, &capacity, &booked)
		if errors.Is(err, sql.ErrNoRows) {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		if err != nil {
			return err
		}
		// A booked space keeps its way of being booked: its bookings were
		// taken, and are guarded, one at a time or by the seat.
		if booked && kind.OneAtATime() != sp.Kind.OneAtATime() {
			return coop.Refusal(coop.EInvalid, "places.space_kind_locked")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE spaces SET name = $2, kind = $3, capacity = $4, audience = $5, description = $6, updated_at = $7
			WHERE id = $1`, id, sp.Name, string(sp.Kind), sp.Capacity, string(sp.Audience), sp.Description, tx.Now); err != nil {
			return err
		}
		if booked && int64(sp.Capacity) < capacity {
			if err := fitBookings(ctx, tx, id, sp); err != nil {
				return err
			}
		}
		sp.ID, sp.PublicID, sp.PlaceID = id, spaceID, placeID
		return nil
	})
	return sp, err
}

// fitBookings refuses a smaller capacity of a space that its bookings to
// come would not fit. Written again, each is counted by the database's
// guard, as a new booking would be; one at a time, a booking's seats are
// its own.
func fitBookings(ctx context.Context, tx *db.Tx, spaceID int64, sp Space) error {
	_, err := tx.ExecContext(ctx, `UPDATE bookings SET seats = seats
		WHERE space_id = $1 AND status IN `+BookingsHoldingSeats+` AND end_at > $2`, spaceID, tx.Now)
	if db.Raised(err) == "booking.full" {
		return coop.Refusal(coop.EInvalid, "places.capacity_below_bookings")
	}
	if err != nil || !sp.Kind.OneAtATime() {
		return err
	}
	var over bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM bookings
		WHERE space_id = $1 AND status IN `+BookingsHoldingSeats+` AND end_at > $2 AND seats > $3)`, spaceID, tx.Now, sp.Capacity).Scan(&over); err != nil {
		return err
	}
	if over {
		return coop.Refusal(coop.EInvalid, "places.capacity_below_bookings")
	}
	return nil
}

// DeleteSpace removes a space of a place (with its photos).
func (s *Service) DeleteSpace(ctx context.Context, by accounts.User, slug, spaceID string) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		placeID, err := editablePlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		// The people who booked it are told by a cancellation, not by a
		// booking gone without a word.
		var upcoming bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM bookings b JOIN spaces s ON s.id = b.space_id
			WHERE s.public_id = $1 AND s.place_id = $2 AND (b.status IN `+BookingsHoldingSeats+` OR b.status = 'waiting') AND b.end_at > $3)`,
			spaceID, placeID, tx.Now).Scan(&upcoming); err != nil {
			return err
		}
		if upcoming {
			return coop.Refusal(coop.EInvalid, "places.space_has_bookings")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM spaces WHERE public_id = $1 AND place_id = $2`, spaceID, placeID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		return nil
	})
}

// EditablePlace returns the id of the place of slug inside a transaction,
// if by may edit it: ENotFound for no such place, EForbidden otherwise.
func EditablePlace(ctx context.Context, tx *db.Tx, by accounts.User, slug string) (int64, error) {
	return editablePlace(ctx, tx, by, slug)
}
