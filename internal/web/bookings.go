package web

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
)

// Bookings: members. A place's booking calendar (a day or a week, every
// space or one) with its booking form; "Mes réservations" with cancel,
// move and accept; the audience a member declares on the account page.

// calendarView is the booking calendar of a place. Moving a booking shows
// it too, on the booking's space, with the move's form.
type calendarView struct {
	Page
	Slug, PlaceName string
	mine            []booking.Booking // the viewer's bookings holding seats here
	// Base is the calendar's own address, which the day picker and the
	// neighbour links keep: the place's, or the move's.
	Base              string
	Day               time.Time // a Paris midnight; the Monday in the week view
	Week              bool
	Filter            string // the space shown alone, or ""
	ViewSelect        selectField
	SpaceSelect       selectField
	Heading           string
	Prev, Next, Today calLink
	SignIn            string // the sign-in address, back here after, for a visitor
	Action            string // where the booking forms post; "" for a visitor
	Key               string // the idempotency key of this page's forms
	Empty             string // why there is nothing to book, when there is nothing
	Spaces            []calSpace
	Moving            *myBooking // the booking being moved
	Taken             *calTaken  // a full slot just refused, with the waitlist offered
}

// calLink is a link of the calendar's navigation.
type calLink struct{ Href, Label string }

// calSpace is one space of the calendar.
type calSpace struct {
	ID, Name, Facts string
	Windows         []string // the audience windows, in words
	Note            string   // what every slot of the day says, said once
	Choosable       bool     // a slot of the day may be chosen: the form is offered
	Exclusive       bool     // booked whole: its seats are the people who come
	Slots           []calSlot
	Days            []calDay // the week view
	Hint            string   // how this space is booked
	Durations       []option // a room's durations, when there is a choice
	SeatsMax        int      // the seats field, when more than one
	Seats           string
	Waitlist        bool   // some slot is full: the form offers the waitlist
	Error           string // the refusal, next to the slot choice
	SeatsError      string
}

// calDay is a day of the week view.
type calDay struct {
	Date, Href string
	Today      bool
	Slots      []calSlot
}

// calSlot is a slot with its status in words.
type calSlot struct {
	ID     string // the radio's id
	Value  string // "start/end", RFC 3339
	Label  string // "Matin, 8 h 30 – 12 h 30"
	Status string // "Libre — 3 places sur 8", "Complet", "Fermé"…
	Detail string // a refusal's message, when the status alone does not say why
	Kind   string // free, full, window, closed, past, other, mine: for the style only
	// Choosable slots get a radio button; Full ones lead to the waitlist.
	Choosable, Full, Checked bool
	Href                     string // week view: the day, this slot chosen
}

// calTaken is the offer of the waitlist after a full slot was refused.
type calTaken struct {
	Title, Message, What string
	Space, Value, Seats  string
}

// calWindow says a window in words: "mardi, jeudi, de 14 h à 17 h : réservé
// au public de l'inclusion numérique".
func calWindow(l *i18n.Localizer, w booking.Window) string {
	return l.T("bookpage.window", weekdaysText(l, w.Weekdays), minuteText(l, w.Start), minuteText(l, w.End), windowFor(l, w))
}

// windowFor names whom a window is for: "au public de l'inclusion
// numérique", or its label: "aux ateliers e-inclusion".
func windowFor(l *i18n.Localizer, w booking.Window) string {
	if w.Label != "" {
		return l.T("booking.window_label", w.Label)
	}
	return l.T("booking.window_for." + w.Audience)
}

// slotValue encodes a slot for a form: "start/end" in RFC 3339, Paris time.
func slotValue(start, end time.Time) string {
	return start.In(i18n.Paris).Format(time.RFC3339) + "/" + end.In(i18n.Paris).Format(time.RFC3339)
}

// parseSlotValue decodes slotValue.
func parseSlotValue(v string) (start, end time.Time, ok bool) {
	a, b, found := strings.Cut(v, "/")
	if !found {
		return start, end, false
	}
	start, err1 := time.Parse(time.RFC3339, a)
	end, err2 := time.Parse(time.RFC3339, b)
	return start, end, err1 == nil && err2 == nil && end.After(start)
}

