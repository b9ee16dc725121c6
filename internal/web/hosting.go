package web

import (
	"crypto/rand"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
)

// The staff's side of booking: the places someone hosts, the day at a
// place ("qui est là aujourd'hui"), walk-ins, check-in, approvals.

// hostPlacesView lists the places the viewer hosts.
type hostPlacesView struct {
	Page
	Places []hostedPlace
}

type hostedPlace struct {
	booking.HostedPlace
	Commune string
}

func (s *Server) showHostedPlaces(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Booking.HostedPlaces(r.Context(), *stateOf(r).user)
	if err != nil {
		return err
	}
	v := &hostPlacesView{Page: s.newPage(r, "host.places_title")}
	for _, p := range list {
		c, _ := s.Territory.Commune(p.CommuneCode)
		v.Places = append(v.Places, hostedPlace{HostedPlace: p, Commune: c.Name})
	}
	return s.render(w, r, http.StatusOK, "host_places", v)
}

// hostDayView is a place's day, or its week, for its staff.
type hostDayView struct {
	Page
	Slug, PlaceName string
	Day             time.Time // a Paris midnight
	DayValue        string    // YYYY-MM-DD
	Heading         string
	Week            bool
	IsToday, IsPast bool
	// Links to move around.
	PrevHref, NextHref, TodayHref, DayHref, WeekHref string
	// The day's bookings by space; the approvals, the waitlist and the
	// bookings that hold nothing any more, over the day or the week.
	Spaces   []hostSpace
	Pending  []hostBooking
	Waitlist []hostBooking
	Others   []hostBooking
	Summary  []string
	Windows  []hostWindow
	// The walk-in form's choices of slots, by space, and its idempotency
	// key: the form sent twice books once.
	Slots []hostSlotGroup
	Key   string
	// The week's occupancy.
	WeekDays []hostWeekDay
	WeekRows []hostWeekRow
	// FeedURL is the place's private occupancy calendar, "" until made.
	FeedURL string
}

// Audiences are the publics a walk-in is booked for.
func (v *hostDayView) Audiences() []string { return booking.Audiences }

type hostSpace struct {
	Name, Kind string
	Capacity   string
	Unit       string
	Closed     string // why the space takes no booking today, if so
	Bookings   []hostBooking
}

// hostBooking is a booking as the staff's day shows it, its words ready.
type hostBooking struct {
	ID              string
	When, SpaceName string
	Who, Contact    string
	ContactHref     template.URL // mailto: or tel:, to write or call in one tap
	WalkIn          bool
	Audience        string
	Seats           string
	Status          string // code, for the style
	StatusText      string
	Attendance      string // code
	AttendanceText  string
	Note            string
	// What the staff may do now.
	CanArrive, CanNoShow, CanReset, CanCancel bool
	CheckInFrom                               string // when check-in opens, if later
	// Where its forms return: the place's day or week being shown.
	Slug, Jour string
	Week       bool
	L          *i18n.Localizer
}

type hostWindow struct {
	ID, Audience, Days, When, Where, Label string
	SpacePublicID                          string
}

type hostSlotGroup struct {
	Label   string
	Options []option
}

type hostWeekDay struct {
	Label, Href string
	Today       bool
}

type hostWeekRow struct {
	Name  string
	Cells []hostWeekCell
}

type hostWeekCell struct{ Text, Level string }

// hostDayHref is the address of a place's day (or week).
func hostDayHref(slug string, day time.Time, week bool) string {
	q := url.Values{"jour": {day.Format(time.DateOnly)}}
	if week {
		q.Set("vue", "semaine")
	}
	return "/accueil/" + slug + "?" + q.Encode()
}

func (s *Server) showHostDay(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	today := parisDay(s.Clock.Now())
	day, status := today, http.StatusOK
	var problem *coop.Error
	if v := q.Get("jour"); v != "" {
		d, ok := parseDay(v)
		if ok {
			day = d
		} else {
			problem, status = &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"jour": "booking.day_invalid"}}, http.StatusUnprocessableEntity
		}
	}
	v, err := s.hostDay(r, r.PathValue("slug"), day, q.Get("vue") == "semaine")
	if err != nil {
		return err
	}
	secret, err := s.Booking.PlaceFeed(r.Context(), *stateOf(r).user, v.Slug)
	if err != nil {
		return err
	}
	v.FeedURL = s.feedURL(secret)
	if problem != nil {
		v.setProblems(problem)
		v.Form["jour"] = q.Get("jour")
	}
	return s.render(w, r, status, "host_day", v)
}

