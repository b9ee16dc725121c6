package booking

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
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
	memo   atomic.Pointer[[]byte] // see Memo
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
// anonymous visitor, who may not book). The answer may be shared with
// other callers: read it, never change it.
func (s *Service) Availability(ctx context.Context, by *accounts.User, slug string, from, to time.Time, spacePublicID string) (*Availability, error) {
	from, to = db.Instant(from), db.Instant(to)
	switch {
	case from.IsZero() || to.IsZero():
		return nil, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"from": "booking.times_required"}}
	case !to.After(from):
		return nil, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"to": "booking.end_before_start"}}
	case to.Sub(from) > MaxRange:
		return nil, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"to": "booking.range_too_long"},
			FieldArgs: map[string][]any{"to": {int(MaxRange.Hours() / 24)}}}
	}
	if out := s.cachedAvailability(ctx, by, slug, from, to, spacePublicID); out != nil {
		return out, nil
	}
	var out *Availability
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		c := caller{user: by}
		placeID, version, bookings, err := placeVersions(ctx, tx, slug, by, &c)
		if err != nil {
			return err
		}
		setup, err := s.setupAt(ctx, tx, placeID, version)
		if err != nil {
			return err
		}
		limit := setup.maxActive()
		if by != nil {
			if c.staff, err = places.Hosts(ctx, tx, *by, placeID); err != nil {
				return err
			}
			// The member's active bookings, where a rule bounds them.
			if limit > 0 {
				if c.active, err = countActive(ctx, tx, by.ID, placeID); err != nil {
					return err
				}
			}
		}
		key := newAvailKey(placeID, from, to, spacePublicID, c, limit)
		if out = s.avails.get(key, version, bookings, tx.Now); out != nil {
			return nil
		}
		var until time.Time
		if out, until, err = s.availability(ctx, tx, setup, bookings, c, from, to, spacePublicID); err != nil {
			return err
		}
		s.avails.put(key, &availEntry{setup: version, bookings: bookings, now: tx.Now, until: until, av: out})
		return nil
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

// availability computes what the place offers to c over [from, to), and
// until when the answer holds: the checks that depend on the present (a
// slot begun, the notice, the booking window) each turn at one instant of
// each slot, and until is the first of those after now.
func (s *Service) availability(ctx context.Context, tx *db.Tx, setup *Setup, bookings int64, c caller, from, to time.Time, spacePublicID string) (*Availability, time.Time, error) {
	out := &Availability{Slug: setup.Slug, Name: setup.Name, From: from, To: to, Staff: c.staff}
	if setup.Hours != nil {
		out.Hours = setup.Hours.String()
	}
	var spaces []*Space
	for i := range setup.Spaces {
		if spacePublicID == "" || setup.Spaces[i].PublicID == spacePublicID {
			spaces = append(spaces, &setup.Spaces[i])
		}
	}
	if spacePublicID != "" && len(spaces) == 0 {
		return nil, time.Time{}, coop.Errorf(coop.ENotFound, "booking.space_not_found")
	}
	// Bookings last a day at most: those starting a day before from may
	// still hold seats in it.
	held, err := s.heldIn(ctx, tx, setup.PlaceID, bookings, from.Add(-24*time.Hour), to)
	if err != nil {
		return nil, time.Time{}, err
	}
	days := int(to.Sub(from).Hours()/24) + 2
	for _, sp := range spaces {
		perDay := 2
		if sp.Unit != HalfDay {
			perDay = 12
		}
		out.Spaces = append(out.Spaces, SpaceAvailability{Space: *sp, Windows: setup.WindowsOf(sp), Slots: make([]SlotState, 0, days*perDay)})
	}
	now := tx.Now
	until := now.Add(MaxRange) // beyond any turn of the checks below
	turn := func(t time.Time) {
		if t.After(now) && t.Before(until) {
			until = t
		}
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
			r := sp.Rules
			for _, slot := range list {
				if !slot.End.After(from) || !slot.Start.Before(to) {
					continue
				}
				out.Spaces[i].Slots = append(out.Spaces[i].Slots, setup.state(sp, c, slot, d, held[sp.ID], now))
				// The turns of check's tests of the present, whose
				// instants are whole seconds: "start before now" and
				// "start before now + notice" turn true the second after
				// their instant, "start after now + window days" turns
				// false at its instant (in UTC, now's zone, where a day
				// lasts 24 hours).
				turn(slot.Start.Add(time.Second))
				turn(slot.Start.Add(time.Second - time.Duration(r.NoticeMinutes)*time.Minute))
				turn(slot.Start.AddDate(0, 0, -r.WindowDays))
			}
		}
	}
	return out, until, nil
}

