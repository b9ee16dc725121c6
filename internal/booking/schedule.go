package booking

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/openhours"
)

// Unit is how a space is booked.
type Unit string

// The booking units: desks by half-day (morning, afternoon or the whole
// day), rooms and equipment on a grid of hours or half-hours.
const (
	HalfDay  Unit = "half_day"
	Hour     Unit = "hour"
	HalfHour Unit = "half_hour"
)

// Units lists them.
var Units = []Unit{HalfDay, Hour, HalfHour}

// step is the grid of an hourly unit.
func (u Unit) step() time.Duration {
	if u == HalfHour {
		return 30 * time.Minute
	}
	return time.Hour
}

// grid is where hourly bookings start and end: on the hour or the half
// hour, so that a room opening at 8:30 is booked 8:30–9:30.
const grid = 30 * time.Minute

// noon splits a day's opening hours into morning and afternoon when they
// are one stretch.
const noon = 13 * 60

var paris = openhours.Paris()

// Space is a bookable space with what booking it needs.
type Space struct {
	ID        int64
	PublicID  string
	Name      string
	Kind      string
	Capacity  int
	Audience  string // professionals, e_inclusion or both
	Unit      Unit
	Rules     Rules
	Exclusive bool
}

// Window is a recurring stretch of the week reserved for one audience.
type Window struct {
	PublicID   string
	SpaceID    int64 // 0: every space of the place
	Audience   string
	Weekdays   uint8 // bit 0 Monday … bit 6 Sunday
	Start, End int   // minutes since midnight, Paris wall clock
	Label      string
}

// On tells whether the window recurs on that weekday.
func (w Window) On(d time.Weekday) bool { return w.Weekdays&(1<<((int(d)+6)%7)) != 0 }

// Blocked is a day without bookings for a place (SpaceID 0) or a space.
type Blocked struct {
	SpaceID int64
	Day     string // YYYY-MM-DD
	Reason  string
}

// Setup is what booking needs to know of a place: its hours, spaces,
// rules, audience windows and blocked days. Loaded in one go.
type Setup struct {
	PlaceID   int64
	Version   int64 // the place's setup_version when read
	Slug      string
	Name      string
	CarrierID int64
	Closed    bool             // the place is closed for good: it takes no booking
	Hours     *openhours.Hours // nil: the place has published no hours; public holidays off unless they say otherwise
	Spaces    []Space
	Windows   []Window
	Blocked   []Blocked
	Rules     Rules   // the place's own, over the defaults
	PlaceSet  RuleSet // as stored
	SpaceSets map[int64]RuleSet
}

// Space returns a space of the place by public id.
func (p *Setup) Space(publicID string) (*Space, bool) {
	for i := range p.Spaces {
		if p.Spaces[i].PublicID == publicID {
			return &p.Spaces[i], true
		}
	}
	return nil, false
}

// setupOf returns the booking setup of a place as the transaction sees
// it: from the cache when the place's setup_version has not moved since it
// was read (the database bumps it at every change of the setup), else read
// anew. A cached Setup is shared: nobody changes it.
func (s *Service) setupOf(ctx context.Context, tx *db.Tx, placeID int64) (*Setup, error) {
	var version int64
	err := tx.QueryRowContext(ctx, `SELECT setup_version FROM places WHERE id = $1`, placeID).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	if err != nil {
		return nil, err
	}
	return s.setupAt(ctx, tx, placeID, version)
}

// setupAt is setupOf with the place's setup_version already read in tx.
func (s *Service) setupAt(ctx context.Context, tx *db.Tx, placeID, version int64) (*Setup, error) {
	if c, ok := s.setups.Load(placeID); ok && c.(*Setup).Version == version {
		return c.(*Setup), nil
	}
	p, err := loadSetup(ctx, tx, placeID)
	if err != nil {
		return nil, err
	}
	s.setups.Store(placeID, p)
	return p, nil
}