// calHref is the address of a calendar: base, with a day, a view and a
// space.
func calHref(base string, day time.Time, week bool, space string) string {
	q := url.Values{"jour": {day.Format(time.DateOnly)}}
	if week {
		q.Set("vue", "semaine")
	}
	if space != "" {
		q.Set("espace", space)
	}
	return base + "?" + q.Encode()
}

// calQuery is what a calendar shows.
type calQuery struct {
	Day    time.Time // any Paris midnight of the day or week
	Week   bool
	Filter string
	Chosen string // a slot to check, for one space ("space|value")
}

// readCalQuery reads the calendar's query; a wrong day shows today, with
// the problem next to the date field.
func (s *Server) readCalQuery(r *http.Request, fallback time.Time) (calQuery, *coop.Error) {
	q := r.URL.Query()
	c := calQuery{Day: fallback, Week: q.Get("vue") == "semaine", Filter: q.Get("espace")}
	if c.Filter != "" && q.Get("creneau") != "" {
		c.Chosen = c.Filter + "|" + q.Get("creneau")
	}
	if v := q.Get("jour"); v != "" {
		d, ok := parseDay(v)
		if !ok {
			return c, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"jour": "booking.day_invalid"}}
		}
		c.Day = d
	}
	return c, nil
}

// calendar builds the calendar of a place for the viewer.
func (s *Server) calendar(r *http.Request, slug, base string, q calQuery, moving *booking.Booking) (*calendarView, error) {
	st := stateOf(r)
	l := st.loc
	now := s.Clock.Now()
	today := parisDay(now)
	from, to := q.Day, q.Day.AddDate(0, 0, 1)
	if q.Week {
		from = q.Day.AddDate(0, 0, -((int(q.Day.Weekday()) + 6) % 7))
		to = from.AddDate(0, 0, 7)
	}
	a, err := s.Booking.Availability(r.Context(), st.user, slug, from, to, "")
	if err != nil {
		return nil, err
	}
	v := &calendarView{Page: s.newPage(r, "bookpage.title"), Slug: slug, PlaceName: a.Name, Base: base, Day: from, Week: q.Week, Filter: q.Filter}
	v.Title = l.T("bookpage.title", a.Name)
	v.Form["jour"] = q.Day.Format(time.DateOnly)
	v.ViewSelect = selectField{field: field{Name: "vue", Label: l.T("bookpage.field.view"), Type: "select"}, Options: []option{
		{Value: "jour", Label: l.T("bookpage.view.day"), Selected: !q.Week}, {Value: "semaine", Label: l.T("bookpage.view.week"), Selected: q.Week}}}
	v.SpaceSelect = selectField{field: field{Name: "espace", Label: l.T("bookpage.field.space"), Type: "select"}, Blank: l.T("bookpage.all_spaces")}
	step, unit := 1, "day"
	if q.Week {
		step, unit = 7, "week"
		v.Heading = l.T("bookpage.week_of", l.Date(from))
	} else {
		v.Heading = l.Date(from)
	}
	v.Prev = calLink{calHref(base, from.AddDate(0, 0, -step), q.Week, q.Filter), l.T("bookpage.prev_" + unit)}
	v.Next = calLink{calHref(base, from.AddDate(0, 0, step), q.Week, q.Filter), l.T("bookpage.next_" + unit)}
	v.Today = calLink{calHref(base, today, q.Week, q.Filter), l.T("bookpage.this_" + unit)}
	if st.user == nil {
		v.SignIn = "/connexion?retour=" + url.QueryEscape(r.URL.RequestURI())
	} else {
		v.Action, v.Key = base, rand.Text()
		upcoming, err := s.Booking.Mine(r.Context(), st.user.ID, true)
		if err != nil {
			return nil, err
		}
		for _, b := range upcoming {
			if b.PlaceSlug == slug && b.Status.Holds() {
				v.mine = append(v.mine, b)
			}
		}
	}
	if moving != nil {
		item := myBookingOf(l, *moving, now)
		v.Moving = &item
	}
	found := q.Filter == ""
	for _, sa := range a.Spaces {
		v.SpaceSelect.Options = append(v.SpaceSelect.Options, option{Value: sa.Space.PublicID, Label: sa.Space.Name, Selected: sa.Space.PublicID == q.Filter})
		if q.Filter != "" && sa.Space.PublicID != q.Filter {
			continue
		}
		found = true
		v.Spaces = append(v.Spaces, v.space(l, sa, from, today, now, q, moving))
	}
	if !found {
		return nil, coop.Errorf(coop.ENotFound, "booking.space_not_found")
	}
	switch {
	case a.Hours == "":
		v.Empty = l.T("booking.no_hours")
	case len(a.Spaces) == 0:
		v.Empty = l.T("bookpage.no_spaces")
	}
	return v, nil
}

