// Package openhours parses and evaluates opening hours written in the
// OpenStreetMap opening_hours syntax
// (https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification),
// with the public holidays of metropolitan France, in the Europe/Paris time
// zone.
//
// The reference is the JavaScript library opening_hours.js 3.15, which the
// French open-data tools use: a value this package accepts means what the
// reference says it means, rule overrides and additional (",") and
// fallback ("||") rules included; a test compares both on real and
// generated values. Supported: weekdays ("Mo-Fr", "Su[1]", "Sa[-1]"), PH,
// times ("08:30-12:00,14:00-18:00", "24:00", "22:00-02:00" past midnight,
// up to 48:00), months and dates ("Jul-Aug", "Dec 24", "Dec 24-26",
// "Dec 24-Jan 02", "2026 Dec 24-2027 Jan 02", "Jan 01-29/7"), years
// ("2026", "2026-2027", "2026+", "2026/2"), ISO weeks ("week 01-26",
// "week 1-53/2"), "24/7", the states open, closed, off and unknown, and
// comments ("sur rendez-vous"). Refused with KeyUnsupported: school
// holidays (SH), sunrise and the like, easter, open ends ("18:00+"), day
// offsets ("PH +1 day"), points in time.
//
// Times are wall-clock times in Paris: at an instant, the state is what the
// rules say for the day and the minute a clock in Paris shows. When the
// clocks go forward, a time that does not exist (02:30) is passed at the
// change (03:00); when they go back, the repeated hour is read twice.
package openhours

import (
	"sort"
	"time"
)

// Hours is a parsed opening_hours value. It is immutable: safe for
// concurrent use.
type Hours struct {
	rules []rule // the internal rules, wrap rules included
	text  string
}

// Interval is a stretch of time when a place is open, or maybe open.
type Interval struct {
	Start, End time.Time // [Start, End), in Europe/Paris
	// Unknown means "maybe open": the rule says unknown, or gives only a
	// comment ("sur rendez-vous"), which Comment then holds.
	Unknown bool
	// Comment is the rule's comment, or the name of the public holiday
	// that a PH selector matched.
	Comment string
}

// lookahead is how far NextChange searches.
const lookahead = 366 * 24 * time.Hour

// String returns the value normalised: canonical spelling and case
// ("Mo-Fr 08:00-12:00"), zero-padded times and days, "; " between rules,
// ", " before an additional rule, " || " before a fallback rule; selectors
// stay in the order written. Parse(h.String()) means the same as h.
func (h *Hours) String() string { return h.text }

// SaysHolidays tells whether a rule of h selects public holidays ("PH"),
// open or closed: whether h says what the place does on them.
func (h *Hours) SaysHolidays() bool {
	for _, r := range h.rules {
		for _, sels := range r.date {
			for _, sel := range sels {
				if sel.kind == sPH {
					return true
				}
			}
		}
	}
	return false
}

// IsOpen tells whether the place is open at t. An unknown state ("maybe
// open") is not open.
func (h *Hours) IsOpen(t time.Time) bool {
	open, _, _ := h.State(t)
	return open
}

// State returns the state at t: open, unknown ("maybe open"; then open is
// false unless a rule says both, as "unknown open" does in the reference),
// and the comment that applies, if any (a rule's comment, or the name of
// the public holiday a PH selector matched).
func (h *Hours) State(t time.Time) (open, unknown bool, comment string) {
	dd, minute := wallClock(t)
	var buf [16]int
	m := h.matchDay(dd, dayOf(dd.n-1), buf[:0])
	open, unknown, match := h.stateAt(m.list, minute)
	return open, unknown, h.commentOf(m, match)
}

// NextChange returns the first instant after t when the place opens,
// closes, or becomes or stops being "maybe open" (comments alone do not
// count), searching up to 366 days ahead. It returns false when the state
// does not change in that time: "24/7", "off", a date long past.
func (h *Hours) NextChange(t time.Time) (time.Time, bool) {
	open0, unknown0, _ := h.State(t)
	limit := t.Add(lookahead)
	dd, _ := wallClock(t)
	var sc scratch
	for days := newDayWalk(dd); ; {
		segs := h.segments(days, &sc)
		for _, s := range segs {
			if s.start.After(t) && (s.open != open0 || s.unknown != unknown0) {
				if s.start.Before(limit) {
					return s.start, true
				}
				return time.Time{}, false
			}
		}
		if !days.end.Before(limit) {
			return time.Time{}, false
		}
		days.next()
	}
}