// loadSetup reads the booking setup of a place.
func loadSetup(ctx context.Context, tx *db.Tx, placeID int64) (*Setup, error) {
	p := &Setup{PlaceID: placeID}
	var hours, status string
	err := tx.QueryRowContext(ctx, `SELECT slug, name, carrier_id, opening_hours, status, setup_version FROM places WHERE id = $1`, placeID).
		Scan(&p.Slug, &p.Name, &p.CarrierID, &hours, &status, &p.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	if err != nil {
		return nil, err
	}
	p.Closed = status == "closed"
	if hours != "" {
		p.Hours, _ = openhours.Parse(hours) // the places form refuses invalid values; an old one means no hours
		// Nobody books a public holiday unless the hours say what the
		// place does on them ("PH 10:00-12:00").
		if p.Hours != nil && !p.Hours.SaysHolidays() {
			if h, err := openhours.Parse(hours + "; PH off"); err == nil {
				p.Hours = h
			}
		}
	}
	if p.SpaceSets, err = ruleSets(ctx, tx, placeID); err != nil {
		return nil, err
	}
	p.PlaceSet = p.SpaceSets[0]
	p.Rules = p.PlaceSet.over(DefaultRules)
	rows, err := tx.QueryContext(ctx, `SELECT id, public_id, name, kind, capacity, audience, booking_unit
		FROM spaces WHERE place_id = $1 ORDER BY position, id`, placeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var sp Space
		if err := rows.Scan(&sp.ID, &sp.PublicID, &sp.Name, &sp.Kind, &sp.Capacity, &sp.Audience, &sp.Unit); err != nil {
			return nil, err
		}
		sp.Exclusive = Exclusive(sp.Kind)
		sp.Rules = p.SpaceSets[sp.ID].over(p.Rules)
		p.Spaces = append(p.Spaces, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if p.Windows, err = windowsOf(ctx, tx, placeID); err != nil {
		return nil, err
	}
	p.Blocked, err = blockedOf(ctx, tx, placeID)
	return p, err
}

func windowsOf(ctx context.Context, tx *db.Tx, placeID int64) ([]Window, error) {
	rows, err := tx.QueryContext(ctx, `SELECT public_id, COALESCE(space_id, 0), audience, weekdays, start_minute, end_minute, label
		FROM audience_windows WHERE place_id = $1 ORDER BY start_minute, id`, placeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Window
	for rows.Next() {
		var w Window
		if err := rows.Scan(&w.PublicID, &w.SpaceID, &w.Audience, &w.Weekdays, &w.Start, &w.End, &w.Label); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func blockedOf(ctx context.Context, tx *db.Tx, placeID int64) ([]Blocked, error) {
	rows, err := tx.QueryContext(ctx, `SELECT COALESCE(space_id, 0), day, reason FROM blocked_dates WHERE place_id = $1 ORDER BY day`, placeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Blocked
	for rows.Next() {
		var b Blocked
		if err := rows.Scan(&b.SpaceID, &b.Day, &b.Reason); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// midnight returns the start of t's day in Paris.
func midnight(t time.Time) time.Time {
	t = t.In(paris)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, paris)
}

// minuteOf returns the Paris wall-clock minute of t's day.
func minuteOf(t time.Time) int {
	t = t.In(paris)
	return t.Hour()*60 + t.Minute()
}

// atMinute returns the instant of a wall-clock minute of day (a Paris
// midnight); 1440 is the next midnight.
func atMinute(day time.Time, minute int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, minute, 0, 0, paris)
}

// openIntervals returns the stretches of a day (a Paris midnight) when the
// place is open for sure; "maybe open" does not take bookings.
func (p *Setup) openIntervals(day time.Time) []openhours.Interval {
	if p.Hours == nil {
		return nil
	}
	ivs := p.Hours.Day(day)
	out := ivs[:0:0]
	for _, iv := range ivs {
		if !iv.Unknown {
			out = append(out, iv)
		}
	}
	return out
}

// dayInfo is what the checks need to know of one day, read once for all
// the slots of the day.
type dayInfo struct {
	midnight, next     time.Time // this day's Paris midnight and the next one
	key                string    // YYYY-MM-DD
	open               []openhours.Interval
	morning, afternoon Slot
}

// dayOf reads a day (a Paris midnight).
func (p *Setup) dayOf(day time.Time) *dayInfo {
	d := &dayInfo{midnight: day, next: midnight(day.Add(36 * time.Hour)), key: day.Format(time.DateOnly), open: p.openIntervals(day)}
	d.morning, d.afternoon = halves(d.open)
	return d
}

// blockedOn returns why a space takes no booking on a day, if it does not.
func (p *Setup) blockedOn(sp *Space, d *dayInfo) (Blocked, bool) {
	for _, b := range p.Blocked {
		if b.Day == d.key && (b.SpaceID == 0 || b.SpaceID == sp.ID) {
			return b, true
		}
	}
	return Blocked{}, false
}

// Slot is a stretch of time a space can be booked for.
type Slot struct {
	Start, End time.Time
}

// halves returns the morning and afternoon of a day's opening hours; either
// may be missing (zero).
func halves(open []openhours.Interval) (morning, afternoon Slot) {
	if len(open) == 0 {
		return
	}
	if len(open) == 1 {
		iv := open[0]
		switch s, e := minuteOf(iv.Start), minuteOf(iv.End); {
		case e != 0 && e <= noon:
			return Slot{iv.Start, iv.End}, Slot{}
		case s >= noon:
			return Slot{}, Slot{iv.Start, iv.End}
		}
		split := atMinute(midnight(iv.Start), noon)
		return Slot{iv.Start, split}, Slot{split, iv.End}
	}
	// Several stretches: those starting before noon make the morning.
	for _, iv := range open {
		if minuteOf(iv.Start) < noon {
			if morning.Start.IsZero() {
				morning.Start = iv.Start
			}
			morning.End = iv.End
			continue
		}
		if afternoon.Start.IsZero() {
			afternoon.Start = iv.Start
		}
		afternoon.End = iv.End
	}
	return morning, afternoon
}

// Slots returns the slots a space offers on a day (a Paris midnight), in
// order: the morning and the afternoon for a desk, the grid of its opening
// hours for a room. A blocked day still has its slots: Check refuses them.
func (p *Setup) Slots(sp *Space, day time.Time) []Slot {
	return slotsOf(sp.Unit, p.dayOf(day))
}

func slotsOf(unit Unit, d *dayInfo) []Slot {
	if unit == HalfDay {
		var out []Slot
		for _, s := range []Slot{d.morning, d.afternoon} {
			if !s.Start.IsZero() {
				out = append(out, s)
			}
		}
		return out
	}
	step := unit.step()
	var out []Slot
	for _, iv := range d.open {
		// Slots start with the opening, on the half-hour grid.
		t := iv.Start.Truncate(grid) // Paris offsets are whole hours: the grid holds
		if t.Before(iv.Start) {
			t = t.Add(grid)
		}
		for ; !t.Add(step).After(iv.End); t = t.Add(step) {
			out = append(out, Slot{t, t.Add(step)})
		}
	}
	return out
}

// Check tells whether [start, end) may be booked in space sp for an
// audience, at now, by a member (staff false) or by the place's staff, who
// are bound by the hours, the windows and the durations but not by the
// booking window or the notice. Capacity and the member's active bookings
// are counted in the database, not here. The error is a Refusal whose
// reason is the stable code of the broken rule.
func (p *Setup) Check(sp *Space, audience string, start, end, now time.Time, staff bool) *coop.Error {
	return p.check(sp, audience, start, end, now, staff, p.dayOf(midnight(start)))
}

// check is Check with start's day already read.
func (p *Setup) check(sp *Space, audience string, start, end, now time.Time, staff bool, d *dayInfo) *coop.Error {
	if p.Closed {
		return coop.Refusal(coop.EInvalid, "booking.place_closed")
	}
	if start.Before(now) {
		return coop.Refusal(coop.EInvalid, "booking.in_past")
	}
	if sp.Audience != "both" && sp.Audience != audience {
		return coop.Refusal(coop.EInvalid, "booking.space_audience", coop.Msg{Key: "audience." + sp.Audience})
	}
	day, open := d.midnight, d.open
	if end.After(d.next) {
		return coop.Refusal(coop.EInvalid, "booking.one_day")
	}
	if b, blocked := p.blockedOn(sp, d); blocked {
		if b.Reason == "" { // the same refusal, said without a reason
			return &coop.Error{Code: coop.EInvalid, Reason: "booking.blocked_date", Message: "booking.blocked_day", Args: []any{dateMsg(day)}}
		}
		return coop.Refusal(coop.EInvalid, "booking.blocked_date", dateMsg(day), b.Reason)
	}
	if len(open) == 0 {
		if p.Hours == nil {
			return coop.Refusal(coop.EInvalid, "booking.no_hours")
		}
		return coop.Refusal(coop.EInvalid, "booking.closed_day", dateMsg(day))
	}
	if sp.Unit == HalfDay {
		m, a := d.morning, d.afternoon
		ok := (start.Equal(m.Start) && (end.Equal(m.End) || end.Equal(a.End))) || (start.Equal(a.Start) && end.Equal(a.End))
		if !ok {
			return coop.Refusal(coop.EInvalid, "booking.half_days_only", hoursMsg(open))
		}
	} else {
		step := sp.Unit.step()
		if minuteOf(start)%30 != 0 || minuteOf(end)%30 != 0 || end.Sub(start)%step != 0 {
			return coop.Refusal(coop.EInvalid, "booking.not_aligned", int(step.Minutes()))
		}
		inside := false
		for _, iv := range open {
			if !start.Before(iv.Start) && !end.After(iv.End) {
				inside = true
				break
			}
		}
		if !inside {
			return coop.Refusal(coop.EInvalid, "booking.closed", hoursMsg(open))
		}
	}
	minutes := int(end.Sub(start).Minutes())
	if r := sp.Rules; r.MinMinutes > 0 && minutes < r.MinMinutes {
		return coop.Refusal(coop.EInvalid, "booking.duration_min", durationMsg(r.MinMinutes))
	}
	if r := sp.Rules; r.MaxMinutes > 0 && minutes > r.MaxMinutes {
		return coop.Refusal(coop.EInvalid, "booking.duration_max", durationMsg(r.MaxMinutes))
	}
	if w := p.windowAgainst(sp, audience, start, end, day); w != nil {
		return windowRefusal(*w, open, start, end)
	}
	if staff {
		return nil
	}
	if r := sp.Rules; r.NoticeMinutes > 0 && start.Before(now.Add(time.Duration(r.NoticeMinutes)*time.Minute)) {
		return coop.Refusal(coop.EInvalid, "booking.notice", durationMsg(r.NoticeMinutes))
	}
	if r := sp.Rules; start.After(now.AddDate(0, 0, r.WindowDays)) {
		return coop.Refusal(coop.EInvalid, "booking.beyond_window", r.WindowDays)
	}
	return nil
}

// windowAgainst returns a window reserved for another audience than
// audience ("": any window) that [start, end), on day (a Paris midnight),
// meets in space sp.
// The window is the setup's own: read it, never change it.
func (p *Setup) windowAgainst(sp *Space, audience string, start, end, day time.Time) *Window {
	for i := range p.Windows {
		w := &p.Windows[i]
		if (audience != "" && w.Audience == audience) || (w.SpaceID != 0 && w.SpaceID != sp.ID) || !w.On(day.Weekday()) {
			continue
		}
		if atMinute(day, w.Start).Before(end) && atMinute(day, w.End).After(start) {
			return w
		}
	}
	return nil
}

// WindowsOf returns the windows that apply to a space.
func (p *Setup) WindowsOf(sp *Space) []Window {
	var out []Window
	for _, w := range p.Windows {
		if w.SpaceID == 0 || w.SpaceID == sp.ID {
			out = append(out, w)
		}
	}
	return out
}

// windowRefusal says which window a booking meets and, when the place is
// still open at the window's end, suggests that time.
func windowRefusal(w Window, open []openhours.Interval, start, end time.Time) *coop.Error {
	what := coop.Msg{Key: "booking.window_for." + w.Audience}
	if w.Label != "" {
		what = coop.Msg{Key: "booking.window_label", Args: []any{w.Label}}
	}
	day := midnight(start)
	args := []any{what, coop.Msg{Key: "weekday." + day.Weekday().String()}, clockMsg(w.Start), clockMsg(w.End)}
	after := atMinute(day, w.End)
	for _, iv := range open {
		if !after.Before(iv.Start) && after.Before(iv.End) {
			return coop.Refusal(coop.EInvalid, "booking.audience_window_try", append(args, clockMsg(w.End))...)
		}
	}
	return coop.Refusal(coop.EInvalid, "booking.audience_window", args...)
}

// clockMsg is a wall-clock time for a message: "14 h", "14 h 30".
func clockMsg(minute int) coop.Msg {
	if minute%60 == 0 {
		return coop.Msg{Key: "time.hour", Args: []any{minute / 60}}
	}
	return coop.Msg{Key: "time.hour_minute", Args: []any{minute / 60, minute % 60}}
}

// durationMsg is a duration in minutes for a message: "2 h", "30 min".
func durationMsg(minutes int) coop.Msg {
	switch {
	case minutes%1440 == 0:
		return coop.Msg{Key: "duration.days", Args: []any{minutes / 1440}}
	case minutes%60 == 0:
		return coop.Msg{Key: "duration.hours", Args: []any{minutes / 60}}
	case minutes > 60:
		return coop.Msg{Key: "duration.hours_minutes", Args: []any{minutes / 60, minutes % 60}}
	}
	return coop.Msg{Key: "duration.minutes", Args: []any{minutes}}
}

// dateMsg is a day for a message: "mardi 3 mars".
func dateMsg(day time.Time) coop.Msg {
	return coop.Msg{Key: "date.day", Args: []any{coop.Msg{Key: "weekday." + day.Weekday().String()}, day.Day(),
		coop.Msg{Key: "month." + day.Month().String()}}}
}

// hoursMsg lists a day's opening hours: "9 h – 12 h 30, 14 h – 18 h".
func hoursMsg(open []openhours.Interval) coop.Msg {
	args := make([]any, 0, 2*len(open))
	key := "booking.hours_" + string(rune('0'+min(len(open), 3)))
	for _, iv := range open[:min(len(open), 3)] {
		args = append(args, clockMsg(minuteOf(iv.Start)), clockMsg(endMinute(iv.End)))
	}
	return coop.Msg{Key: key, Args: args}
}