// space builds one space of the calendar over the days shown.
func (v *calendarView) space(l *i18n.Localizer, sa booking.SpaceAvailability, from, today, now time.Time, q calQuery, moving *booking.Booking) calSpace {
	sp := sa.Space
	cs := calSpace{ID: sp.PublicID, Name: sp.Name, Seats: "1", Exclusive: sp.Exclusive,
		Facts: l.T("bookpage.facts", l.T("space.kind."+sp.Kind), l.T("space.capacity."+sp.Kind, sp.Capacity), l.T("audience."+sp.Audience))}
	for _, w := range sa.Windows {
		if q.Week || w.On(from.Weekday()) {
			cs.Windows = append(cs.Windows, calWindow(l, w))
		}
	}
	signedIn := v.Action != ""
	if signedIn && moving == nil && sp.Capacity > 1 {
		cs.SeatsMax = sp.Capacity
	}
	if !q.Week {
		cs.Slots = calSlots(l, sa, sa.Slots, now, signedIn, moving, v.mine)
		for i := range cs.Slots {
			cs.Slots[i].ID = "c-" + sp.PublicID + "-" + strconv.Itoa(i)
			cs.Slots[i].Checked = q.Chosen == sp.PublicID+"|"+cs.Slots[i].Value
			cs.Waitlist = cs.Waitlist || (cs.Slots[i].Full && moving == nil)
			cs.Choosable = cs.Choosable || cs.Slots[i].Choosable
		}
		cs.Note = sharedDetail(cs.Slots)
		if len(cs.Slots) == 0 {
			cs.Note = l.T("bookpage.closed_day")
		}
		if sp.Unit == booking.HalfDay {
			cs.Hint = l.T("bookpage.hint.half_day")
		} else if cs.Durations = calDurations(l, sp, sa.Slots, moving); cs.Durations != nil {
			cs.Hint = l.T("bookpage.hint.hourly")
		} else {
			cs.Hint = l.T("bookpage.hint.slot")
		}
		return cs
	}
	for i := range 7 {
		d := from.AddDate(0, 0, i)
		var slots []booking.SlotState
		for _, st := range sa.Slots {
			if parisDay(st.Start).Equal(d) {
				slots = append(slots, st)
			}
		}
		day := calDay{Date: l.T("bookpage.week_day", l.Weekday(d), d.Day()), Href: calHref(v.Base, d, false, sp.PublicID) + "#espace-" + sp.PublicID,
			Today: d.Equal(today), Slots: calSlots(l, sa, slots, now, signedIn, moving, v.mine)}
		for j, s := range day.Slots {
			if s.Choosable {
				day.Slots[j].Href = calHref(v.Base, d, false, sp.PublicID) + "&creneau=" + url.QueryEscape(s.Value) + "#espace-" + sp.PublicID
			}
		}
		cs.Days = append(cs.Days, day)
	}
	return cs
}

// sharedDetail takes out the detail that every slot of a day says (a rule
// that refuses them all), to say it once; it returns it.
func sharedDetail(slots []calSlot) string {
	if len(slots) < 2 || slots[0].Detail == "" {
		return ""
	}
	shared := slots[0].Detail
	for _, s := range slots[1:] {
		if s.Detail != shared {
			return ""
		}
	}
	for i := range slots {
		slots[i].Detail = ""
	}
	return shared
}

