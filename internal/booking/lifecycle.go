package booking

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
)

// keyed is a change made with an idempotency key (nil: without): what it
// does, for the key to be recognised when the change is sent again.
type keyed struct {
	key        string
	action     string    // "cancel", "move"
	start, end time.Time // a move's new times
}

// validate checks the key as the form fields of a booking are.
func (k *keyed) validate() error {
	k.key = strings.TrimSpace(k.key)
	if len(k.key) > maxText {
		return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"idempotency_key": "booking.text_too_long"}}
	}
	return nil
}

// seen tells whether by already made this change of booking with its key.
// The same key for another change is a conflict.
func (k *keyed) seen(ctx context.Context, tx *db.Tx, by, booking int64) (bool, error) {
	var (
		id         int64
		action     string
		start, end *time.Time
	)
	err := tx.QueryRowContext(ctx, `SELECT booking_id, action, start_at, end_at FROM booking_changes
		WHERE user_id = $1 AND idempotency_key = $2`, by, k.key).Scan(&id, &action, &start, &end)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	same := id == booking && action == k.action &&
		(start == nil) == k.start.IsZero() && (start == nil || start.Equal(k.start) && end.Equal(k.end))
	if !same {
		return false, coop.Refusal(coop.EConflict, "booking.idempotency_mismatch")
	}
	return true, nil
}

// record writes the key of a change made.
func (k *keyed) record(ctx context.Context, tx *db.Tx, by, booking int64) error {
	var start, end any
	if !k.start.IsZero() {
		start, end = k.start, k.end
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO booking_changes (user_id, idempotency_key, booking_id, action, start_at, end_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, by, k.key, booking, k.action, start, end, tx.Now)
	return err
}

// change runs fn on a booking inside a write transaction, the booking's
// place locked, once by is known to be its member or the staff of its
// place (anyone else gets ENotFound, as for a booking that does not exist).
// With a key already used for the same change, fn does not run: the
// booking is answered as it is.
func (s *Service) change(ctx context.Context, by accounts.User, publicID string, k *keyed,
	fn func(tx *db.Tx, b *Booking, setup *Setup, staff bool) error) (Booking, error) {
	if k != nil && k.key != "" {
		if err := k.validate(); err != nil {
			return Booking{}, err
		}
	}
	var b Booking
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		// Lock the booking's place: the changes of its bookings decide in
		// turn. On PostgreSQL every write of bookings locks their place
		// first, then their space (migration 0014): the other order could
		// deadlock with a pipeline of bookings (db.Statement).
		var placeID int64
		err := tx.QueryRowContext(ctx, `SELECT p.id FROM bookings b JOIN spaces s ON s.id = b.space_id JOIN places p ON p.id = s.place_id
			WHERE b.public_id = $1`+tx.ForUpdate("p"), publicID).Scan(&placeID)
		if errors.Is(err, sql.ErrNoRows) {
			return coop.Errorf(coop.ENotFound, "booking.not_found")
		}
		if err != nil {
			return err
		}
		if b, err = get(ctx, tx, publicID); err != nil {
			return err
		}
		staff, err := places.Hosts(ctx, tx, by, placeID)
		if err != nil {
			return err
		}
		if !staff && (b.UserID == nil || *b.UserID != by.ID) {
			return coop.Errorf(coop.ENotFound, "booking.not_found")
		}
		once := k != nil && k.key != ""
		if once {
			if seen, err := k.seen(ctx, tx, by.ID, b.ID); err != nil || seen {
				return err
			}
		}
		setup, err := s.setupOf(ctx, tx, placeID)
		if err != nil {
			return err
		}
		if err := fn(tx, &b, setup, staff); err != nil {
			return err
		}
		if once {
			return k.record(ctx, tx, by.ID, b.ID)
		}
		return nil
	})
	return b, err
}

