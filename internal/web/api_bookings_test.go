package web

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
)

// bookingEnv is a server with one place open Monday to Friday, a plateau
// of 2 desks and a meeting room, seen on Monday 7 December 2026 at 8:00 in
// Paris, and members holding API tokens.
type bookingEnv struct {
	*env
	clock       *coop.FixedClock
	coord       accounts.User
	desk, room  places.Space
	tokens      map[string]string
	coordToken  string
	placeSlug   string
	memberUsers map[string]accounts.User
}

func newBookingEnv(t *testing.T, engine db.Engine) *bookingEnv {
	t.Helper()
	clock := coop.NewFixedClock(time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC))
	e := newEnv(t, engine, clock)
	b := &bookingEnv{env: e, clock: clock, tokens: map[string]string{}, memberUsers: map[string]accounts.User{}}
	b.coord = e.user("coord@example.fr", accounts.Coordinator)
	c, err := e.srv.Places.CreateCarrier(t.Context(), b.coord, places.CarrierInput{Name: "CC Pays de Forcalquier", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.srv.Places.CreatePlace(t.Context(), b.coord, places.PlaceInput{CarrierID: strconv.FormatInt(c.ID, 10), Name: "La Filature",
		Kind: "tiers_lieu", Status: "open", Address: "1 rue", Commune: "04088", Audience: "both",
		OpeningHours: "Mo-Fr 08:30-12:30,13:30-18:00"})
	if err != nil {
		t.Fatal(err)
	}
	b.placeSlug = p.Slug
	if b.desk, err = e.srv.Places.AddSpace(t.Context(), b.coord, p.Slug, places.SpaceInput{Name: "Plateau", Kind: "open_space", Capacity: "2", Audience: "both"}); err != nil {
		t.Fatal(err)
	}
	if b.room, err = e.srv.Places.AddSpace(t.Context(), b.coord, p.Slug, places.SpaceInput{Name: "Salle du conseil", Kind: "meeting_room", Capacity: "8", Audience: "both"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		u := e.user(name+"@example.fr", accounts.Member)
		b.memberUsers[name] = u
		if b.tokens[name], err = e.acc.CreateAPIToken(t.Context(), u.ID, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if b.coordToken, err = e.acc.CreateAPIToken(t.Context(), b.coord.ID, "test"); err != nil {
		t.Fatal(err)
	}
	return b
}

// paris writes 7 December 2026 plus days, at h:m Paris time, as the API does.
func parisAt(days, h, m int) string {
	return time.Date(2026, 12, 7+days, h, m, 0, 0, mustParis()).Format(time.RFC3339)
}

func mustParis() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}

// call sends a JSON request and decodes the answer into out (if not nil).
func (b *bookingEnv) call(t *testing.T, method, path, token, body string, header map[string]string, status int, out any) string {
	t.Helper()
	r := request{method: method, path: path, bearer: token, header: map[string]string{}}
	for k, v := range header {
		r.header[k] = v
	}
	r.json = body
	rec := b.do(r)
	if rec.Code != status {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, rec.Code, status, rec.Body.String())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body.String())
		}
	}
	return rec.Body.String()
}

func bookingBody(space, start, end string) string {
	b, _ := json.Marshal(map[string]string{"space": space, "start": start, "end": end})
	return string(b)
}

