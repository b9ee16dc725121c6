// Package booking books the spaces of a place — open-space seats, offices,
// meeting rooms and equipment units — and never overbooks them.
//
// This is the store-level core: a booking is a half-open interval
// [Start, End) of UTC instants, for some seats of one space. Offices and
// meeting rooms are booked one at a time (Exclusive); open spaces and
// equipment are shared, up to the space's capacity at every instant.
//
// The invariants live in the database (migration 0005): a PostgreSQL
// exclusion constraint or a SQLite trigger refuses overlapping exclusive
// bookings, and triggers on both engines refuse a shared space over its
// capacity. The Service checks the same rules first, inside the write
// transaction and under a lock of the space's row, only to give a clear
// error ("booking.overlap", "booking.full").
//
// Not here yet, for later work: opening hours and closures, audience
// windows, the per-place rules (booking window, notice, durations,
// approval), waitlists, check-in, moving a booking, notifications and the
// web and API layers. Authorization is the caller's job.
package booking

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// Status is where a booking is in its life.
type Status string

// The statuses of a booking.
const (
	Confirmed Status = "confirmed"
	Cancelled Status = "cancelled"
)

// The audiences a booking is for.
const (
	AudienceProfessionals = "professionals"
	AudienceEInclusion    = "e_inclusion"
)

// Booking is some seats of a space over [Start, End).
type Booking struct {
	ID            int64
	PublicID      string
	SpaceID       int64
	SpacePublicID string
	UserID        *int64 // nil for a walk-in booked by the staff
	GuestName     string
	GuestContact  string
	Audience      string
	Start, End    time.Time // UTC
	Seats         int
	// Exclusive tells that the space is booked one at a time.
	Exclusive      bool
	Status         Status
	IdempotencyKey string
	CreatedAt      time.Time
	CancelledAt    *time.Time
}

// Request asks for a booking.
type Request struct {
	// UserID is the member booking for themselves; nil for a walk-in, who
	// then needs a GuestName.
	UserID        *int64
	GuestName     string
	GuestContact  string
	SpacePublicID string
	Start, End    time.Time // any location; stored in UTC, whole seconds
	Seats         int       // 0 means 1
	Audience      string    // AudienceProfessionals or AudienceEInclusion
	// IdempotencyKey, when set, makes the request safe to repeat: the same
	// key for the same user returns the first booking.
	IdempotencyKey string
}

// Service books spaces.
type Service struct {
	DB *db.DB
}

// Exclusive tells whether a space of that kind is booked one at a time.
// Equipment is counted in units, like an open space's seats.
func Exclusive(spaceKind string) bool {
	return spaceKind == "office" || spaceKind == "meeting_room"
}

const maxText = 200

func (r *Request) normalize() error {
	p := coop.Problems{}
	r.Start, r.End = db.Instant(r.Start), db.Instant(r.End)
	r.GuestName, r.GuestContact = strings.TrimSpace(r.GuestName), strings.TrimSpace(r.GuestContact)
	r.IdempotencyKey = strings.TrimSpace(r.IdempotencyKey)
	if r.Seats == 0 {
		r.Seats = 1
	}
	if r.SpacePublicID == "" {
		p.Add("space", "booking.space_required")
	}
	if r.Start.IsZero() || r.End.IsZero() {
		p.Add("start", "booking.times_required")
	} else if !r.End.After(r.Start) {
		p.Add("end", "booking.end_before_start")
	}
	if r.Seats < 1 {
		p.Add("seats", "booking.seats_min")
	}
	if r.Audience != AudienceProfessionals && r.Audience != AudienceEInclusion {
		p.Add("audience", "booking.audience_invalid")
	}
	if r.UserID == nil && r.GuestName == "" {
		p.Add("guest_name", "booking.guest_name_required")
	}
	if len(r.GuestName) > maxText {
		p.Add("guest_name", "booking.too_long")
	}
	if len(r.GuestContact) > maxText {
		p.Add("guest_contact", "booking.too_long")
	}
	if len(r.IdempotencyKey) > maxText {
		p.Add("idempotency_key", "booking.too_long")
	}
	return p.Err()
}