// setStatus records a booking's new status and tells its person.
func (s *Service) setStatus(ctx context.Context, tx *db.Tx, b *Booking, to Status, event string) error {
	var cancelled, hold any
	if to == Cancelled {
		cancelled = tx.Now
		b.CancelledAt = &tx.Now
	}
	if to == Offered {
		hold = *b.HoldUntil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bookings SET status = $1, cancelled_at = $2, hold_until = $3, note = $4,
		sequence = sequence + 1, updated_at = $5 WHERE id = $6`, string(to), cancelled, hold, b.Note, tx.Now, b.ID); err != nil {
		return err
	}
	b.Status, b.Sequence = to, b.Sequence+1
	if to != Offered {
		b.HoldUntil = nil
	}
	return s.notify(ctx, tx, event, *b)
}

// Cancel cancels a booking (or leaves its waitlist) and returns it; the
// seats it held go to the waitlist. Its member may cancel up to the
// cancellation deadline, the place's staff at any time before its end.
// Cancelling is idempotent by nature: cancelling a cancelled booking
// returns it unchanged. A key (optional) is recorded as for Move.
func (s *Service) Cancel(ctx context.Context, by accounts.User, publicID, key string) (Booking, error) {
	return s.change(ctx, by, publicID, &keyed{key: key, action: "cancel"}, func(tx *db.Tx, b *Booking, setup *Setup, staff bool) error {
		switch {
		case b.Status == Cancelled:
			return nil
		case b.Status == Refused || b.Status == Expired:
			return coop.Refusal(coop.EPrecondition, "booking.not_active")
		case !b.End.After(tx.Now):
			return coop.Refusal(coop.EPrecondition, "booking.ended")
		}
		sp, _ := setup.spaceByID(b.SpaceID)
		if !staff && b.Status.Holds() && sp.Rules.CancelMinutes > 0 &&
			tx.Now.After(b.Start.Add(-time.Duration(sp.Rules.CancelMinutes)*time.Minute)) {
			return coop.Refusal(coop.EInvalid, "booking.cancel_deadline", durationMsg(sp.Rules.CancelMinutes))
		}
		held := b.Status.Holds()
		if err := s.setStatus(ctx, tx, b, Cancelled, "cancelled"); err != nil {
			return err
		}
		if held {
			return s.promote(ctx, tx, sp, b.Start, b.End)
		}
		return nil
	})
}

// Move gives a booking new times, under the same rules as a new booking;
// its old times go to the waitlist. Moving to the times it has is a no-op.
// A member's confirmed booking of a space whose bookings the staff approve
// waits for their approval again. With an idempotency key (optional), the move sent again changes nothing,
// even after a later move, and the key for another change is refused
// (EConflict "booking.idempotency_mismatch").
func (s *Service) Move(ctx context.Context, by accounts.User, publicID string, start, end time.Time, key string) (Booking, error) {
	start, end = db.Instant(start), db.Instant(end)
	if start.IsZero() || end.IsZero() || !end.After(start) {
		return Booking{}, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"end": "booking.end_before_start"}}
	}
	return s.change(ctx, by, publicID, &keyed{key: key, action: "move", start: start, end: end}, func(tx *db.Tx, b *Booking, setup *Setup, staff bool) error {
		if b.Start.Equal(start) && b.End.Equal(end) {
			return nil
		}
		if b.Status != Confirmed && b.Status != Pending {
			return coop.Refusal(coop.EPrecondition, "booking.not_active")
		}
		sp, _ := setup.spaceByID(b.SpaceID)
		if !staff && sp.Rules.CancelMinutes > 0 && tx.Now.After(b.Start.Add(-time.Duration(sp.Rules.CancelMinutes)*time.Minute)) {
			return coop.Refusal(coop.EInvalid, "booking.cancel_deadline", durationMsg(sp.Rules.CancelMinutes))
		}
		if e := setup.Check(sp, b.Audience, start, end, tx.Now, staff); e != nil {
			return e
		}
		if err := taken(ctx, tx, sp, start, end, b.Seats, b.ID); err != nil {
			return err
		}
		oldStart, oldEnd := b.Start, b.End
		status, event := b.Status, "moved"
		if !staff && status == Confirmed && sp.Rules.Approval {
			// The staff accepted its times, not others: they decide again.
			status, event = Pending, "pending"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bookings SET start_at = $1, end_at = $2, status = $3, sequence = sequence + 1, updated_at = $4
			WHERE id = $5`, start, end, string(status), tx.Now, b.ID); err != nil {
			return err
		}
		b.Start, b.End, b.Status, b.Sequence = start, end, status, b.Sequence+1
		if err := s.notify(ctx, tx, event, *b); err != nil {
			return err
		}
		return s.promote(ctx, tx, sp, oldStart, oldEnd)
	})
}

// Accept takes a freed seat offered from the waitlist, before the offer
// expires.
func (s *Service) Accept(ctx context.Context, by accounts.User, publicID string) (Booking, error) {
	return s.change(ctx, by, publicID, nil, func(tx *db.Tx, b *Booking, setup *Setup, staff bool) error {
		switch {
		case b.Status == Confirmed:
			return nil
		case b.Status != Offered || b.HoldUntil == nil || !b.HoldUntil.After(tx.Now):
			return coop.Refusal(coop.EPrecondition, "booking.offer_expired")
		}
		return s.setStatus(ctx, tx, b, Confirmed, "confirmed")
	})
}

