package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	b, err := s.Booking.Cancel(r.Context(), *st.user, r.PathValue("id"), r.Header.Get("Idempotency-Key"))
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
	b, err := s.Booking.Move(r.Context(), *st.user, r.PathValue("id"), at["start"], at["end"], r.Header.Get("Idempotency-Key"))
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

func clock(minute int) string {
	return time.Date(2000, 1, 1, 0, minute, 0, 0, time.UTC).Format("15:04")
}

// apiAvailability answers GET /api/v1/places/{slug}/availability:
//
//	{"place":"…","name":"…","from":"…","to":"…","spaces":[{"id":"…","name":"…",
//	 "kind":"open_space|office|meeting_room|equipment","capacity":8,"unit":"half_day|hour|half_hour",
//	 "audience":"…","windows":[{"audience":"…","weekdays":[1,2],"start":"14:00","end":"17:00","label":"…"}],
//	 "slots":[{"start":"…","end":"…","free":3,"bookable":true,"reason":null,"window":"…"}]}],
//	 "opening_hours":"…","staff":false}
//
// reason is a stable code (booking.closed, booking.audience_window,
// booking.notice…), window the audience a window over the slot is reserved
// for (absent when none), weekdays 1 for Monday to 7 for Sunday, and
// instants RFC 3339 with the Paris offset. A month of a place is thousands
// of slots: the answer is written by hand, reflection and the checks of
// encoding/json would cost more than the availability itself.
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
	body := av.Memo(appendAvailability)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(body)
	return err
}

func appendAvailability(av *booking.Availability) []byte {
	slots := 0
	for _, sa := range av.Spaces {
		slots += len(sa.Slots)
	}
	b := make([]byte, 0, 512+256*len(av.Spaces)+112*slots)
	// Spaces share their slots' instants: each is formatted once.
	instants := map[int64]string{}
	instant := func(b []byte, t time.Time) []byte {
		v, ok := instants[t.Unix()]
		if !ok {
			v = apiTime(t)
			instants[t.Unix()] = v
		}
		return append(b, v...) // digits and signs: nothing to escape
	}
	b = append(b, `{"place":`...)
	b = appendJSONString(b, av.Slug)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, av.Name)
	b = append(b, `,"from":"`...)
	b = instant(b, av.From)
	b = append(b, `","to":"`...)
	b = instant(b, av.To)
	b = append(b, `","spaces":[`...)
	for i, sa := range av.Spaces {
		if i > 0 {
			b = append(b, ',')
		}
		sp := sa.Space
		b = append(b, `{"id":`...)
		b = appendJSONString(b, sp.PublicID)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, sp.Name)
		b = append(b, `,"kind":`...)
		b = appendJSONString(b, sp.Kind)
		b = append(b, `,"capacity":`...)
		b = strconv.AppendInt(b, int64(sp.Capacity), 10)
		b = append(b, `,"unit":`...)
		b = appendJSONString(b, string(sp.Unit))
		b = append(b, `,"audience":`...)
		b = appendJSONString(b, sp.Audience)
		b = append(b, `,"windows":[`...)
		for j, win := range sa.Windows {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"audience":`...)
			b = appendJSONString(b, win.Audience)
			b = append(b, `,"weekdays":[`...)
			first := true
			for d := range 7 {
				if win.Weekdays&(1<<d) != 0 {
					if !first {
						b = append(b, ',')
					}
					first = false
					b = strconv.AppendInt(b, int64(d+1), 10)
				}
			}
			b = append(b, `],"start":"`...)
			b = append(b, clock(win.Start)...)
			b = append(b, `","end":"`...)
			b = append(b, clock(win.End)...)
			b = append(b, '"')
			if win.Label != "" {
				b = append(b, `,"label":`...)
				b = appendJSONString(b, win.Label)
			}
			b = append(b, '}')
		}
		b = append(b, `],"slots":[`...)
		for j, x := range sa.Slots {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"start":"`...)
			b = instant(b, x.Start)
			b = append(b, `","end":"`...)
			b = instant(b, x.End)
			b = append(b, `","free":`...)
			b = strconv.AppendInt(b, int64(x.Free), 10)
			b = append(b, `,"bookable":`...)
			b = strconv.AppendBool(b, x.Bookable)
			b = append(b, `,"reason":`...)
			if x.Reason == nil {
				b = append(b, "null"...)
			} else {
				b = appendJSONString(b, x.Reason.Reason)
			}
			if x.Window != nil {
				b = append(b, `,"window":`...)
				b = appendJSONString(b, x.Window.Audience)
			}
			b = append(b, '}')
		}
		b = append(b, "]}"...)
	}
	b = append(b, `],"opening_hours":`...)
	b = appendJSONString(b, av.Hours)
	b = append(b, `,"staff":`...)
	b = strconv.AppendBool(b, av.Staff)
	return append(b, "}\n"...)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it (HTML characters, U+2028 and U+2029 included; invalid UTF-8
// becomes U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