// cachedAvailability answers from the cache in one statement, outside any
// transaction (on PostgreSQL, each statement of a transaction is a round
// trip to the server), when the caller's role alone says whether they are
// the place's staff and no rule bounds their active bookings; nil when it
// cannot.
func (s *Service) cachedAvailability(ctx context.Context, by *accounts.User, slug string, from, to time.Time, spacePublicID string) *Availability {
	c := caller{user: by}
	if by != nil {
		var decided bool
		if c.staff, decided = places.HostsByRole(by.Role); !decided {
			return nil
		}
	}
	placeID, version, bookings, err := placeVersions(ctx, s.DB.SQL, slug, by, &c)
	if err != nil {
		return nil // the transaction reads it again, and tells
	}
	setup, ok := s.setups.Load(placeID)
	if !ok || setup.(*Setup).Version != version || (by != nil && setup.(*Setup).maxActive() > 0) {
		return nil
	}
	return s.avails.get(newAvailKey(placeID, from, to, spacePublicID, c, 0), version, bookings, db.Instant(s.DB.Clock.Now()))
}

// placeVersions reads what every availability asks: the place's id and
// versions, and the caller's audience (into c).
func placeVersions(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, slug string, by *accounts.User, c *caller) (placeID, version, bookings int64, err error) {
	var userID int64
	if by != nil {
		userID = by.ID
	}
	err = q.QueryRowContext(ctx, `SELECT p.id, p.setup_version, p.bookings_version,
		COALESCE((SELECT audience FROM users WHERE id = $2), '')
		FROM places p WHERE p.slug = $1 AND p.status <> 'closed'`, slug, userID).
		Scan(&placeID, &version, &bookings, &c.audience)
	if errors.Is(err, sql.ErrNoRows) {
		err = coop.Errorf(coop.ENotFound, "error.not_found")
	}
	return placeID, version, bookings, err
}

// newAvailKey is the key of an availability for c, where limit bounds the
// active bookings that matter.
func newAvailKey(placeID int64, from, to time.Time, spacePublicID string, c caller, limit int) availKey {
	return availKey{place: placeID, from: from.Unix(), to: to.Unix(), space: spacePublicID,
		signedIn: c.user != nil, staff: c.staff, audience: c.audience, active: min(c.active, limit)}
}

// maxActive is the most active bookings any space's rules allow, 0 when
// none bounds them: callers holding more see the same as callers holding
// that many.
func (p *Setup) maxActive() int {
	most := 0
	for i := range p.Spaces {
		most = max(most, p.Spaces[i].Rules.MaxActive)
	}
	return most
}

// availKey is what an availability depends on besides the place's
// versions and the present: the place, the stretch, the space asked, and
// the caller as the rules see them.
type availKey struct {
	place, from, to int64
	space           string
	signedIn, staff bool
	audience        string
	active          int
}

// availEntry is an availability computed at now, the same for any instant
// of [now, until) while the place's versions stay.
type availEntry struct {
	setup, bookings int64
	now, until      time.Time
	av              *Availability
}

func (e *availEntry) slots() int {
	n := 1
	for _, sa := range e.av.Spaces {
		n += len(sa.Slots)
	}
	return n
}

// availCache keeps computed availabilities, up to maxCachedSlots slots in
// all: past it, it starts again empty. A place asked for often (its
// calendar page, an app polling it) is computed once per change of its
// bookings or setup, and at most once per turn of the hour.
type availCache struct {
	entries sync.Map // availKey → *availEntry
	mu      sync.Mutex
	slots   int // in entries, under mu
}

const maxCachedSlots = 1 << 17

func (c *availCache) get(k availKey, setup, bookings int64, now time.Time) *Availability {
	v, ok := c.entries.Load(k)
	if !ok {
		return nil
	}
	e := v.(*availEntry)
	if e.setup != setup || e.bookings != bookings || now.Before(e.now) || !now.Before(e.until) {
		return nil
	}
	return e.av
}

func (c *availCache) put(k availKey, e *availEntry) {
	n := e.slots()
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.entries.Load(k); ok {
		c.slots -= v.(*availEntry).slots()
	}
	if c.slots+n > maxCachedSlots {
		c.entries.Clear()
		c.slots = 0
	}
	c.entries.Store(k, e)
	c.slots += n
}