// hostDay builds the day (or the week) of a place for its staff; anyone
// else gets EForbidden from the booking service.
func (s *Server) hostDay(r *http.Request, slug string, day time.Time, week bool) (*hostDayView, error) {
	ctx := r.Context()
	u := *stateOf(r).user
	now := s.Clock.Now()
	today := parisDay(now)
	from, to := day, day.AddDate(0, 0, 1)
	if week {
		from = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		to = from.AddDate(0, 0, 7)
	}
	list, err := s.Booking.ForPlace(ctx, u, slug, from, to)
	if err != nil {
		return nil, err
	}
	avail, err := s.Booking.Availability(ctx, &u, slug, from, to, "")
	if err != nil {
		return nil, err
	}
	v := &hostDayView{Page: s.newPage(r, "host.day_title"), Slug: slug, PlaceName: avail.Name, Day: day,
		DayValue: day.Format(time.DateOnly), Week: week, IsToday: day.Equal(today), IsPast: day.Before(today)}
	l := v.L
	step := 1
	if week {
		step = 7
	}
	v.PrevHref, v.NextHref = hostDayHref(slug, day.AddDate(0, 0, -step), week), hostDayHref(slug, day.AddDate(0, 0, step), week)
	v.TodayHref, v.DayHref, v.WeekHref = hostDayHref(slug, today, week), hostDayHref(slug, day, false), hostDayHref(slug, day, true)
	v.Form["jour"], v.Form["seats"], v.Key = v.DayValue, "1", rand.Text()
	switch {
	case week:
		v.Heading = l.T("host.week_heading", l.Date(from))
	case v.IsToday:
		v.Heading = l.T("host.today_heading")
	default:
		v.Heading = l.T("host.day_heading", l.Date(day))
	}
	v.Title = l.T("host.day_page_title", v.Heading, avail.Name)

	spaceNames := map[int64]string{}
	for _, sa := range avail.Spaces {
		spaceNames[sa.Space.ID] = sa.Space.Name
	}
	var present, absent, expected int
	rows := map[string][]hostBooking{} // by space public id
	for _, b := range list {
		row := hostBookingOf(l, b, now)
		row.Slug, row.Jour, row.Week = slug, v.DayValue, week
		if week {
			start := b.Start.In(i18n.Paris)
			row.When = l.T("host.when_on", l.T("host.week_day", l.Weekday(start), start.Day()), row.When)
		}
		switch {
		case b.Status == booking.Waiting || b.Status == booking.Offered:
			v.Waitlist = append(v.Waitlist, row)
		case !b.Status.Holds():
			v.Others = append(v.Others, row)
			continue
		}
		if b.Status == booking.Confirmed {
			switch b.Attendance {
			case booking.Present:
				present++
			case booking.NoShow:
				absent++
			default:
				expected++
			}
		}
		if b.Status.Holds() {
			rows[b.SpacePublicID] = append(rows[b.SpacePublicID], row)
		}
	}
	// The requests to decide, whatever their day: none waits unseen on a
	// day nobody opened.
	pending, err := s.Booking.PendingForPlace(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	for _, b := range pending {
		row := hostBookingOf(l, b, now)
		row.Slug, row.Jour, row.Week = slug, v.DayValue, week
		row.When = l.T("host.when_on", l.Date(b.Start), row.When)
		v.Pending = append(v.Pending, row)
	}
	if !week {
		v.Summary = []string{l.T("host.count_expected", expected), l.T("host.count_present", present), l.T("host.count_absent", absent)}
		if len(v.Pending) > 0 {
			v.Summary = append(v.Summary, l.T("host.count_pending", len(v.Pending)))
		}
	}

	seen := map[string]bool{}
	for _, sa := range avail.Spaces {
		for _, w := range sa.Windows {
			if seen[w.PublicID] || (!week && !w.On(day.Weekday())) {
				continue
			}
			seen[w.PublicID] = true
			v.Windows = append(v.Windows, hostWindowRow(l, w, spaceNames))
		}
	}

	if week {
		v.weekTable(l, avail, list, from, today)
		return v, nil
	}
	for _, sa := range avail.Spaces {
		ds := hostSpace{Name: sa.Space.Name, Kind: l.T("space.kind." + sa.Space.Kind), Capacity: l.T("space.capacity."+sa.Space.Kind, sa.Space.Capacity),
			Unit: l.T("bookset.unit." + string(sa.Space.Unit)), Bookings: rows[sa.Space.PublicID]}
		ds.Closed = hostClosed(l, sa.Slots)
		v.Spaces = append(v.Spaces, ds)
		if !v.IsPast {
			if g := walkInSlots(l, sa, now); len(g.Options) > 0 {
				v.Slots = append(v.Slots, g)
			}
		}
	}
	return v, nil
}

// hostClosed says why a space takes no booking on a day, or "". A
// blocked day refuses each of its slots (those begun say so first).
func hostClosed(l *i18n.Localizer, slots []booking.SlotState) string {
	if len(slots) == 0 {
		return l.T("host.closed_day")
	}
	for _, st := range slots {
		e := st.Reason
		if e == nil || e.Reason != "booking.blocked_date" {
			continue
		}
		if len(e.Args) > 1 {
			if reason, _ := e.Args[1].(string); reason != "" {
				return l.T("host.blocked_day_because", reason)
			}
		}
		return l.T("host.blocked_day")
	}
	return ""
}

// contactHref is the link of a walk-in's contact, checked by the booking
// service as an email address or a phone number.
func contactHref(contact string) template.URL {
	if contact == "" {
		return ""
	}
	if strings.Contains(contact, "@") {
		return template.URL("mailto:" + url.PathEscape(contact))
	}
	digits := strings.Map(func(r rune) rune {
		if r == '+' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, contact)
	return template.URL("tel:" + digits)
}

func hostWindowRow(l *i18n.Localizer, w booking.Window, spaceNames map[int64]string) hostWindow {
	row := hostWindow{ID: w.PublicID, Audience: l.T("host.window_for." + w.Audience), Days: weekdaysText(l, w.Weekdays),
		When: l.T("time.span", minuteText(l, w.Start), minuteText(l, w.End)), Where: l.T("host.whole_place"), Label: w.Label}
	if w.SpaceID != 0 {
		row.Where = spaceNames[w.SpaceID]
	}
	return row
}

func hostBookingOf(l *i18n.Localizer, b booking.Booking, now time.Time) hostBooking {
	row := hostBooking{L: l, ID: b.PublicID, When: spanText(l, b.Start, b.End), SpaceName: b.SpaceName, Who: b.Who(), WalkIn: b.UserID == nil,
		Contact: b.GuestContact, Audience: l.T("audience." + b.Audience), Seats: l.T("host.seats", b.Seats), Status: string(b.Status),
		StatusText: l.T("host.status." + string(b.Status)), Attendance: string(b.Attendance), Note: b.Note}
	row.ContactHref = contactHref(b.GuestContact)
	if row.Who == "" { // a booking kept for the figures, without its person
		row.Who = l.T("host.unnamed")
	}
	if b.Status == booking.Offered && b.HoldUntil != nil {
		row.StatusText = l.T("host.status.offered_until", clockText(l, *b.HoldUntil, false))
	}
	if b.Status == booking.Confirmed {
		row.AttendanceText = l.T("host.attendance." + string(b.Attendance))
		opens := b.Start.Add(-time.Hour) // as booking.Attend allows
		running := now.Before(b.End)
		row.CanArrive = b.Attendance != booking.Present && !now.Before(opens) && running
		row.CanNoShow = b.Attendance != booking.NoShow && !now.Before(b.Start)
		row.CanReset = b.Attendance != booking.Expected
		if now.Before(opens) && b.Attendance == booking.Expected {
			row.CheckInFrom = l.T("host.check_in_from", clockText(l, opens, false))
		}
	}
	row.CanCancel = (b.Status.Holds() || b.Status == booking.Waiting) && now.Before(b.End)
	return row
}

// walkInSlots lists the slots of a space the staff may offer a walk-in
// visitor now: to come, free, and refused at most because of an audience;
// a desk's whole day too.
func walkInSlots(l *i18n.Localizer, sa booking.SpaceAvailability, now time.Time) hostSlotGroup {
	g := hostSlotGroup{Label: sa.Space.Name}
	if sa.Space.Audience != "both" {
		g.Label = l.T("host.space_for", sa.Space.Name, l.T("audience."+sa.Space.Audience))
	}
	// The availability answers for the staff's own audience: a slot kept
	// from it by an audience may suit the visitor's, which Book checks.
	open := func(st booking.SlotState) bool {
		if st.Start.Before(now) || st.Free < 1 {
			return false
		}
		return st.Reason == nil || st.Reason.Reason == "booking.space_audience" || strings.HasPrefix(st.Reason.Reason, "booking.audience_window")
	}
	add := func(start, end time.Time, free int, w *booking.Window, name string) {
		label := spanText(l, start, end)
		if name != "" {
			label = l.T("host.slot_named", l.T(name), label)
		}
		if sa.Space.Exclusive {
			label = l.T("host.slot_free_exclusive", label)
		} else {
			label = l.T("host.slot_free", free, label)
		}
		if w != nil {
			what := l.T("booking.window_for." + w.Audience)
			if w.Label != "" {
				what = l.T("booking.window_label", w.Label)
			}
			label = l.T("host.slot_window", label, what)
		}
		value := sa.Space.PublicID + "|" + strconv.FormatInt(start.Unix(), 10) + "|" + strconv.FormatInt(end.Unix(), 10)
		g.Options = append(g.Options, option{Value: value, Label: label})
	}
	if sa.Space.Unit == booking.HalfDay {
		var kept []booking.SlotState
		for _, st := range sa.Slots {
			if open(st) {
				kept = append(kept, st)
			}
		}
		names := map[int]string{0: "host.morning", 1: "host.afternoon"}
		if len(sa.Slots) == 1 {
			names = map[int]string{0: "host.half_day"}
		}
		for i, st := range sa.Slots {
			if open(st) {
				add(st.Start, st.End, st.Free, st.Window, names[i])
			}
		}
		if len(sa.Slots) == 2 && len(kept) == 2 {
			w := kept[0].Window
			if w == nil {
				w = kept[1].Window
			}
			add(kept[0].Start, kept[1].End, min(kept[0].Free, kept[1].Free), w, "host.whole_day")
		}
		return g
	}
	for _, st := range sa.Slots {
		if open(st) {
			add(st.Start, st.End, st.Free, st.Window, "")
		}
	}
	return g
}

// weekTable fills the week's occupancy: per space and day, the bookings
// held and the share of the open slots' seats they take.
func (v *hostDayView) weekTable(l *i18n.Localizer, avail *booking.Availability, list []booking.Booking, monday, today time.Time) {
	for i := range 7 {
		d := monday.AddDate(0, 0, i)
		v.WeekDays = append(v.WeekDays, hostWeekDay{Label: l.T("host.week_day", l.Weekday(d), d.Day()), Href: hostDayHref(v.Slug, d, false), Today: d.Equal(today)})
	}
	for _, sa := range avail.Spaces {
		row := hostWeekRow{Name: sa.Space.Name}
		for i := range 7 {
			d := monday.AddDate(0, 0, i)
			var slots []booking.SlotState
			for _, st := range sa.Slots {
				if parisDay(st.Start).Equal(d) {
					slots = append(slots, st)
				}
			}
			if closed := hostClosed(l, slots); closed != "" {
				row.Cells = append(row.Cells, hostWeekCell{Text: closed, Level: "closed"})
				continue
			}
			count := 0
			for _, b := range list {
				if b.SpaceID == sa.Space.ID && b.Status.Holds() && parisDay(b.Start).Equal(d) {
					count++
				}
			}
			used, total := 0, 0
			for _, st := range slots {
				capacity := sa.Space.Capacity
				if sa.Space.Exclusive {
					capacity = 1
				}
				used += capacity - st.Free
				total += capacity
			}
			share := 0
			if total > 0 {
				share = (used*100 + total/2) / total
			}
			level := "none"
			switch {
			case share >= 100:
				level = "full"
			case share >= 50:
				level = "high"
			case share > 0:
				level = "some"
			}
			row.Cells = append(row.Cells, hostWeekCell{Text: l.T("host.week_cell", count, share), Level: level})
		}
		v.WeekRows = append(v.WeekRows, row)
	}
}

// walkInFields are the walk-in form's fields, in order.
var walkInFields = []string{"slot", "audience", "seats", "guest_name", "guest_contact"}

// walkInRequest reads the walk-in form into a booking request; the slot
// is "space|start|end" (Unix seconds).
func walkInRequest(r *http.Request, by accounts.User) (booking.Request, error) {
	f := r.PostFormValue
	req := booking.Request{By: by, GuestName: strings.TrimSpace(f("guest_name")), GuestContact: strings.TrimSpace(f("guest_contact")),
		Audience: f("audience"), IdempotencyKey: f("cle")}
	p := coop.Problems{}
	if slot := f("slot"); slot == "" {
		p.Add("slot", "host.slot_required")
	} else if parts := strings.Split(slot, "|"); len(parts) != 3 {
		p.Add("slot", "error.choose_in_list")
	} else {
		a, errA := strconv.ParseInt(parts[1], 10, 64)
		b, errB := strconv.ParseInt(parts[2], 10, 64)
		if parts[0] == "" || errA != nil || errB != nil {
			p.Add("slot", "error.choose_in_list")
		}
		req.SpacePublicID, req.Start, req.End = parts[0], time.Unix(a, 0).UTC(), time.Unix(b, 0).UTC()
	}
	if n, err := strconv.Atoi(strings.TrimSpace(f("seats"))); err != nil {
		p.Add("seats", "error.whole_number")
	} else {
		req.Seats = n
		if n < 1 {
			p.Add("seats", "booking.seats_min")
		}
	}
	if req.Audience == "" {
		p.Add("audience", "booking.audience_invalid")
	}
	// Without a name nor a contact the service would book for the staff
	// themselves: a walk-in needs both.
	if req.GuestName == "" {
		p.Add("guest_name", "booking.guest_name_required")
	}
	if req.GuestContact == "" {
		p.Add("guest_contact", "booking.guest_contact_required")
	}
	return req, p.Err()
}

// walkInProblems puts the booking service's refusal next to the walk-in
// form's fields: a rule or a conflict is about the slot.
func walkInProblems(e *coop.Error) *coop.Error {
	out := &coop.Error{Code: e.Code, Message: "error.invalid_form", Fields: map[string]string{}, FieldArgs: map[string][]any{}}
	switch {
	case e.Message == "booking.idempotency_mismatch":
		out.Fields["slot"] = "bookpage.stale_form"
		return out
	case len(e.Fields) == 0:
		out.Fields["slot"], out.FieldArgs["slot"] = e.Message, e.Args
		return out
	}
	for k, msg := range e.Fields {
		to := k
		if k == "space" || k == "start" || k == "end" || k == "idempotency_key" {
			to = "slot"
		}
		out.Fields[to], out.FieldArgs[to] = msg, e.FieldArgs[k]
	}
	return out
}

func (s *Server) bookWalkIn(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := *stateOf(r).user
	slug := r.PathValue("slug")
	if err := s.mustHost(r, slug); err != nil {
		return err
	}
	day, ok := parseDay(r.PostFormValue("jour"))
	if !ok {
		day = parisDay(s.Clock.Now())
	}
	req, err := walkInRequest(r, u)
	if err == nil {
		// The slot's space must be one of this place's.
		if _, aerr := s.Booking.Availability(ctx, &u, slug, req.Start, req.Start.Add(time.Minute), req.SpacePublicID); coop.ErrorCode(aerr) == coop.ENotFound {
			err = &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"slot": "error.choose_in_list"}}
		} else if aerr != nil && coop.ErrorCode(aerr) != coop.EInvalid {
			return aerr
		}
	}
	if err == nil {
		_, err = s.Booking.Book(ctx, req)
	}
	if err == nil {
		return s.redirect(w, r, hostDayHref(slug, day, false), "success", "host.walk_in_booked")
	}
	e := coop.AsError(err)
	if e == nil || (e.Code != coop.EInvalid && e.Code != coop.EConflict) {
		return err
	}
	v, verr := s.hostDay(r, slug, day, false)
	if verr != nil {
		return verr
	}
	v.keep(r, walkInFields...)
	v.setProblems(walkInProblems(e), walkInFields...)
	status := http.StatusUnprocessableEntity
	if e.Code == coop.EConflict {
		status = http.StatusConflict
	}
	return s.render(w, r, status, "host_day", v)
}