// calSlots turns a day's slots of a space into their statuses and
// choices; a desk offers its morning, its afternoon and the whole day.
func calSlots(l *i18n.Localizer, sa booking.SpaceAvailability, states []booking.SlotState, now time.Time, signedIn bool, moving *booking.Booking, mine []booking.Booking) []calSlot {
	var out []calSlot
	for _, st := range states {
		out = append(out, calSlotOf(l, sa.Space, st, now, signedIn, moving, mine))
	}
	if sa.Space.Unit != booking.HalfDay {
		return out
	}
	for i, st := range states {
		name := "bookpage.morning"
		if t := st.Start.In(i18n.Paris); t.Hour() >= 13 {
			name = "bookpage.afternoon"
		}
		out[i].Label = l.T(name, out[i].Label)
	}
	if len(states) == 2 && states[0].Bookable && states[1].Bookable && out[0].Kind != "mine" && out[1].Kind != "mine" {
		whole := booking.SlotState{Slot: booking.Slot{Start: states[0].Start, End: states[1].End}, Free: min(states[0].Free, states[1].Free), Bookable: true}
		day := calSlotOf(l, sa.Space, whole, now, signedIn, moving, mine)
		day.Label = l.T("bookpage.whole_day", day.Label)
		out = append(out, day)
	}
	return out
}

// calSlotOf says a slot's status in words for the viewer.
// mine are the viewer's bookings that hold seats at the place: their
// slots say so, and are not offered again.
func calSlotOf(l *i18n.Localizer, sp booking.Space, st booking.SlotState, now time.Time, signedIn bool, moving *booking.Booking, mine []booking.Booking) calSlot {
	c := calSlot{Value: slotValue(st.Start, st.End), Label: spanText(l, st.Start, st.End), Kind: "free"}
	free := l.T("bookpage.status.free")
	switch {
	case sp.Exclusive || sp.Capacity == 1:
	case st.Free == 1:
		free = l.T("bookpage.status.free_seat", sp.Capacity)
	default:
		free = l.T("bookpage.status.free_seats", st.Free, sp.Capacity)
	}
	taken := func() {
		c.Kind, c.Status = "full", l.T("bookpage.status.full")
		if sp.Exclusive {
			c.Status = l.T("bookpage.status.taken")
		}
	}
	inWindow := func() {
		if st.Window != nil {
			c.Detail = l.T("bookpage.in_window", windowFor(l, *st.Window))
		}
	}
	reason := ""
	if st.Reason != nil {
		reason = st.Reason.Reason
	}
	switch {
	case moving != nil && st.Start.Before(moving.End) && st.End.After(moving.Start):
		c.Kind, c.Status = "mine", l.T("bookpage.status.mine")
	case !st.Start.After(now):
		c.Kind, c.Status = "past", l.T("bookpage.status.past")
	case moving == nil && slices.ContainsFunc(mine, func(b booking.Booking) bool {
		return b.SpacePublicID == sp.PublicID && st.Start.Before(b.End) && st.End.After(b.Start)
	}):
		c.Kind, c.Status = "mine", l.T("bookpage.status.yours")
	case !signedIn: // the reason is "sign in": say what a member would see
		switch {
		case st.Free == 0:
			taken()
		case st.Window != nil:
			c.Kind, c.Status = "window", l.T("bookpage.status.window."+st.Window.Audience)
		default:
			c.Status = free
		}
	case st.Bookable:
		c.Status, c.Choosable = free, true
		inWindow()
	case reason == "booking.full" || reason == "booking.overlap":
		taken()
		c.Choosable, c.Full = moving == nil, true
	case reason == "booking.duration_min":
		// Each unit alone is too short, not a longer booking from it: the
		// form's duration starts at the minimum.
		c.Status, c.Choosable = free, true
		inWindow()
	case reason == "booking.closed_day" || reason == "booking.blocked_date" || reason == "booking.closed" || reason == "booking.no_hours":
		c.Kind, c.Status = "closed", l.T("bookpage.status.closed")
		if reason == "booking.blocked_date" {
			c.Detail = translate(l, reason, st.Reason.Args...)
		}
	case strings.HasPrefix(reason, "booking.audience_window") && st.Window != nil:
		// The space's windows, above its slots, say when and for whom.
		c.Kind, c.Status = "window", l.T("bookpage.status.window."+st.Window.Audience)
	default:
		c.Kind, c.Status = "other", l.T("bookpage.status.unavailable")
		c.Detail = translate(l, st.Reason.Message, st.Reason.Args...)
	}
	return c
}