func TestAPIBookings_BookListCancelCheckIn(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite} {
		b := newBookingEnv(t, engine)
		// Anonymous callers see the week, and that they must sign in to book.
		var av apiAvailability
		b.call(t, "GET", "/api/v1/places/"+b.placeSlug+"/availability?from="+strings.ReplaceAll(parisAt(0, 0, 0), "+", "%2B")+"&to="+strings.ReplaceAll(parisAt(1, 0, 0), "+", "%2B"), "", "", nil, 200, &av)
		if len(av.Spaces) != 2 || av.Spaces[0].Kind != "open_space" || av.Spaces[0].Unit != "half_day" || av.Spaces[1].Unit != "hour" {
			t.Fatalf("spaces: %+v", av.Spaces)
		}
		desk, room := av.Spaces[0], av.Spaces[1]
		if len(desk.Slots) != 2 || desk.Slots[0].Start != parisAt(0, 8, 30) || desk.Slots[0].End != parisAt(0, 12, 30) || desk.Slots[0].Free != 2 {
			t.Fatalf("desk slots: %+v", desk.Slots)
		}
		if desk.Slots[0].Bookable || desk.Slots[0].Reason == nil || *desk.Slots[0].Reason != "booking.sign_in" {
			t.Fatalf("anonymous slot: %+v", desk.Slots[0])
		}
		if len(room.Slots) != 8 || room.Slots[0].Start != "2026-12-07T08:30:00+01:00" {
			t.Fatalf("room slots: %+v", room.Slots)
		}

		// The same request ten times, concurrently: one booking, ten 201s.
		key := map[string]string{"Idempotency-Key": "réservation-1"}
		ids := make([]string, 10)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Go(func() {
				var out apiBooking
				rec := b.do(request{method: "POST", path: "/api/v1/bookings", bearer: b.tokens["a"], header: key,
					json: bookingBody(room.ID, parisAt(0, 9, 30), parisAt(0, 11, 30))})
				if rec.Code != 201 {
					t.Errorf("attempt %d: %d %s", i, rec.Code, rec.Body.String())
					return
				}
				_ = json.Unmarshal(rec.Body.Bytes(), &out)
				ids[i] = out.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id == "" || id != ids[0] {
				t.Fatalf("ids: %v", ids)
			}
		}
		var n int
		_ = b.db.Read(t.Context(), func(tx *db.Tx) error {
			return tx.QueryRowContext(t.Context(), `SELECT count(*) FROM bookings`).Scan(&n)
		})
		if n != 1 {
			t.Fatalf("%d bookings stored, want 1", n)
		}

		// Conflicts are 409 with their stable code and a French message.
		var apiErr apiError
		b.call(t, "POST", "/api/v1/bookings", b.tokens["b"], bookingBody(room.ID, parisAt(0, 10, 30), parisAt(0, 11, 30)), nil, 409, &apiErr)
		if apiErr.Code != "booking.overlap" || !strings.Contains(apiErr.Message, "déjà réservé") {
			t.Errorf("overlap: %+v", apiErr)
		}
		// Broken rules are 422, with what to do instead.
		b.call(t, "POST", "/api/v1/bookings", b.tokens["b"], bookingBody(room.ID, parisAt(0, 12, 30), parisAt(0, 14, 30)), nil, 422, &apiErr)
		if apiErr.Code != "booking.closed" || !strings.Contains(apiErr.Message, "8\u00a0h\u00a030 – 12\u00a0h\u00a030, 13\u00a0h\u00a030 – 18\u00a0h") {
			t.Errorf("closed: %+v", apiErr)
		}
		b.call(t, "POST", "/api/v1/bookings", b.tokens["b"], bookingBody(desk.ID, parisAt(-1, 8, 30), parisAt(-1, 12, 30)), nil, 422, &apiErr)
		if apiErr.Code != "booking.in_past" {
			t.Errorf("past: %+v", apiErr)
		}
		b.call(t, "POST", "/api/v1/bookings", b.tokens["b"], bookingBody("nulle-part", parisAt(0, 8, 30), parisAt(0, 12, 30)), nil, 404, &apiErr)
		// Invalid input: 422 with the fields.
		b.call(t, "POST", "/api/v1/bookings", b.tokens["b"], `{"space": "x", "start": "demain", "end": ""}`, nil, 422, &apiErr)
		if apiErr.Code != coop.EInvalid || apiErr.Fields["start"] == "" || apiErr.Fields["end"] == "" {
			t.Errorf("bad instants: %+v", apiErr)
		}
		b.call(t, "POST", "/api/v1/bookings", b.tokens["b"], `{"space": "x", "couleur": "bleu"}`, nil, 422, &apiErr)
		b.call(t, "POST", "/api/v1/bookings", b.tokens["b"], `[`, nil, 422, &apiErr)
		b.call(t, "POST", "/api/v1/bookings", "", bookingBody(room.ID, parisAt(1, 9, 30), parisAt(1, 10, 30)), nil, 401, &apiErr)

		// The last desk: B takes one, A the other, then B is told it is full.
		var mine apiBooking
		b.call(t, "POST", "/api/v1/bookings", b.tokens["b"], bookingBody(desk.ID, parisAt(0, 13, 30), parisAt(0, 18, 0)), nil, 201, &mine)
		if mine.Status != "confirmed" || mine.Start != parisAt(0, 13, 30) || mine.Space.Name != "Plateau" {
			t.Errorf("desk booking: %+v", mine)
		}
		b.call(t, "POST", "/api/v1/bookings", b.tokens["a"], bookingBody(desk.ID, parisAt(0, 13, 30), parisAt(0, 18, 0)), nil, 201, nil)
		b.call(t, "POST", "/api/v1/bookings", b.tokens["a"], bookingBody(desk.ID, parisAt(0, 8, 30), parisAt(0, 18, 0)), nil, 409, &apiErr)
		if apiErr.Code != "booking.full" || !strings.Contains(apiErr.Message, "liste d’attente") {
			t.Errorf("full: %+v", apiErr)
		}

		// Each member lists their own bookings; the staff lists the place's.
		var list struct{ Bookings []apiBooking }
		b.call(t, "GET", "/api/v1/bookings", b.tokens["b"], "", nil, 200, &list)
		if len(list.Bookings) != 1 || list.Bookings[0].ID != mine.ID || list.Bookings[0].Guest != nil {
			t.Errorf("B's bookings: %+v", list.Bookings)
		}
		b.call(t, "GET", "/api/v1/bookings?place="+b.placeSlug, b.tokens["b"], "", nil, 403, &apiErr)
		b.call(t, "GET", "/api/v1/bookings?place="+b.placeSlug, b.coordToken, "", nil, 200, &list)
		if len(list.Bookings) != 3 || list.Bookings[0].Member == "" {
			t.Errorf("the place's bookings: %+v", list.Bookings)
		}

		// Another member's booking cannot be cancelled; one's own can, twice.
		b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/cancel", b.tokens["b"], "", nil, 404, &apiErr)
		var cancelled apiBooking
		for range 2 {
			b.call(t, "POST", "/api/v1/bookings/"+mine.ID+"/cancel", b.tokens["b"], "", nil, 200, &cancelled)
			if cancelled.Status != "cancelled" || cancelled.CancelledAt == nil {
				t.Errorf("cancel: %+v", cancelled)
			}
		}
		// Moving: to a free slot, and refused onto a taken one.
		var moved apiBooking
		b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/move", b.tokens["a"], `{"start": "`+parisAt(0, 14, 30)+`", "end": "`+parisAt(0, 16, 30)+`"}`, nil, 200, &moved)
		if moved.Start != parisAt(0, 14, 30) || moved.Sequence != 1 {
			t.Errorf("move: %+v", moved)
		}
		b.call(t, "POST", "/api/v1/bookings", b.tokens["b"], bookingBody(room.ID, parisAt(0, 17, 0), parisAt(0, 18, 0)), nil, 201, nil)
		b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/move", b.tokens["a"], `{"start": "`+parisAt(0, 16, 30)+`", "end": "`+parisAt(0, 17, 30)+`"}`, nil, 409, &apiErr)
		if apiErr.Code != "booking.overlap" {
			t.Errorf("move onto a taken slot: %+v", apiErr)
		}
		b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/move", b.tokens["b"], `{"start": "`+parisAt(0, 15, 0)+`", "end": "`+parisAt(0, 16, 0)+`"}`, nil, 404, &apiErr)
		// With an Idempotency-Key, a move sent again, even after a later
		// one, changes nothing; the key for another change is a conflict.
		firstKey := map[string]string{"Idempotency-Key": "déplacement-1"}
		toThree := `{"start": "` + parisAt(0, 15, 0) + `", "end": "` + parisAt(0, 16, 0) + `"}`
		for range 2 {
			b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/move", b.tokens["a"], toThree, firstKey, 200, &moved)
			if moved.Start != parisAt(0, 15, 0) || moved.Sequence != 2 {
				t.Errorf("keyed move: %+v", moved)
			}
		}
		b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/move", b.tokens["a"], `{"start": "`+parisAt(0, 14, 30)+`", "end": "`+parisAt(0, 16, 30)+`"}`,
			map[string]string{"Idempotency-Key": "déplacement-2"}, 200, &moved)
		b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/move", b.tokens["a"], toThree, firstKey, 200, &moved)
		if moved.Start != parisAt(0, 14, 30) || moved.Sequence != 3 {
			t.Errorf("the first keyed move again, after another: %+v", moved)
		}
		apiErr = apiError{}
		b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/cancel", b.tokens["a"], "", firstKey, 409, &apiErr)
		if apiErr.Code != "booking.idempotency_mismatch" || !strings.Contains(apiErr.Message, "déjà servi") {
			t.Errorf("a key used for a move, sent to cancel: %+v", apiErr)
		}

		// Check-in: staff only, from an hour before the start (a rule: 422).
		b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/check-in", b.tokens["a"], "", nil, 403, &apiErr)
		b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/check-in", b.coordToken, "", nil, 422, &apiErr)
		if apiErr.Code != "booking.check_in_time" {
			t.Errorf("early check-in: %+v", apiErr)
		}
		b.clock.Advance(6 * time.Hour) // 14:00
		var present apiBooking
		b.call(t, "POST", "/api/v1/bookings/"+ids[0]+"/check-in", b.coordToken, "", nil, 200, &present)
		if present.Attendance != "present" {
			t.Errorf("check-in: %+v", present)
		}
	}
}