// mustHost checks that the viewer runs the bookings of the place of slug:
// ENotFound for no such place, EForbidden otherwise.
func (s *Server) mustHost(r *http.Request, slug string) error {
	ok, err := s.Booking.Hosts(r.Context(), *stateOf(r).user, slug)
	if err != nil {
		return err
	}
	if !ok {
		return coop.Errorf(coop.EForbidden, "error.forbidden")
	}
	return nil
}

// hostedBooking returns the booking of the route, once the viewer is
// known to host its place; a booking of another place is not found here.
func (s *Server) hostedBooking(r *http.Request) (booking.Booking, error) {
	slug := r.PathValue("slug")
	if err := s.mustHost(r, slug); err != nil {
		return booking.Booking{}, err
	}
	b, err := s.Booking.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return b, err
	}
	if b.PlaceSlug != slug {
		return b, coop.Errorf(coop.ENotFound, "booking.not_found")
	}
	return b, nil
}

// hostBack is where an action on a booking returns: the day (or week)
// the staff was looking at, else the booking's own day.
func hostBack(r *http.Request, b booking.Booking) string {
	day, ok := parseDay(r.PostFormValue("jour"))
	if !ok {
		day = parisDay(b.Start)
	}
	return hostDayHref(b.PlaceSlug, day, r.PostFormValue("vue") == "semaine")
}