// Memo returns encode(a), computed once for a shared Availability: the
// API's answer of it.
func (a *Availability) Memo(encode func(*Availability) []byte) []byte {
	if b := a.memo.Load(); b != nil {
		return *b
	}
	b := encode(a)
	a.memo.CompareAndSwap(nil, &b)
	return b
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
	st.Window = p.windowAgainst(sp, "", slot.Start, slot.End, d.midnight)
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

// hold is seats held over [start, end), instants in Unix seconds.
type hold struct {
	start, end int64
	seats      int
}

// seatsHeld is the seats held in a place's spaces, by space and start, by
// the bookings that start in [from, to), as of the place's
// bookings_version.
type seatsHeld struct {
	version  int64
	from, to time.Time
	bySpace  map[int64][]hold
	holds    int
}

// heldCache keeps the seatsHeld of places by id, up to maxCachedHolds
// holds in all: past it, it starts again empty.
type heldCache struct {
	places sync.Map // place id → *seatsHeld
	mu     sync.Mutex
	holds  int // in places, under mu
}

const maxCachedHolds = 1 << 18

// heldIn returns the seats held in a place by the bookings that start in
// [from, to) (and maybe others): from the cache when it has them as of
// version, the place's bookings_version read in tx, else read in tx and
// kept. A cached entry is shared: nobody changes it.
func (s *Service) heldIn(ctx context.Context, tx *db.Tx, placeID, version int64, from, to time.Time) (map[int64][]hold, error) {
	if c, ok := s.held.places.Load(placeID); ok {
		if h := c.(*seatsHeld); h.version == version && !from.Before(h.from) && !to.After(h.to) {
			return h.bySpace, nil
		}
	}
	// Calendars page by the week: read at least the week ahead.
	to = maxTime(to, from.Add(8*24*time.Hour))
	h := &seatsHeld{version: version, from: from, to: to}
	var err error
	if h.bySpace, h.holds, err = heldSeats(ctx, tx, placeID, from, to); err != nil {
		return nil, err
	}
	s.held.mu.Lock()
	defer s.held.mu.Unlock()
	if c, ok := s.held.places.Load(placeID); ok {
		old := c.(*seatsHeld)
		if old.version > version {
			return h.bySpace, nil // a newer one came meanwhile
		}
		s.held.holds -= old.holds
	}
	if s.held.holds+h.holds > maxCachedHolds {
		s.held.places.Clear()
		s.held.holds = 0
	}
	s.held.places.Store(placeID, h)
	s.held.holds += h.holds
	return h.bySpace, nil
}

// heldSeats reads the seats held in the place's spaces by bookings that
// start in [from, to), by space and start, and how many bookings they are.
func heldSeats(ctx context.Context, tx *db.Tx, placeID int64, from, to time.Time) (map[int64][]hold, int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT b.space_id, `+tx.UnixSeconds("b.start_at")+`, `+tx.UnixSeconds("b.end_at")+`, b.seats FROM bookings b
		WHERE b.space_id IN (SELECT id FROM spaces WHERE place_id = $1) AND b.status IN `+holding+`
		AND b.start_at >= $2 AND b.start_at < $3 ORDER BY b.space_id, b.start_at`, placeID, from, to)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out, n := map[int64][]hold{}, 0
	for rows.Next() {
		var (
			space int64
			h     hold
		)
		if err := rows.Scan(&space, &h.start, &h.end, &h.seats); err != nil {
			return nil, 0, err
		}
		out[space] = append(out[space], h)
		n++
	}
	return out, n, rows.Err()
}

// peak returns the most seats held at any instant of [start, end), held
// being sorted by start and lasting a day at most.
func peak(held []hold, start, end time.Time) int {
	from, to := start.Unix(), end.Unix()
	lo := sort.Search(len(held), func(i int) bool { return held[i].start >= from-int64(MaxLength/time.Second) })
	hi := sort.Search(len(held), func(i int) bool { return held[i].start >= to })
	type edge struct {
		at    int64
		seats int
	}
	var buf [64]edge
	edges := buf[:0]
	for _, h := range held[lo:hi] {
		if h.end <= from {
			continue
		}
		edges = append(edges, edge{max(h.start, from), h.seats}, edge{h.end, -h.seats})
	}
	// At the same instant a booking ends before the next one starts.
	slices.SortFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
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