// Week returns the open and maybe-open intervals of the seven days that
// start on the day (in Paris) of monday, one slice per day, each interval
// cut at midnight: "22:00-02:00" on Monday gives Monday 22:00–24:00 and
// Tuesday 00:00–02:00. Adjacent stretches with the same state and comment
// make one interval.
func (h *Hours) Week(monday time.Time) [7][]Interval {
	var week [7][]Interval
	dd, _ := wallClock(monday)
	var sc scratch
	days := newDayWalk(dd)
	for i := range week {
		if i > 0 {
			days.next()
		}
		week[i] = h.intervals(days, &sc)
	}
	return week
}

// Day returns the intervals of the day of t in Paris, as Week gives each
// of its days: a seventh of the work, for who needs one day.
func (h *Hours) Day(t time.Time) []Interval {
	dd, _ := wallClock(t)
	var sc scratch
	return h.intervals(newDayWalk(dd), &sc)
}

// intervals returns the open or maybe-open stretches of the day days is
// at, each with its end, merged where they touch.
func (h *Hours) intervals(days *dayWalk, sc *scratch) []Interval {
	segs, end := h.segments(days, sc), days.end
	var out []Interval
	for k, s := range segs {
		stop := end
		if k+1 < len(segs) {
			stop = segs[k+1].start
		}
		if !s.open && !s.unknown {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End.Equal(s.start) &&
			out[n-1].Unknown == s.unknown && out[n-1].Comment == s.comment {
			out[n-1].End = stop
			continue
		}
		out = append(out, Interval{Start: s.start, End: stop, Unknown: s.unknown, Comment: s.comment})
	}
	return out
}

// dayMatch is what the date selectors say about a day: the rules that
// apply, in order, once later rules have overridden earlier ones, and the
// last rule whose PH selector matched (for the comment).
type dayMatch struct {
	list   []int
	phRule int
	phDay  day // the day the PH selector matched, for the holiday's name
}

// matchDay follows the reference's getStatePair: a matching rule with a
// date selector (or a second open rule without one) that opens or says
// unknown, and is neither a wrap, an additional nor a fallback rule,
// replaces the rules matched before it for that day. Wrap rules look at
// yesterday, the day before today.
func (h *Hours) matchDay(today, yesterday day, buf []int) dayMatch {
	m := dayMatch{list: buf, phRule: -1}
	for i := range h.rules {
		r := &h.rules[i]
		dd := today
		if r.wrapped {
			dd = yesterday
		}
		ok := true
		for g := 0; g < numGroups && ok; g++ {
			sels := r.date[g]
			if len(sels) == 0 {
				continue
			}
			ok = false
			for k := range sels {
				if sels[k].matches(dd) {
					ok = true
					if sels[k].kind == sPH && !r.wrapped {
						// Like the reference, the part of a night
						// after midnight does not take the name of the
						// holiday it started on.
						m.phRule, m.phDay = i, dd
					}
				}
			}
		}
		if !ok {
			continue
		}
		if (r.hasDate || i > 0 && r.open && !h.rules[i-1].hasDate) && (r.open || r.unknown) &&
			!r.wrapped && !r.additional && !r.fallback {
			m.list = m.list[:0]
		}
		m.list = append(m.list, i)
	}
	return m
}

// stateAt applies the day's rules, in order, at a minute of the day.
func (h *Hours) stateAt(list []int, minute int) (open, unknown bool, match int) {
	match = -1
	for _, i := range list {
		r := &h.rules[i]
		if len(r.times) == 0 && (!r.fallback || !(open || unknown)) {
			open, unknown, match = r.open, r.unknown, i
		}
		for _, s := range r.times {
			if minute >= s.from && (s.to > minutesInDay || minute < s.to) && (!r.fallback || !(open || unknown)) {
				open, unknown, match = r.open, r.unknown, i
			}
		}
	}
	return open, unknown, match
}

func (h *Hours) commentOf(m dayMatch, match int) string {
	switch {
	case match < 0:
		return ""
	case h.rules[match].hasComment:
		return h.rules[match].comment
	case m.phRule == match:
		name, _ := holidayName(m.phDay)
		return name
	}
	return ""
}

func (s *selector) matches(dd day) bool {
	switch s.kind {
	case sWeekdays:
		return s.mask>>dd.wd&1 == 1
	case sNth:
		if dd.wd != s.wd {
			return false
		}
		if s.n > 0 {
			return (dd.d-1)/7 == s.n-1
		}
		return (daysIn(dd.y, dd.m)-dd.d)/7 == -s.n-1
	case sPH:
		_, ok := holidayName(dd)
		return ok
	case sYear:
		if dd.y < s.from {
			return false
		}
		if s.period == 0 {
			return dd.y <= s.to
		}
		if s.to != 0 && dd.y > s.to {
			return false
		}
		return (dd.y-s.from)%s.period == 0
	case sMonths:
		return s.mask>>(dd.m-1)&1 == 1
	case sDateRange:
		y1, y2 := s.y1, s.y2
		if y1 == 0 {
			y1, y2 = dd.y, dd.y
		}
		from, to := daysFrom(y1, s.m1, s.d1), daysFrom(y2, s.m2, s.d2+1)
		if to < from { // "Dec 24-Jan 02": all but the days in between
			return dd.n < to || dd.n >= from
		}
		return dd.n >= from && dd.n < to
	case sMonthDays:
		y := s.y1
		if y == 0 {
			y = dd.y
		}
		if s.m1 != dd.m {
			return false
		}
		dim := daysIn(y, s.m1)
		if s.from > dim {
			return false // Feb 29 of a common year
		}
		from, to := daysFrom(y, s.m1, s.from), daysFrom(y, s.m1, min(s.to, dim)+1)
		if dd.n < from || dd.n >= to {
			return false
		}
		return s.period == 0 || (dd.n-from)%s.period == 0
	case sWeek:
		w := isoWeek(dd)
		if w < s.from || w > s.to {
			return false
		}
		return s.period == 0 || (w-s.from)%s.period == 0
	}
	return false
}

// segment is a stretch of a day with one state; it lasts until the next
// segment's start or the end of the day.
type segment struct {
	start   time.Time
	open    bool
	unknown bool
	comment string
}

// scratch holds buffers reused from day to day.
type scratch struct {
	list   [16]int
	bounds []int
	times  []time.Time
	segs   []segment
}

// dayWalk goes from day to day, knowing when each starts and ends and
// whether the clocks change that day, with few time zone look-ups.
type dayWalk struct {
	dd         day
	start, end time.Time
	change     time.Time // the next change of time after start (zero: none known)
	changes    bool      // the clocks change during the day
}

func newDayWalk(dd day) *dayWalk {
	w := &dayWalk{dd: dd, start: startOf(dd)}
	_, w.change = w.start.ZoneBounds()
	w.setEnd()
	return w
}

func (w *dayWalk) setEnd() {
	w.end = w.start.Add(24 * time.Hour)
	w.changes = !w.change.IsZero() && w.change.Before(w.end)
	if w.changes {
		w.end = startOf(dayOf(w.dd.n + 1))
	}
}

func (w *dayWalk) next() {
	w.dd = dayOf(w.dd.n + 1)
	w.start = w.end
	if w.changes {
		_, w.change = w.start.ZoneBounds()
	}
	w.setEnd()
}

// segments cuts a day into stretches of constant state, at the minutes
// where a time selector of the day's rules starts or ends, and at the
// change of time when there is one that day.
func (h *Hours) segments(w *dayWalk, sc *scratch) []segment {
	dd, start, end := w.dd, w.start, w.end
	m := h.matchDay(dd, dayOf(dd.n-1), sc.list[:0])
	bounds := append(sc.bounds[:0], 0)
	for _, i := range m.list {
		for _, s := range h.rules[i].times {
			if s.from > 0 && s.from < minutesInDay {
				bounds = append(bounds, s.from)
			}
			if s.to > 0 && s.to < minutesInDay {
				bounds = append(bounds, s.to)
			}
		}
	}
	sort.Ints(bounds)
	sc.bounds = bounds
	segs := sc.segs[:0]
	add := func(at time.Time, minute int) {
		if n := len(segs); n > 0 && !segs[n-1].start.Before(at) {
			return // the same instant twice
		}
		open, unknown, match := h.stateAt(m.list, minute)
		segs = append(segs, segment{start: at, open: open, unknown: unknown, comment: h.commentOf(m, match)})
	}
	if !w.changes {
		for _, b := range bounds {
			add(start.Add(time.Duration(b)*time.Minute), b)
		}
	} else {
		// The clocks change today: place every boundary at the instants
		// when a clock shows it, and read the clock at each.
		ts := sc.times[:0]
		for _, b := range bounds {
			ts = append(ts, instants(dd, b)...)
		}
		ts = append(ts, w.change)
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		sc.times = ts
		for _, at := range ts {
			if at.Before(start) || !at.Before(end) {
				continue
			}
			_, minute := wallClock(at)
			add(at, minute)
		}
	}
	sc.segs = segs
	return segs
}
