package booking

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sort"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
)

// MaxRange is the longest stretch one availability request covers.
const MaxRange = 42 * 24 * time.Hour

// Availability is what the spaces of a place offer over [From, To), as
// seen by one caller.
type Availability struct {
	Slug, Name string
	From, To   time.Time
	Hours      string
	// Staff tells that the caller runs the place's bookings.
	Staff  bool
	Spaces []SpaceAvailability
}

// SpaceAvailability is one space's slots.
type SpaceAvailability struct {
	Space   Space
	Windows []Window
	Slots   []SlotState
}

// SlotState is a slot with what is left of it and whether the caller may
// book it now; when not, Reason says why (a Refusal).
type SlotState struct {
	Slot
	Free     int
	Bookable bool
	Reason   *coop.Error
	// Window is the audience window the slot meets, if any.
	Window *Window
}

// Availability returns the slots of a place's spaces (or of one space,
// when spacePublicID is set) that start in [from, to), for by (nil: an
// anonymous visitor, who may not book).
func (s *Service) Availability(ctx context.Context, by *accounts.User, slug string, from, to time.Time, spacePublicID string) (Availability, error) {
	from, to = db.Instant(from), db.Instant(to)
	switch {
	case from.IsZero() || to.IsZero():
		return Availability{}, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"from": "booking.times_required"}}
	case !to.After(from):
		return Availability{}, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"to": "booking.end_before_start"}}
	case to.Sub(from) > MaxRange:
		return Availability{}, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"to": "booking.range_too_long"},
			FieldArgs: map[string][]any{"to": {int(MaxRange.Hours() / 24)}}}
	}
	var out Availability
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var placeID, version int64
		err := tx.QueryRowContext(ctx, `SELECT id, setup_version FROM places WHERE slug = $1 AND status <> 'closed'`, slug).Scan(&placeID, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		if err != nil {
			return err
		}
		setup, err := s.setupAt(ctx, tx, placeID, version)
		if err != nil {
			return err
		}
		out, err = s.availability(ctx, tx, setup, by, from, to, spacePublicID)
		return err
	})
	return out, err
}

// caller is who asks for availability, as the rules see them.
type caller struct {
	user     *accounts.User
	staff    bool
	audience string
	active   int // upcoming bookings held in the place
}

