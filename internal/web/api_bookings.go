package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
)

// apiTime writes an instant as RFC 3339 with the Paris offset.
func apiTime(t time.Time) string { return t.In(i18n.Paris).Format(time.RFC3339) }

// apiBooking is the API's view of a booking.
type apiBooking struct {
	ID           string   `json:"id"`
	Place        apiRef   `json:"place"`
	Space        apiRef   `json:"space"`
	Start        string   `json:"start"`
	End          string   `json:"end"`
	Seats        int      `json:"seats"`
	Audience     string   `json:"audience"`
	Status       string   `json:"status"`
	Attendance   string   `json:"attendance"`
	HoldUntil    *string  `json:"hold_until"`
	Guest        *apiNote `json:"guest,omitempty"`
	Member       string   `json:"member,omitempty"` // the member's name, for the staff
	Note         string   `json:"note,omitempty"`
	Sequence     int      `json:"sequence"`
	CreatedAt    string   `json:"created_at"`
	CancelledAt  *string  `json:"cancelled_at"`
	Confirmation string   `json:"message"`
}

type apiRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type apiNote struct {
	Name    string `json:"name"`
	Contact string `json:"contact"`
}

// apiBookingOf shows a booking; staff also see who it is for.
func apiBookingOf(l *i18n.Localizer, b booking.Booking, staff bool) apiBooking {
	out := apiBooking{ID: b.PublicID, Place: apiRef{ID: b.PlaceSlug, Name: b.PlaceName}, Space: apiRef{ID: b.SpacePublicID, Name: b.SpaceName},
		Start: apiTime(b.Start), End: apiTime(b.End), Seats: b.Seats, Audience: b.Audience, Status: string(b.Status),
		Attendance: string(b.Attendance), Note: b.Note, Sequence: b.Sequence, CreatedAt: apiTime(b.CreatedAt),
		Confirmation: l.T("booking.status." + string(b.Status))}
	if b.HoldUntil != nil {
		t := apiTime(*b.HoldUntil)
		out.HoldUntil = &t
	}
	if b.CancelledAt != nil {
		t := apiTime(*b.CancelledAt)
		out.CancelledAt = &t
	}
	if staff && b.GuestName != "" {
		out.Guest = &apiNote{Name: b.GuestName, Contact: b.GuestContact}
	}
	if staff && b.UserID != nil {
		out.Member = b.UserName
	}
	return out
}

// apiBookingRequest is the body of POST /api/v1/bookings.
type apiBookingRequest struct {
	Space        string `json:"space"`
	Start        string `json:"start"`
	End          string `json:"end"`
	Seats        int    `json:"seats"`
	Audience     string `json:"audience"`
	Waitlist     bool   `json:"waitlist"`
	GuestName    string `json:"guest_name"`
	GuestContact string `json:"guest_contact"`
}

// maxAPIBody bounds the JSON bodies of the API.
const maxAPIBody = 64 << 10

// decodeJSON reads a request's JSON body into v, refusing unknown fields
// and anything after the value.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return coop.Errorf(coop.EInvalid, "api.bad_json")
	}
	if dec.More() {
		return coop.Errorf(coop.EInvalid, "api.bad_json")
	}
	return nil
}

// parseInstants reads the RFC 3339 instants of fields, reporting every
// wrong one by field.
func parseInstants(fields map[string]string) (map[string]time.Time, error) {
	p := coop.Problems{}
	out := map[string]time.Time{}
	for field, v := range fields {
		if strings.TrimSpace(v) == "" {
			p.Add(field, "error.required")
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			p.Add(field, "api.instant_invalid")
			continue
		}
		out[field] = t
	}
	return out, p.Err()
}