// Book books a space. Errors: EInvalid for a wrong request (with Fields),
// for a start in the past or more seats than the space has; ENotFound for
// an unknown space; EConflict "booking.overlap" when a one-at-a-time space
// is taken, "booking.full" when a shared space has not enough seats left,
// "booking.idempotency_mismatch" when the key was used for another request.
func (s *Service) Book(ctx context.Context, req Request) (Booking, error) {
	if err := req.normalize(); err != nil {
		return Booking{}, err
	}
	var b Booking
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var (
			spaceID  int64
			kind     string
			capacity int
		)
		// Lock the space: concurrent bookings of it decide one after the other.
		err := tx.QueryRowContext(ctx, `SELECT id, kind, capacity FROM spaces WHERE public_id = $1`+tx.ForUpdate(),
			req.SpacePublicID).Scan(&spaceID, &kind, &capacity)
		if errors.Is(err, sql.ErrNoRows) {
			return coop.Errorf(coop.ENotFound, "booking.space_not_found")
		}
		if err != nil {
			return err
		}
		if req.IdempotencyKey != "" {
			prev, found, err := byKey(ctx, tx, req.UserID, req.IdempotencyKey)
			if err != nil || found {
				b = prev
				if err == nil && !sameRequest(prev, req) {
					err = coop.Errorf(coop.EConflict, "booking.idempotency_mismatch")
				}
				return err
			}
		}
		if req.Start.Before(tx.Now) {
			return coop.Errorf(coop.EInvalid, "booking.in_past")
		}
		if req.Seats > capacity {
			return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form",
				Fields: map[string]string{"seats": "booking.seats_over_capacity"}, FieldArgs: map[string][]any{"seats": {capacity}}}
		}
		b = Booking{SpaceID: spaceID, SpacePublicID: req.SpacePublicID, UserID: req.UserID, GuestName: req.GuestName,
			GuestContact: req.GuestContact, Audience: req.Audience, Start: req.Start, End: req.End, Seats: req.Seats,
			Exclusive: Exclusive(kind), Status: Confirmed, IdempotencyKey: req.IdempotencyKey, CreatedAt: tx.Now, PublicID: newPublicID()}
		if b.Exclusive {
			var taken bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM bookings
				WHERE space_id = $1 AND status = 'confirmed' AND start_at < $3 AND end_at > $2)`,
				spaceID, b.Start, b.End).Scan(&taken); err != nil {
				return err
			}
			if taken {
				return coop.Errorf(coop.EConflict, "booking.overlap")
			}
		} else {
			used, err := peakSeats(ctx, tx, spaceID, b.Start, b.End)
			if err != nil {
				return err
			}
			if used+b.Seats > capacity {
				return coop.Errorf(coop.EConflict, "booking.full", capacity-used)
			}
		}
		var key any
		if b.IdempotencyKey != "" {
			key = b.IdempotencyKey
		}
		return tx.QueryRowContext(ctx, `INSERT INTO bookings (public_id, space_id, user_id, guest_name, guest_contact,
			audience, start_at, end_at, seats, exclusive, status, idempotency_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'confirmed', $11, $12) RETURNING id`,
			b.PublicID, b.SpaceID, b.UserID, b.GuestName, b.GuestContact, b.Audience, b.Start, b.End, b.Seats,
			b.Exclusive, key, b.CreatedAt).Scan(&b.ID)
	})
	if err != nil && req.IdempotencyKey != "" && coop.ErrorCode(err) == coop.EConflict && coop.AsError(err).Message == "error.conflict" {
		// A concurrent request with the same key, for another space, won the
		// unique index: answer as its repetition would.
		return s.replay(ctx, req, err)
	}
	if err != nil {
		return Booking{}, err
	}
	return b, nil
}

func (s *Service) replay(ctx context.Context, req Request, cause error) (Booking, error) {
	var (
		prev  Booking
		found bool
	)
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		prev, found, err = byKey(ctx, tx, req.UserID, req.IdempotencyKey)
		return err
	})
	switch {
	case err != nil:
		return Booking{}, err
	case !found:
		return Booking{}, cause
	case !sameRequest(prev, req):
		return Booking{}, coop.Errorf(coop.EConflict, "booking.idempotency_mismatch")
	}
	return prev, nil
}

// sameRequest tells whether req asks for what b is.
func sameRequest(b Booking, req Request) bool {
	return b.SpacePublicID == req.SpacePublicID && b.Start.Equal(req.Start) && b.End.Equal(req.End) &&
		b.Seats == req.Seats && b.Audience == req.Audience && b.GuestName == req.GuestName && b.GuestContact == req.GuestContact
}

// peakSeats returns the most seats the confirmed bookings of a space hold
// at any instant of [start, end): the peak is at start or at the start of a
// booking inside the interval. The database's trigger counts the same way.
func peakSeats(ctx context.Context, tx *db.Tx, spaceID int64, start, end time.Time) (int, error) {
	var atStart, inside int
	err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
		 WHERE b.space_id = $1 AND b.status = 'confirmed' AND b.start_at <= $2 AND b.end_at > $2),
		(SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
		                      WHERE b.space_id = $1 AND b.status = 'confirmed'
		                        AND b.start_at <= p.start_at AND b.end_at > p.start_at)), 0)
		 FROM bookings p
		 WHERE p.space_id = $1 AND p.status = 'confirmed' AND p.start_at > $2 AND p.start_at < $3)`,
		spaceID, start, end).Scan(&atStart, &inside)
	return max(atStart, inside), err
}