func (s *Service) availability(ctx context.Context, tx *db.Tx, setup *Setup, by *accounts.User, from, to time.Time, spacePublicID string) (Availability, error) {
	out := Availability{Slug: setup.Slug, Name: setup.Name, From: from, To: to}
	if setup.Hours != nil {
		out.Hours = setup.Hours.String()
	}
	c := caller{user: by}
	if by != nil {
		var err error
		if c.staff, err = places.Hosts(ctx, tx, *by, setup.PlaceID); err != nil {
			return out, err
		}
		if err := tx.QueryRowContext(ctx, `SELECT audience FROM users WHERE id = $1`, by.ID).Scan(&c.audience); err != nil {
			return out, err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bookings b JOIN spaces s ON s.id = b.space_id
			WHERE b.user_id = $1 AND s.place_id = $2 AND b.end_at > $3 AND b.status IN `+holding,
			by.ID, setup.PlaceID, tx.Now).Scan(&c.active); err != nil {
			return out, err
		}
	}
	out.Staff = c.staff
	var spaces []*Space
	for i := range setup.Spaces {
		if spacePublicID == "" || setup.Spaces[i].PublicID == spacePublicID {
			spaces = append(spaces, &setup.Spaces[i])
		}
	}
	if spacePublicID != "" && len(spaces) == 0 {
		return out, coop.Errorf(coop.ENotFound, "booking.space_not_found")
	}
	// Bookings last a day at most: those starting a day before from may
	// still hold seats in it.
	held, err := heldSeats(ctx, tx, setup.PlaceID, from.Add(-24*time.Hour), to)
	if err != nil {
		return out, err
	}
	days := int(to.Sub(from).Hours()/24) + 2
	for _, sp := range spaces {
		perDay := 2
		if sp.Unit != HalfDay {
			perDay = 12
		}
		out.Spaces = append(out.Spaces, SpaceAvailability{Space: *sp, Windows: setup.WindowsOf(sp), Slots: make([]SlotState, 0, days*perDay)})
	}
	for day := midnight(from); day.Before(to); day = midnight(day.Add(36 * time.Hour)) {
		d := setup.dayOf(day)
		slots := map[Unit][]Slot{} // the same for every space of a unit
		for i, sp := range spaces {
			list, ok := slots[sp.Unit]
			if !ok {
				list = slotsOf(sp.Unit, d)
				slots[sp.Unit] = list
			}
			for _, slot := range list {
				if !slot.End.After(from) || !slot.Start.Before(to) {
					continue
				}
				out.Spaces[i].Slots = append(out.Spaces[i].Slots, setup.state(sp, c, slot, d, held[sp.ID], tx.Now))
			}
		}
	}
	return out, nil
}

// state says what is left of a slot and whether the caller may book it.
func (p *Setup) state(sp *Space, c caller, slot Slot, d *dayInfo, held []hold, now time.Time) SlotState {
	used := peak(held, slot.Start, slot.End)
	st := SlotState{Slot: slot, Free: max(sp.Capacity-used, 0)}
	if sp.Exclusive && used > 0 {
		st.Free = 0
	} else if sp.Exclusive {
		st.Free = 1
	}
	audience := c.audience
	if w, found := p.windowAgainst(sp, "", slot.Start, slot.End, d.midnight); found {
		st.Window = &w
	}
	if audience == "" {
		// Anonymous visitors see the rules as a member of the public of
		// professionals would; the staff books either audience.
		audience = AudienceProfessionals
	}
	st.Reason = p.check(sp, audience, slot.Start, slot.End, now, c.staff, d)
	if st.Reason == nil && !c.staff && sp.Rules.MaxActive > 0 && c.active >= sp.Rules.MaxActive {
		st.Reason = coop.Refusal(coop.EInvalid, "booking.max_active", sp.Rules.MaxActive)
	}
	if st.Reason == nil && st.Free == 0 {
		st.Reason = coop.Refusal(coop.EConflict, map[bool]string{true: "booking.overlap", false: "booking.full"}[sp.Exclusive])
	}
	if st.Reason == nil && c.user == nil {
		st.Reason = coop.Refusal(coop.EUnauthorized, "booking.sign_in")
	}
	st.Bookable = st.Reason == nil
	return st
}

// hold is seats held over [start, end).
type hold struct {
	start, end time.Time
	seats      int
}

// heldSeats returns the seats held in the place's spaces by bookings that
// start in [from, to), by space and start.
func heldSeats(ctx context.Context, tx *db.Tx, placeID int64, from, to time.Time) (map[int64][]hold, error) {
	rows, err := tx.QueryContext(ctx, `SELECT b.space_id, `+tx.UnixSeconds("b.start_at")+`, `+tx.UnixSeconds("b.end_at")+`, b.seats FROM bookings b
		WHERE b.space_id IN (SELECT id FROM spaces WHERE place_id = $1) AND b.status IN `+holding+`
		AND b.start_at >= $2 AND b.start_at < $3 ORDER BY b.space_id, b.start_at`, placeID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]hold{}
	for rows.Next() {
		var (
			space, start, end int64
			h                 hold
		)
		if err := rows.Scan(&space, &start, &end, &h.seats); err != nil {
			return nil, err
		}
		h.start, h.end = time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC()
		out[space] = append(out[space], h)
	}
	return out, rows.Err()
}

// peak returns the most seats held at any instant of [start, end), held
// being sorted by start and lasting a day at most.
func peak(held []hold, start, end time.Time) int {
	lo := sort.Search(len(held), func(i int) bool { return !held[i].start.Before(start.Add(-24 * time.Hour)) })
	hi := sort.Search(len(held), func(i int) bool { return !held[i].start.Before(end) })
	type edge struct {
		at    time.Time
		seats int
	}
	var buf [64]edge
	edges := buf[:0]
	for _, h := range held[lo:hi] {
		if !h.end.After(start) {
			continue
		}
		edges = append(edges, edge{maxTime(h.start, start), h.seats}, edge{h.end, -h.seats})
	}
	// At the same instant a booking ends before the next one starts.
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.seats - b.seats
	})
	used, most := 0, 0
	for _, e := range edges {
		used += e.seats
		most = max(most, used)
	}
	return most
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