// calDurations offers a room's durations, from the shortest allowed to the
// longest the rules or the day's longest open stretch allow; none when the
// slot is the only length.
func calDurations(l *i18n.Localizer, sp booking.Space, states []booking.SlotState, moving *booking.Booking) []option {
	if len(states) == 0 {
		return nil
	}
	step := int(states[0].End.Sub(states[0].Start).Minutes())
	longest, run := 0, 0
	for i, st := range states {
		if i > 0 && st.Start.Equal(states[i-1].End) {
			run += step
		} else {
			run = step
		}
		longest = max(longest, run)
	}
	lo := max(step, (sp.Rules.MinMinutes+step-1)/step*step)
	hi := longest
	if sp.Rules.MaxMinutes > 0 {
		hi = min(hi, sp.Rules.MaxMinutes/step*step)
	}
	hi = max(hi, lo)
	if hi == step {
		return nil
	}
	chosen := lo
	if moving != nil {
		chosen = int(moving.End.Sub(moving.Start).Minutes())
	}
	var out []option
	for d := lo; d <= hi; d += step {
		out = append(out, option{Value: strconv.Itoa(d), Label: durationText(l, d), Selected: d == chosen})
	}
	return out
}

// spaceByID returns a space of the calendar.
func (v *calendarView) spaceByID(id string) *calSpace {
	for i := range v.Spaces {
		if v.Spaces[i].ID == id {
			return &v.Spaces[i]
		}
	}
	return nil
}

// problem lists a problem in the summary at the top of the page.
func (v *calendarView) problem(field, msg string) {
	v.ErrorList = append(v.ErrorList, fieldError{Field: field, Message: msg})
}

func (s *Server) showCalendar(w http.ResponseWriter, r *http.Request) error {
	q, bad := s.readCalQuery(r, parisDay(s.Clock.Now()))
	slug := r.PathValue("slug")
	v, err := s.calendar(r, slug, "/lieux/"+slug+"/reserver", q, nil)
	if err != nil {
		return err
	}
	if bad != nil {
		v.Form["jour"] = r.URL.Query().Get("jour")
		return s.invalid(w, r, bad, "book", v, "jour")
	}
	return s.render(w, r, http.StatusOK, "book", v)
}

// slotForm is the booking or move form, as posted.
type slotForm struct {
	Space, Value, Duration, Seats string
	SeatsN                        int // Seats read: 1 when absent
	Start, End                    time.Time
	Waitlist                      bool
	Key                           string
	Day                           time.Time
	Filter                        string
	// Problems are the form's own, before the domain is asked.
	Problems coop.Problems
}

func readSlotForm(r *http.Request, fallback time.Time) slotForm {
	f := slotForm{Space: r.PostFormValue("espace"), Value: r.PostFormValue("creneau"), Duration: r.PostFormValue("duree"),
		Seats: strings.TrimSpace(r.PostFormValue("places")), Waitlist: r.PostFormValue("attente") == "1",
		Key: r.PostFormValue("cle"), Filter: r.PostFormValue("filtre"), Day: fallback, SeatsN: 1, Problems: coop.Problems{}}
	if d, ok := parseDay(r.PostFormValue("jour")); ok {
		f.Day = d
	}
	if f.Seats != "" {
		n, err := strconv.Atoi(f.Seats)
		if err != nil {
			f.Problems.Add("seats", "error.whole_number")
		}
		f.SeatsN = n
	}
	start, end, ok := parseSlotValue(f.Value)
	if !ok {
		f.Problems.Add("start", "bookpage.choose_slot")
		return f
	}
	f.Start, f.End = start, end
	if r.PostFormValue("jour") == "" {
		f.Day = parisDay(start)
	}
	if f.Duration != "" {
		n, err := strconv.Atoi(f.Duration)
		if err != nil || n <= 0 || n > 1440 {
			f.Problems.Add("end", "error.choose_in_list")
		} else {
			f.End = start.Add(time.Duration(n) * time.Minute)
		}
	}
	return f
}