// Decide accepts (approve) or refuses a booking waiting for approval; only
// the place's staff may. A refusal's note tells the member why.
func (s *Service) Decide(ctx context.Context, by accounts.User, publicID string, approve bool, note string) (Booking, error) {
	return s.change(ctx, by, publicID, nil, func(tx *db.Tx, b *Booking, setup *Setup, staff bool) error {
		if !staff {
			return coop.Errorf(coop.EForbidden, "error.forbidden")
		}
		if b.Status != Pending {
			return coop.Refusal(coop.EPrecondition, "booking.not_pending")
		}
		if len(note) > 500 {
			return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"note": "booking.text_too_long"}}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bookings SET decided_at = $1 WHERE id = $2`, tx.Now, b.ID); err != nil {
			return err
		}
		if approve {
			return s.setStatus(ctx, tx, b, Confirmed, "confirmed")
		}
		b.Note = note
		if err := s.setStatus(ctx, tx, b, Refused, "refused"); err != nil {
			return err
		}
		sp, _ := setup.spaceByID(b.SpaceID)
		return s.promote(ctx, tx, sp, b.Start, b.End)
	})
}

// checkInEarly is how long before its start a person may be checked in.
const checkInEarly = time.Hour

// Attend records whether the person came: Present from an hour before the
// start until the end, NoShow once it started. Only the place's staff.
func (s *Service) Attend(ctx context.Context, by accounts.User, publicID string, a Attendance) (Booking, error) {
	return s.change(ctx, by, publicID, nil, func(tx *db.Tx, b *Booking, setup *Setup, staff bool) error {
		if !staff {
			return coop.Errorf(coop.EForbidden, "error.forbidden")
		}
		if b.Status != Confirmed {
			return coop.Refusal(coop.EPrecondition, "booking.not_confirmed")
		}
		switch {
		case a != Present && a != NoShow && a != Expected:
			return coop.Errorf(coop.EInvalid, "error.invalid_form")
		case b.Attendance == a:
			return nil
		case a == Present && (tx.Now.Before(b.Start.Add(-checkInEarly)) || !tx.Now.Before(b.End)):
			return coop.Refusal(coop.EInvalid, "booking.check_in_time")
		case a == NoShow && tx.Now.Before(b.Start):
			return coop.Refusal(coop.EInvalid, "booking.no_show_early")
		}
		var at any
		if a != Expected {
			at = tx.Now
		}
		_, err := tx.ExecContext(ctx, `UPDATE bookings SET attendance = $1, attendance_at = $2, updated_at = $3 WHERE id = $4`,
			string(a), at, tx.Now, b.ID)
		b.Attendance = a
		return err
	})
}

// promote offers the seats freed over [start, end) in sp to its waitlist,
// first come first served: each waiting request that now fits is held for
// its member until the space's hold time passes.
func (s *Service) promote(ctx context.Context, tx *db.Tx, sp *Space, start, end time.Time) error {
	waiting, err := listTx(ctx, tx, ` WHERE b.space_id = $1 AND b.status = 'waiting' AND b.start_at < $3 AND b.end_at > $2
		AND b.start_at > $4 ORDER BY b.created_at, b.id`, sp.ID, start, end, tx.Now)
	if err != nil {
		return err
	}
	for _, w := range waiting {
		if taken(ctx, tx, sp, w.Start, w.End, w.Seats, w.ID) != nil {
			continue
		}
		hold := tx.Now.Add(time.Duration(sp.Rules.HoldMinutes) * time.Minute)
		if hold.After(w.Start) {
			hold = w.Start
		}
		w.HoldUntil = &hold
		if err := s.setStatus(ctx, tx, &w, Offered, "offered"); err != nil {
			return err
		}
	}
	return nil
}

// Sweep ends the offers not taken in time, offering their seats to the
// next in line, and the waitlists whose slot has begun. It returns how many
// bookings it expired.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	var n int
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		// By place, then space: the order in which every write of bookings
		// locks them (see change), as each is locked below.
		due, err := listTx(ctx, tx, ` WHERE (b.status = 'offered' AND b.hold_until <= $1) OR (b.status = 'waiting' AND b.start_at <= $1)
			ORDER BY p.id, s.id, b.id`, tx.Now)
		if err != nil {
			return err
		}
		setups := map[string]*Setup{}
		for _, b := range due {
			// Its place locked first, as every write of bookings does; a
			// booking changed since the list (cancelled, say) is left to
			// the next sweep.
			var placeID int64
			if err := tx.QueryRowContext(ctx, `SELECT p.id FROM spaces s JOIN places p ON p.id = s.place_id
				WHERE s.id = $1`+tx.ForUpdate("p"), b.SpaceID).Scan(&placeID); err != nil {
				return err
			}
			now, err := get(ctx, tx, b.PublicID)
			if err != nil {
				return err
			}
			if now.Sequence != b.Sequence {
				continue
			}
			wasOffered := b.Status == Offered
			event := "expired"
			if !wasOffered {
				event = "waitlist_ended"
			}
			if err := s.setStatus(ctx, tx, &b, Expired, event); err != nil {
				return err
			}
			n++
			if !wasOffered {
				continue
			}
			setup, ok := setups[b.PlaceSlug]
			if !ok {
				if setup, err = s.setupOf(ctx, tx, placeID); err != nil {
					return err
				}
				setups[b.PlaceSlug] = setup
			}
			sp, _ := setup.spaceByID(b.SpaceID)
			if err := s.promote(ctx, tx, sp, b.Start, b.End); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

func (p *Setup) spaceByID(id int64) (*Space, bool) {
	for i := range p.Spaces {
		if p.Spaces[i].ID == id {
			return &p.Spaces[i], true
		}
	}
	return nil, false
}

// Mine returns a member's bookings, waitlists included: the upcoming ones
// (not ended, by start) or the past ones (most recent first, at most 100).
func (s *Service) Mine(ctx context.Context, userID int64, upcoming bool) ([]Booking, error) {
	now := db.Instant(s.DB.Clock.Now())
	if upcoming {
		return s.list(ctx, ` WHERE b.user_id = $1 AND b.end_at > $2 AND b.start_at > $3 ORDER BY b.start_at, b.id`, userID, now, now.Add(-MaxLength))
	}
	return s.list(ctx, ` WHERE b.user_id = $1 AND b.end_at <= $2 ORDER BY b.start_at DESC, b.id LIMIT 100`, userID, now)
}

// ForPlace returns the bookings of a place that overlap [from, to), every
// status, by start, for its staff (EForbidden for anyone else).
func (s *Service) ForPlace(ctx context.Context, by accounts.User, slug string, from, to time.Time) ([]Booking, error) {
	var out []Booking
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		placeID, err := s.hostedPlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		out, err = listTx(ctx, tx, ` WHERE s.place_id = $1 AND b.start_at < $3 AND b.end_at > $2 AND b.start_at > $4
			ORDER BY b.start_at, s.position, b.id`, placeID, db.Instant(from), db.Instant(to), db.Instant(from).Add(-MaxLength))
		return err
	})
	return out, err
}

// ChangeDeadlines returns until when each booking of list may be cancelled
// or moved by its member, by public id: its start less its space's
// cancellation deadline. Bookings without one are left out.
func (s *Service) ChangeDeadlines(ctx context.Context, list []Booking) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		setups := map[string]*Setup{} // by place slug
		for _, b := range list {
			setup, ok := setups[b.PlaceSlug]
			if !ok {
				var placeID int64
				if err := tx.QueryRowContext(ctx, `SELECT place_id FROM spaces WHERE id = $1`, b.SpaceID).Scan(&placeID); err != nil {
					return err
				}
				var err error
				if setup, err = s.setupOf(ctx, tx, placeID); err != nil {
					return err
				}
				setups[b.PlaceSlug] = setup
			}
			if sp, ok := setup.spaceByID(b.SpaceID); ok && sp.Rules.CancelMinutes > 0 {
				out[b.PublicID] = b.Start.Add(-time.Duration(sp.Rules.CancelMinutes) * time.Minute)
			}
		}
		return nil
	})
	return out, err
}

// PendingForPlace returns the requests of a place that wait for its
// staff's decision, every day to come, by start (EForbidden for anyone
// but its staff).
func (s *Service) PendingForPlace(ctx context.Context, by accounts.User, slug string) ([]Booking, error) {
	var out []Booking
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		placeID, err := s.hostedPlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		out, err = listTx(ctx, tx, ` WHERE s.place_id = $1 AND b.status = 'pending' AND b.end_at > $2 AND b.start_at > $3
			ORDER BY b.start_at, s.position, b.id`, placeID, tx.Now, tx.Now.Add(-MaxLength))
		return err
	})
	return out, err
}

// hostedPlace returns the id of a place by its slug, if by is its staff.
func (s *Service) hostedPlace(ctx context.Context, tx *db.Tx, by accounts.User, slug string) (int64, error) {
	var placeID int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM places WHERE slug = $1`, slug).Scan(&placeID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	if err != nil {
		return 0, err
	}
	ok, err := places.Hosts(ctx, tx, by, placeID)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, coop.Errorf(coop.EForbidden, "error.forbidden")
	}
	return placeID, nil
}

// Hosts tells whether by is the staff of the place of slug.
func (s *Service) Hosts(ctx context.Context, by accounts.User, slug string) (bool, error) {
	var ok bool
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		_, err := s.hostedPlace(ctx, tx, by, slug)
		ok = err == nil
		if e := coop.AsError(err); e != nil && (e.Code == coop.EForbidden) {
			return nil
		}
		return err
	})
	return ok, err
}