// Cancel cancels a booking and returns it. userID is the member cancelling
// their own booking (another member's is ENotFound), or nil when the staff
// cancels (the caller checked their rights). Cancelling is idempotent by
// nature: cancelling a cancelled booking returns it unchanged, so
// idempotencyKey, accepted for the API's sake, needs no storage. A booking
// that has ended cannot be cancelled (EPrecondition "booking.ended").
func (s *Service) Cancel(ctx context.Context, userID *int64, publicID, idempotencyKey string) (Booking, error) {
	_ = idempotencyKey
	var b Booking
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		b, err = get(ctx, tx, publicID)
		if err != nil {
			return err
		}
		if userID != nil && (b.UserID == nil || *b.UserID != *userID) {
			return coop.Errorf(coop.ENotFound, "booking.not_found")
		}
		if b.Status == Cancelled {
			return nil
		}
		if !b.End.After(tx.Now) {
			return coop.Errorf(coop.EPrecondition, "booking.ended")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bookings SET status = 'cancelled', cancelled_at = $1 WHERE id = $2`, tx.Now, b.ID); err != nil {
			return err
		}
		now := tx.Now
		b.Status, b.CancelledAt = Cancelled, &now
		return nil
	})
	return b, err
}

// Get returns a booking by its public id, or ENotFound. It checks no
// rights: the caller does.
func (s *Service) Get(ctx context.Context, publicID string) (Booking, error) {
	var b Booking
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		b, err = get(ctx, tx, publicID)
		return err
	})
	return b, err
}

// ListForSpace returns the confirmed bookings of a space that overlap
// [from, to), by start.
func (s *Service) ListForSpace(ctx context.Context, spaceID int64, from, to time.Time) ([]Booking, error) {
	var out []Booking
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, selectBooking+` WHERE b.space_id = $1 AND b.status = 'confirmed'
			AND b.start_at < $3 AND b.end_at > $2 ORDER BY b.start_at, b.id`, spaceID, db.Instant(from), db.Instant(to))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			b, err := scanBooking(rows)
			if err != nil {
				return err
			}
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}

const selectBooking = `SELECT b.id, b.public_id, b.space_id, s.public_id, b.user_id, b.guest_name, b.guest_contact, b.audience,
	b.start_at, b.end_at, b.seats, b.exclusive, b.status, COALESCE(b.idempotency_key, ''), b.created_at, b.cancelled_at
	FROM bookings b JOIN spaces s ON s.id = b.space_id`

func scanBooking(row interface{ Scan(...any) error }) (Booking, error) {
	var (
		b         Booking
		userID    sql.NullInt64
		cancelled sql.NullTime
	)
	err := row.Scan(&b.ID, &b.PublicID, &b.SpaceID, &b.SpacePublicID, &userID, &b.GuestName, &b.GuestContact, &b.Audience,
		&b.Start, &b.End, &b.Seats, &b.Exclusive, &b.Status, &b.IdempotencyKey, &b.CreatedAt, &cancelled)
	if err != nil {
		return b, err
	}
	if userID.Valid {
		b.UserID = &userID.Int64
	}
	if cancelled.Valid {
		t := cancelled.Time.UTC()
		b.CancelledAt = &t
	}
	b.Start, b.End, b.CreatedAt = b.Start.UTC(), b.End.UTC(), b.CreatedAt.UTC()
	return b, nil
}

func get(ctx context.Context, tx *db.Tx, publicID string) (Booking, error) {
	b, err := scanBooking(tx.QueryRowContext(ctx, selectBooking+` WHERE b.public_id = $1`, publicID))
	if errors.Is(err, sql.ErrNoRows) {
		return b, coop.Errorf(coop.ENotFound, "booking.not_found")
	}
	return b, err
}

func byKey(ctx context.Context, tx *db.Tx, userID *int64, key string) (Booking, bool, error) {
	var uid int64
	if userID != nil {
		uid = *userID
	}
	b, err := scanBooking(tx.QueryRowContext(ctx, selectBooking+` WHERE COALESCE(b.user_id, 0) = $1 AND b.idempotency_key = $2`, uid, key))
	if errors.Is(err, sql.ErrNoRows) {
		return b, false, nil
	}
	return b, err == nil, err
}

func newPublicID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