func (s *Server) bookSlot(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	slug := r.PathValue("slug")
	f := readSlotForm(r, parisDay(s.Clock.Now()))
	if err := f.Problems.Err(); err != nil {
		return s.refuseSlot(w, r, slug, "/lieux/"+slug+"/reserver", f, nil, err)
	}
	b, err := s.Booking.Book(r.Context(), booking.Request{By: *u, SpacePublicID: f.Space, Start: f.Start, End: f.End,
		Seats: f.SeatsN, Waitlist: f.Waitlist, IdempotencyKey: f.Key})
	if err != nil {
		return s.refuseSlot(w, r, slug, "/lieux/"+slug+"/reserver", f, nil, err)
	}
	done := map[booking.Status]string{booking.Confirmed: "bookpage.booked.confirmed", booking.Pending: "bookpage.booked.pending",
		booking.Waiting: "bookpage.booked.waiting"}[b.Status]
	if done == "" {
		// A repeated form whose booking has moved on since.
		done = "bookpage.booked.already"
	}
	return s.redirect(w, r, "/reservations", "success", done)
}

// refuseSlot shows the calendar again with why the slot was refused, next
// to the slot choice (422), or, for a full slot, the waitlist (409).
func (s *Server) refuseSlot(w http.ResponseWriter, r *http.Request, slug, base string, f slotForm, moving *booking.Booking, err error) error {
	e := coop.AsError(err)
	if e == nil || (e.Code != coop.EInvalid && e.Code != coop.EConflict && e.Code != coop.EPrecondition) {
		return err
	}
	v, verr := s.calendar(r, slug, base, calQuery{Day: f.Day, Filter: f.Filter, Chosen: f.Space + "|" + f.Value}, moving)
	if verr != nil {
		return verr
	}
	l := v.L
	status := statusOf(e.Code)
	sp := v.spaceByID(f.Space)
	if sp == nil {
		// No space, or one of another place.
		v.Alert = "booking.space_required"
		if f.Space != "" {
			v.Alert = "booking.space_not_found"
		}
		return s.render(w, r, status, "book", v)
	}
	if f.Seats != "" {
		sp.Seats = f.Seats
	}
	for i := range sp.Durations {
		sp.Durations[i].Selected = sp.Durations[i].Value == f.Duration
	}
	slotField, seatsField := "creneau-"+sp.ID, "places-"+sp.ID
	switch {
	case len(e.Fields) > 0:
		for _, k := range []string{"space", "start", "end", "audience", "seats", "idempotency_key"} {
			key, ok := e.Fields[k]
			if !ok {
				continue
			}
			msg := translate(l, key, e.FieldArgs[k]...)
			if k == "seats" && sp.SeatsMax > 0 {
				sp.SeatsError = msg
				v.problem(seatsField, msg)
			} else if sp.Error == "" {
				sp.Error = msg
				v.problem(slotField, msg)
			}
		}
	case moving == nil && !f.Waitlist && (e.Reason == "booking.full" || e.Reason == "booking.overlap"):
		title := "bookpage.taken.full"
		if e.Reason == "booking.overlap" {
			title = "bookpage.taken.overlap"
		}
		v.Taken = &calTaken{Title: l.T(title), Message: translate(l, e.Message, e.Args...), Space: sp.ID,
			Value: slotValue(f.Start, f.End), Seats: f.Seats,
			What: l.T("bookpage.taken.what", sp.Name, l.Date(f.Start), spanText(l, f.Start, f.End))}
	default:
		msg := translate(l, e.Message, e.Args...)
		if e.Message == "booking.idempotency_mismatch" {
			msg = l.T("bookpage.stale_form")
		}
		sp.Error = msg
		v.problem(slotField, msg)
	}
	return s.render(w, r, status, "book", v)
}

// myBookingsView is "Mes réservations".
type myBookingsView struct {
	Page
	Upcoming []myBooking
	Ended    []myBooking // upcoming, but cancelled, refused or expired
	Past     []myBooking
	// FeedURL is the member's private calendar address, "" until asked for.
	FeedURL string
}

// myBooking is one of the member's bookings, in words.
type myBooking struct {
	ID, PlaceSlug, Place, Space string
	Date, Times, Seats          string
	Status, StatusText          string
	Deadline, Note              string
	CanCancel, CanMove          bool
	CanAccept                   bool
	CancelLabel                 string
	Error                       string // why the last action on it was refused
	L                           *i18n.Localizer
}