// hostActionDone redirects back to the day with the outcome of an action: its
// success, or the refusal of the booking service in the reader's words.
func (s *Server) hostActionDone(w http.ResponseWriter, r *http.Request, back string, err error, success string) error {
	if err == nil {
		return s.redirect(w, r, back, "success", success)
	}
	e := coop.AsError(err)
	if e == nil || (e.Code != coop.EInvalid && e.Code != coop.EPrecondition && e.Code != coop.EConflict) {
		return err
	}
	key, args := e.Message, e.Args
	for _, k := range e.Fields { // one field at most: the note
		key, args = k, nil
	}
	var ints []int
	for _, a := range args {
		n, ok := a.(int)
		if !ok {
			key, ints = "host.action_refused", nil
			break
		}
		ints = append(ints, n)
	}
	s.setFlash(w, "error", key, ints...)
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

func (s *Server) markAttendance(w http.ResponseWriter, r *http.Request) error {
	b, err := s.hostedBooking(r)
	if err != nil {
		return err
	}
	a := booking.Attendance(r.PostFormValue("presence"))
	success := map[booking.Attendance]string{booking.Present: "host.marked_present", booking.NoShow: "host.marked_no_show", booking.Expected: "host.marked_expected"}[a]
	if success == "" {
		return s.hostActionDone(w, r, hostBack(r, b), coop.Refusal(coop.EInvalid, "host.presence_invalid"), "")
	}
	_, err = s.Booking.Attend(r.Context(), *stateOf(r).user, b.PublicID, a)
	return s.hostActionDone(w, r, hostBack(r, b), err, success)
}

func (s *Server) decideBooking(w http.ResponseWriter, r *http.Request) error {
	b, err := s.hostedBooking(r)
	if err != nil {
		return err
	}
	var approve bool
	switch r.PostFormValue("decision") {
	case "approve":
		approve = true
	case "refuse":
	default:
		return s.hostActionDone(w, r, hostBack(r, b), coop.Refusal(coop.EInvalid, "host.decision_invalid"), "")
	}
	_, err = s.Booking.Decide(r.Context(), *stateOf(r).user, b.PublicID, approve, strings.TrimSpace(r.PostFormValue("note")))
	return s.hostActionDone(w, r, hostBack(r, b), err, map[bool]string{true: "host.approved", false: "host.refused"}[approve])
}

func (s *Server) cancelHostedBooking(w http.ResponseWriter, r *http.Request) error {
	b, err := s.hostedBooking(r)
	if err != nil {
		return err
	}
	_, err = s.Booking.Cancel(r.Context(), *stateOf(r).user, b.PublicID, "")
	return s.hostActionDone(w, r, hostBack(r, b), err, "host.cancelled")
}