func (s *Server) apiBook(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var in apiBookingRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	at, err := parseInstants(map[string]string{"start": in.Start, "end": in.End})
	if err != nil {
		return err
	}
	b, err := s.Booking.Book(r.Context(), booking.Request{By: *st.user, SpacePublicID: in.Space, Start: at["start"], End: at["end"],
		Seats: in.Seats, Audience: in.Audience, Waitlist: in.Waitlist, GuestName: in.GuestName, GuestContact: in.GuestContact,
		IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, apiBookingOf(st.loc, b, b.UserID == nil))
}

func (s *Server) apiBookings(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	q := r.URL.Query()
	slug := q.Get("place")
	if slug == "" {
		var list []booking.Booking
		for _, upcoming := range []bool{true, false} {
			part, err := s.Booking.Mine(r.Context(), st.user.ID, upcoming)
			if err != nil {
				return err
			}
			list = append(list, part...)
		}
		return s.writeBookings(w, st.loc, list, false)
	}
	from, to, err := s.apiRange(q.Get("from"), q.Get("to"), 7*24*time.Hour)
	if err != nil {
		return err
	}
	list, err := s.Booking.ForPlace(r.Context(), *st.user, slug, from, to)
	if err != nil {
		return err
	}
	return s.writeBookings(w, st.loc, list, true)
}

func (s *Server) writeBookings(w http.ResponseWriter, l *i18n.Localizer, list []booking.Booking, staff bool) error {
	out := struct {
		Bookings []apiBooking `json:"bookings"`
	}{Bookings: []apiBooking{}}
	for _, b := range list {
		out.Bookings = append(out.Bookings, apiBookingOf(l, b, staff))
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiRange reads from and to (RFC 3339); a missing from is today in
// Paris, a missing to is from plus span.
func (s *Server) apiRange(fromText, toText string, span time.Duration) (from, to time.Time, err error) {
	fields := map[string]string{}
	if fromText != "" {
		fields["from"] = fromText
	}
	if toText != "" {
		fields["to"] = toText
	}
	at, err := parseInstants(fields)
	if err != nil {
		return from, to, err
	}
	from, to = at["from"], at["to"]
	if from.IsZero() {
		from = parisDay(s.Clock.Now())
	}
	if to.IsZero() {
		to = from.Add(span)
	}
	return from, to, nil
}

func (s *Server) apiCancelBooking(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	b, err := s.Booking.Cancel(r.Context(), *st.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiBookingOf(st.loc, b, b.UserID == nil || *b.UserID != st.user.ID))
}

func (s *Server) apiMoveBooking(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	var in struct {
		Start string `json:"start"`
		End   string `json:"end"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	at, err := parseInstants(map[string]string{"start": in.Start, "end": in.End})
	if err != nil {
		return err
	}
	b, err := s.Booking.Move(r.Context(), *st.user, r.PathValue("id"), at["start"], at["end"])
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiBookingOf(st.loc, b, b.UserID == nil || *b.UserID != st.user.ID))
}

func (s *Server) apiCheckIn(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	b, err := s.Booking.Attend(r.Context(), *st.user, r.PathValue("id"), booking.Present)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiBookingOf(st.loc, b, true))
}

// apiAvailability is the answer of GET /api/v1/places/{slug}/availability.
type apiAvailability struct {
	Place  string          `json:"place"`
	Name   string          `json:"name"`
	From   string          `json:"from"`
	To     string          `json:"to"`
	Spaces []apiSpaceSlots `json:"spaces"`
	Hours  string          `json:"opening_hours"`
	Staff  bool            `json:"staff"`
}

type apiSpaceSlots struct {
	ID       string      `json:"id"`
	Name     string      `json:"name"`
	Kind     string      `json:"kind"`
	Capacity int         `json:"capacity"`
	Unit     string      `json:"unit"`
	Audience string      `json:"audience"`
	Windows  []apiWindow `json:"windows"`
	Slots    apiSlots    `json:"slots"`
}

type apiWindow struct {
	Audience string `json:"audience"`
	Weekdays []int  `json:"weekdays"` // 1 Monday … 7 Sunday
	Start    string `json:"start"`    // "14:00", Paris wall clock
	End      string `json:"end"`
	Label    string `json:"label,omitempty"`
}

// apiSlots encode themselves: a month of a place is thousands of slots,
// and reflection would spend more on them than the availability itself.
type apiSlots []apiSlot

func (list apiSlots) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 112*len(list)+2)
	b = append(b, '[')
	for i, x := range list {
		if i > 0 {
			b = append(b, ',')
		}
		// Instants and codes are ASCII without quotes or backslashes.
		b = append(b, `{"start":"`...)
		b = append(b, x.Start...)
		b = append(b, `","end":"`...)
		b = append(b, x.End...)
		b = append(b, `","free":`...)
		b = strconv.AppendInt(b, int64(x.Free), 10)
		b = append(b, `,"bookable":`...)
		b = strconv.AppendBool(b, x.Bookable)
		b = append(b, `,"reason":`...)
		if x.Reason == nil {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendQuote(b, *x.Reason)
		}
		if x.Window != nil {
			b = append(b, `,"window":`...)
			b = strconv.AppendQuote(b, *x.Window)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

type apiSlot struct {
	Start    string  `json:"start"`
	End      string  `json:"end"`
	Free     int     `json:"free"`
	Bookable bool    `json:"bookable"`
	Reason   *string `json:"reason"`           // a stable code: booking.closed, booking.audience_window, booking.notice…
	Window   *string `json:"window,omitempty"` // the audience a window over the slot is reserved for
}

func clock(minute int) string {
	return time.Date(2000, 1, 1, 0, minute, 0, 0, time.UTC).Format("15:04")
}

func (s *Server) apiAvailability(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	q := r.URL.Query()
	from, to, err := s.apiRange(q.Get("from"), q.Get("to"), 7*24*time.Hour)
	if err != nil {
		return err
	}
	av, err := s.Booking.Availability(r.Context(), st.user, r.PathValue("slug"), from, to, q.Get("space"))
	if err != nil {
		return err
	}
	// Spaces share their slots' instants: each is written once.
	instants := map[time.Time]string{}
	instant := func(t time.Time) string {
		v, ok := instants[t]
		if !ok {
			v = apiTime(t)
			instants[t] = v
		}
		return v
	}
	out := apiAvailability{Place: av.Slug, Name: av.Name, From: apiTime(av.From), To: apiTime(av.To), Hours: av.Hours, Staff: av.Staff,
		Spaces: make([]apiSpaceSlots, 0, len(av.Spaces))}
	for _, sa := range av.Spaces {
		sp := apiSpaceSlots{ID: sa.Space.PublicID, Name: sa.Space.Name, Kind: sa.Space.Kind, Capacity: sa.Space.Capacity,
			Unit: string(sa.Space.Unit), Audience: sa.Space.Audience, Windows: []apiWindow{}, Slots: make(apiSlots, 0, len(sa.Slots))}
		for _, win := range sa.Windows {
			aw := apiWindow{Audience: win.Audience, Start: clock(win.Start), End: clock(win.End), Label: win.Label, Weekdays: []int{}}
			for d := range 7 {
				if win.Weekdays&(1<<d) != 0 {
					aw.Weekdays = append(aw.Weekdays, d+1)
				}
			}
			sp.Windows = append(sp.Windows, aw)
		}
		for _, slot := range sa.Slots {
			as := apiSlot{Start: instant(slot.Start), End: instant(slot.End), Free: slot.Free, Bookable: slot.Bookable}
			if slot.Reason != nil {
				as.Reason = &slot.Reason.Reason
			}
			if slot.Window != nil {
				as.Window = &slot.Window.Audience
			}
			sp.Slots = append(sp.Slots, as)
		}
		out.Spaces = append(out.Spaces, sp)
	}
	return writeJSON(w, http.StatusOK, out)
}