func myBookingOf(l *i18n.Localizer, b booking.Booking, now time.Time) myBooking {
	m := myBooking{ID: b.PublicID, PlaceSlug: b.PlaceSlug, Place: b.PlaceName, Space: b.SpaceName, Date: l.Date(b.Start),
		Times: spanText(l, b.Start, b.End), Seats: l.T("bookpage.seats_one"), Status: string(b.Status),
		StatusText: l.T("bookpage.status_of." + string(b.Status)), Note: b.Note, CancelLabel: l.T("bookpage.cancel"), L: l}
	if b.Seats > 1 {
		m.Seats = l.T("bookpage.seats_many", b.Seats)
	}
	running := now.Before(b.End)
	m.CanCancel = running && (b.Status.Holds() || b.Status == booking.Waiting)
	m.CanMove = now.Before(b.Start) && (b.Status == booking.Confirmed || b.Status == booking.Pending)
	switch b.Status {
	case booking.Waiting:
		m.CancelLabel = l.T("bookpage.leave_waitlist")
	case booking.Offered:
		m.CancelLabel = l.T("bookpage.decline")
		if b.HoldUntil != nil && now.Before(*b.HoldUntil) {
			m.CanAccept = true
			m.Deadline = l.T("bookpage.offer_until", l.Date(*b.HoldUntil), clockText(l, *b.HoldUntil, false))
		}
	}
	return m
}

func (s *Server) myBookings(r *http.Request) (*myBookingsView, error) {
	u := stateOf(r).user
	v := &myBookingsView{Page: s.newPage(r, "bookpage.mine.title")}
	now := s.Clock.Now()
	upcoming, err := s.Booking.Mine(r.Context(), u.ID, true)
	if err != nil {
		return nil, err
	}
	past, err := s.Booking.Mine(r.Context(), u.ID, false)
	if err != nil {
		return nil, err
	}
	deadlines, err := s.Booking.ChangeDeadlines(r.Context(), upcoming)
	if err != nil {
		return nil, err
	}
	for _, b := range upcoming {
		if b.Status.Holds() || b.Status == booking.Waiting {
			m := myBookingOf(v.L, b, now)
			// Say the place's deadline for changes ahead of it; once it has
			// passed, offer no change that would be refused.
			if d, ok := deadlines[b.PublicID]; ok && (b.Status == booking.Confirmed || b.Status == booking.Pending) {
				if now.Before(d) {
					m.Deadline = v.L.T("bookpage.change_until", v.L.Date(d), clockText(v.L, d, false))
				} else {
					m.CanCancel, m.CanMove, m.Deadline = false, false, v.L.T("bookpage.change_closed")
				}
			}
			v.Upcoming = append(v.Upcoming, m)
		} else {
			v.Ended = append(v.Ended, myBookingOf(v.L, b, now))
		}
	}
	for _, b := range past {
		v.Past = append(v.Past, myBookingOf(v.L, b, now))
	}
	secret, err := s.Booking.MemberFeed(r.Context(), u.ID)
	v.FeedURL = s.feedURL(secret)
	return v, err
}

func (s *Server) showMyBookings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.myBookings(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "bookings", v)
}

// ownBooking returns the booking of the path's id if it is the viewer's;
// anyone else's answers 404, as one that does not exist.
func (s *Server) ownBooking(r *http.Request) (booking.Booking, error) {
	b, err := s.Booking.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return b, err
	}
	if u := stateOf(r).user; b.UserID == nil || *b.UserID != u.ID {
		return booking.Booking{}, coop.Errorf(coop.ENotFound, "booking.not_found")
	}
	return b, nil
}

// refuseAction shows "Mes réservations" again with why an action on a
// booking was refused, next to its buttons.
func (s *Server) refuseAction(w http.ResponseWriter, r *http.Request, id string, err error) error {
	e := coop.AsError(err)
	if e == nil || (e.Code != coop.EInvalid && e.Code != coop.EConflict && e.Code != coop.EPrecondition) {
		return err
	}
	v, verr := s.myBookings(r)
	if verr != nil {
		return verr
	}
	msg := translate(v.L, e.Message, e.Args...)
	for _, list := range [][]myBooking{v.Upcoming, v.Ended, v.Past} {
		for i := range list {
			if list[i].ID == id {
				list[i].Error = msg
			}
		}
	}
	v.ErrorList = []fieldError{{Field: "r-" + id, Message: msg}}
	return s.render(w, r, statusOf(e.Code), "bookings", v)
}

// cancelView asks the member to confirm a cancellation: one tap on a phone
// does not cancel.
type cancelView struct {
	Page
	Booking myBooking
}

func (s *Server) showCancelMyBooking(w http.ResponseWriter, r *http.Request) error {
	b, err := s.ownBooking(r)
	if err != nil {
		return err
	}
	item := myBookingOf(stateOf(r).loc, b, s.Clock.Now())
	if !item.CanCancel {
		return s.redirect(w, r, "/reservations", "error", "bookpage.not_cancellable")
	}
	v := &cancelView{Page: s.newPage(r, "bookpage.cancel_confirm.page"), Booking: item}
	v.Title = v.L.T("bookpage.cancel_confirm.title", item.CancelLabel)
	return s.render(w, r, http.StatusOK, "booking_cancel", v)
}

func (s *Server) cancelMyBooking(w http.ResponseWriter, r *http.Request) error {
	b, err := s.ownBooking(r)
	if err != nil {
		return err
	}
	if _, err := s.Booking.Cancel(r.Context(), *stateOf(r).user, b.PublicID, ""); err != nil {
		return s.refuseAction(w, r, b.PublicID, err)
	}
	done := "bookpage.cancelled"
	if b.Status == booking.Waiting {
		done = "bookpage.left_waitlist"
	}
	return s.redirect(w, r, "/reservations", "success", done)
}

func (s *Server) acceptMyBooking(w http.ResponseWriter, r *http.Request) error {
	b, err := s.ownBooking(r)
	if err != nil {
		return err
	}
	if _, err := s.Booking.Accept(r.Context(), *stateOf(r).user, b.PublicID); err != nil {
		return s.refuseAction(w, r, b.PublicID, err)
	}
	return s.redirect(w, r, "/reservations", "success", "bookpage.accepted")
}

// movable is the booking to move, or a redirect to the list when it can no
// longer move.
func (s *Server) movable(w http.ResponseWriter, r *http.Request) (booking.Booking, bool, error) {
	b, err := s.ownBooking(r)
	if err != nil {
		return b, false, err
	}
	if !myBookingOf(stateOf(r).loc, b, s.Clock.Now()).CanMove {
		return b, false, s.redirect(w, r, "/reservations", "error", "bookpage.not_movable")
	}
	return b, true, nil
}

func (s *Server) showMoveMyBooking(w http.ResponseWriter, r *http.Request) error {
	b, ok, err := s.movable(w, r)
	if !ok {
		return err
	}
	q, bad := s.readCalQuery(r, parisDay(b.Start))
	q.Filter = b.SpacePublicID
	v, err := s.calendar(r, b.PlaceSlug, "/reservations/"+b.PublicID+"/deplacer", q, &b)
	if err != nil {
		return err
	}
	if bad != nil {
		v.Form["jour"] = r.URL.Query().Get("jour")
		return s.invalid(w, r, bad, "book", v, "jour")
	}
	return s.render(w, r, http.StatusOK, "book", v)
}

func (s *Server) moveMyBooking(w http.ResponseWriter, r *http.Request) error {
	b, ok, err := s.movable(w, r)
	if !ok {
		return err
	}
	f := readSlotForm(r, parisDay(b.Start))
	f.Space, f.Filter = b.SpacePublicID, b.SpacePublicID
	base := "/reservations/" + b.PublicID + "/deplacer"
	if err := f.Problems.Err(); err != nil {
		return s.refuseSlot(w, r, b.PlaceSlug, base, f, &b, err)
	}
	moved, err := s.Booking.Move(r.Context(), *stateOf(r).user, b.PublicID, f.Start, f.End, f.Key)
	if err != nil {
		return s.refuseSlot(w, r, b.PlaceSlug, base, f, &b, err)
	}
	if moved.Status == booking.Pending && b.Status != booking.Pending {
		return s.redirect(w, r, "/reservations", "success", "bookpage.moved_pending")
	}
	return s.redirect(w, r, "/reservations", "success", "bookpage.moved")
}

// saveAudience records the audience the member declares.
func (s *Server) saveAudience(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	if err := s.Booking.SetAudience(r.Context(), u.ID, r.PostFormValue("audience")); err != nil {
		return s.refuseAccountForm(w, r, err, "audience", "audience")
	}
	return s.redirect(w, r, "/compte", "success", "bookpage.audience.saved")
}
