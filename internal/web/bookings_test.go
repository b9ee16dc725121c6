package web

import (
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/places"
)

// memberEnv is a place open on weekdays, with a desk of two seats booked
// by half-days and a meeting room booked by the hour whose Tuesday
// afternoon is kept for digital inclusion; the clock stops on Monday
// 2 March 2026 at 9 h, Paris time.
type memberEnv struct {
	*env
	a, b       accounts.User // two members
	slug       string
	desk, room places.Space
}

func newMemberEnv(t *testing.T) *memberEnv {
	t.Helper()
	e := newEnv(t, db.SQLite, coop.NewFixedClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)))
	ctx := t.Context()
	coord := e.user("coord@example.fr", accounts.Coordinator)
	pl := e.srv.Places
	carrier, err := pl.CreateCarrier(ctx, coord, places.CarrierInput{Name: "CC Pays de Forcalquier", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	place, err := pl.CreatePlace(ctx, coord, places.PlaceInput{CarrierID: itoa(carrier.ID), Name: "La Filature", Kind: "tiers_lieu",
		Status: "open", Address: "12 boulevard de la République", Commune: "04088", Audience: "both",
		OpeningHours: "Mo-Fr 08:30-12:30,13:30-18:00"})
	if err != nil {
		t.Fatal(err)
	}
	be := &memberEnv{env: e, a: e.user("a@example.fr", accounts.Member), b: e.user("b@example.fr", accounts.Member), slug: place.Slug}
	if be.desk, err = pl.AddSpace(ctx, coord, place.Slug, places.SpaceInput{Name: "Le grand atelier", Kind: "open_space", Capacity: "2", Audience: "both"}); err != nil {
		t.Fatal(err)
	}
	if be.room, err = pl.AddSpace(ctx, coord, place.Slug, places.SpaceInput{Name: "Salle du conseil", Kind: "meeting_room", Capacity: "6", Audience: "both"}); err != nil {
		t.Fatal(err)
	}
	bk := e.srv.Booking
	if err := bk.SaveRules(ctx, coord, place.Slug, be.desk.PublicID, booking.RuleInput{}, string(booking.HalfDay)); err != nil {
		t.Fatal(err)
	}
	if err := bk.SaveRules(ctx, coord, place.Slug, be.room.PublicID, booking.RuleInput{}, string(booking.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := bk.AddWindow(ctx, coord, place.Slug, booking.WindowInput{Space: be.room.PublicID, Audience: booking.AudienceEInclusion,
		Days: []string{"2"}, Start: "14:00", End: "17:00"}); err != nil {
		t.Fatal(err)
	}
	return be
}

// march returns a March 2026 day's wall-clock time in Paris.
func march(day, hour, minute int) time.Time {
	return time.Date(2026, 3, day, hour, minute, 0, 0, i18n.Paris)
}

func (be *memberEnv) path() string { return "/lieux/" + be.slug + "/reserver" }

// get loads a page as u (nil: anonymous) and returns it with its body
// unescaped, as a reader sees it.
func (be *memberEnv) get(u *accounts.User, path string) (*httptest.ResponseRecorder, string) {
	be.t.Helper()
	r := request{method: "GET", path: path}
	if u != nil {
		r.cookie = be.session(*u)
	}
	rec := be.do(r)
	return rec, html.UnescapeString(rec.Body.String())
}

func (be *memberEnv) post(u *accounts.User, path string, form url.Values) (*httptest.ResponseRecorder, string) {
	be.t.Helper()
	r := request{method: "POST", path: path, form: form}
	if u != nil {
		r.cookie = be.session(*u)
	}
	rec := be.do(r)
	return rec, html.UnescapeString(rec.Body.String())
}

// memberSlotForm is the booking form of a space's slot, as the page posts it.
func memberSlotForm(space places.Space, start, end time.Time, key string) url.Values {
	return url.Values{"espace": {space.PublicID}, "creneau": {slotValue(start, end)}, "cle": {key}, "jour": {start.Format(time.DateOnly)}}
}

var memberKeyField = regexp.MustCompile(`name="cle" value="([^"]+)"`)

// memberKeyOf returns the idempotency key a page gave its forms.
func memberKeyOf(t *testing.T, body string) string {
	t.Helper()
	m := memberKeyField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page has no idempotency key in its forms")
	}
	return m[1]
}

// wantFlashRedirect checks a 303 to to, with the flash message key.
func wantFlashRedirect(t *testing.T, rec *httptest.ResponseRecorder, to, flashKey string) {
	t.Helper()
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != to {
		t.Fatalf("status %d to %q, want 303 to %s; body:\n%s", rec.Code, rec.Header().Get("Location"), to, rec.Body.String())
	}
	got := ""
	for _, c := range rec.Result().Cookies() {
		if c.Name == flashCookie {
			b, _ := base64.RawURLEncoding.DecodeString(c.Value)
			if parts := strings.Split(string(b), "|"); len(parts) > 1 {
				got = parts[1]
			}
		}
	}
	if got != flashKey {
		t.Errorf("flash %q, want %q", got, flashKey)
	}
}

func wantBody(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
}

// mine returns u's upcoming bookings.
func (be *memberEnv) mine(u accounts.User) []booking.Booking {
	be.t.Helper()
	list, err := be.srv.Booking.Mine(be.t.Context(), u.ID, true)
	if err != nil {
		be.t.Fatal(err)
	}
	return list
}

func TestBookingPage_MemberBooksADeskHalfDayAndARoomHour(t *testing.T) {
	be := newMemberEnv(t)
	rec, body := be.get(&be.a, be.path()+"?jour=2026-03-03")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	wantBody(t, body,
		"Réserver à La Filature", "mardi 3 mars 2026",
		"Matin, 8\u00a0h\u00a030 – 12\u00a0h\u00a030", "Après-midi, 13\u00a0h\u00a030 – 18\u00a0h", "Journée entière, 8\u00a0h\u00a030 – 18\u00a0h",
		"Libre — 2 places sur 2",
		`value="`+slotValue(march(3, 8, 30), march(3, 12, 30))+`"`,
		// The room's hours start with the opening, on the half-hour grid.
		"9\u00a0h\u00a030 – 10\u00a0h\u00a030", `value="`+slotValue(march(3, 9, 30), march(3, 10, 30))+`"`,
		// The window, on the calendar and on its slots, in words.
		"mardi, de 14\u00a0h à 17\u00a0h\u00a0: réservé au public de l’inclusion numérique",
		"14\u00a0h\u00a030 – 15\u00a0h\u00a030</span> <span class=\"cal-status\">Réservé à l’inclusion numérique",
		`<option value="120">2`+"\u00a0h</option>",
		// A desk's seats; a room booked whole asks how many will come.
		`<label for="f-places-`+be.desk.PublicID+`">Nombre de places</label>`,
		`<label for="f-places-`+be.room.PublicID+`">Nombre de personnes</label>`, "L’espace vous est réservé entier\u00a0; dites combien vous serez, jusqu’à 6.")
	key := memberKeyOf(t, body)

	rec, _ = be.post(&be.a, be.path(), memberSlotForm(be.desk, march(3, 8, 30), march(3, 12, 30), key))
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")
	room := memberSlotForm(be.room, march(3, 9, 30), march(3, 10, 30), key+"-salle")
	room.Set("duree", "120")
	rec, _ = be.post(&be.a, be.path(), room)
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")

	list := be.mine(be.a)
	if len(list) != 2 {
		t.Fatalf("%d bookings, want 2", len(list))
	}
	for i, want := range []struct {
		space      string
		start, end time.Time
	}{{be.desk.PublicID, march(3, 8, 30), march(3, 12, 30)}, {be.room.PublicID, march(3, 9, 30), march(3, 11, 30)}} {
		b := list[i]
		if b.SpacePublicID != want.space || !b.Start.Equal(want.start) || !b.End.Equal(want.end) || b.Status != booking.Confirmed || b.Seats != 1 {
			t.Errorf("booking %d: %s %v–%v %s ×%d, want %s %v–%v confirmed ×1", i, b.SpacePublicID, b.Start, b.End, b.Status, b.Seats, want.space, want.start, want.end)
		}
	}
	_, body = be.get(&be.a, "/reservations")
	wantBody(t, body, "Mes réservations", "Le grand atelier", "Salle du conseil", "La Filature", "mardi 3 mars 2026",
		"8\u00a0h\u00a030 – 12\u00a0h\u00a030", "9\u00a0h\u00a030 – 11\u00a0h\u00a030", "Confirmée", "/reservations/"+list[0].PublicID+"/deplacer")
	// The seat taken shows on the calendar.
	_, body = be.get(&be.b, be.path()+"?jour=2026-03-03")
	wantBody(t, body, "Matin, 8\u00a0h\u00a030 – 12\u00a0h\u00a030</span> <span class=\"cal-status\">Libre — 1 place sur 2")
	// To the member who holds it, it is theirs, not offered twice.
	_, body = be.get(&be.a, be.path()+"?jour=2026-03-03")
	wantBody(t, body, `<span class="cal-time">Matin, 8`+"\u00a0h\u00a030 – 12\u00a0h\u00a030"+`</span> <span class="cal-status">Réservé par vous</span>`,
		`<span class="cal-time">9`+"\u00a0h\u00a030 – 10\u00a0h\u00a030"+`</span> <span class="cal-status">Réservé par vous</span>`)
	if strings.Contains(body, `value="`+slotValue(march(3, 8, 30), march(3, 12, 30))+`"`) {
		t.Error("the member is offered the desk's morning they hold")
	}
}

func TestBookingPage_RefusalShowsItsFrenchMessageWith422AndWritesNothing(t *testing.T) {
	be := newMemberEnv(t)
	_, body := be.get(&be.a, be.path()+"?jour=2026-03-03")
	key := memberKeyOf(t, body)
	// A professional in the digital inclusion window.
	rec, body := be.post(&be.a, be.path(), memberSlotForm(be.room, march(3, 14, 30), march(3, 15, 30), key))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", rec.Code)
	}
	wantBody(t, body,
		"Ce créneau est réservé au public de l’inclusion numérique le mardi de 14\u00a0h à 17\u00a0h — essayez 17\u00a0h.",
		`id="f-creneau-`+be.room.PublicID+`-error"`, `href="#f-creneau-`+be.room.PublicID+`"`, "<title>Erreur\u00a0: ")
	// More seats than the desk has.
	form := memberSlotForm(be.desk, march(3, 8, 30), march(3, 12, 30), key)
	form.Set("places", "3")
	rec, body = be.post(&be.a, be.path(), form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", rec.Code)
	}
	wantBody(t, body, `id="f-places-`+be.desk.PublicID+`-error"`, "Cet espace n’a que 2 places.", `value="3"`,
		`value="`+slotValue(march(3, 8, 30), march(3, 12, 30))+`" checked`) // the choice is kept
	// No slot chosen.
	rec, body = be.post(&be.a, be.path(), url.Values{"espace": {be.desk.PublicID}, "cle": {key}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "Choisissez un créneau dans la liste.") {
		t.Errorf("no slot: status %d, want 422 with its message", rec.Code)
	}
	if n := len(be.mine(be.a)); n != 0 {
		t.Fatalf("refused requests wrote %d bookings", n)
	}

	// Once the member declares digital inclusion, the window is theirs.
	rec, _ = be.post(&be.a, "/compte/public", url.Values{"audience": {booking.AudienceEInclusion}})
	wantFlashRedirect(t, rec, "/compte", "bookpage.audience.saved")
	_, body = be.get(&be.a, "/compte")
	wantBody(t, body, `value="e_inclusion" checked`)
	rec, _ = be.post(&be.a, be.path(), memberSlotForm(be.room, march(3, 14, 30), march(3, 15, 30), key))
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")
	rec, body = be.post(&be.a, "/compte/public", url.Values{"audience": {"tout-le-monde"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-audience-error"`) {
		t.Errorf("unknown audience: status %d, want 422 with the message next to the choice", rec.Code)
	}
}

func TestBookingPage_FullSlotOffersTheWaitlistThenTheFreedSeat(t *testing.T) {
	be := newMemberEnv(t)
	morning := func(u accounts.User, seats, key string, waitlist bool) (*httptest.ResponseRecorder, string) {
		f := memberSlotForm(be.desk, march(3, 8, 30), march(3, 12, 30), key)
		f.Set("places", seats)
		if waitlist {
			f.Set("attente", "1")
		}
		return be.post(&u, be.path(), f)
	}
	rec, _ := morning(be.b, "2", "b-1", false)
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")
	_, body := be.get(&be.a, be.path()+"?jour=2026-03-03")
	wantBody(t, body, "Matin, 8\u00a0h\u00a030 – 12\u00a0h\u00a030</span> <span class=\"cal-status\">Complet", `name="attente" value="1"`)

	rec, body = morning(be.a, "1", "a-1", false)
	if rec.Code != http.StatusConflict {
		t.Fatalf("status %d, want 409", rec.Code)
	}
	wantBody(t, body, "Ce créneau est complet", "Le grand atelier — mardi 3 mars 2026, 8\u00a0h\u00a030 – 12\u00a0h\u00a030",
		"Rejoindre la liste d’attente", `<input type="hidden" name="attente" value="1">`)
	if n := len(be.mine(be.a)); n != 0 {
		t.Fatalf("a full slot wrote %d bookings", n)
	}
	rec, _ = morning(be.a, "1", memberKeyOf(t, body), true)
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.waiting")
	list := be.mine(be.a)
	if len(list) != 1 || list[0].Status != booking.Waiting {
		t.Fatalf("after joining the waitlist: %+v, want one waiting", list)
	}
	_, body = be.get(&be.a, "/reservations")
	wantBody(t, body, "Sur liste d’attente", "Quitter la liste d’attente")

	// B cancels: the seat is offered to A, who takes it before the deadline.
	rec, _ = be.post(&be.b, "/reservations/"+be.mine(be.b)[0].PublicID+"/annulation", url.Values{})
	wantFlashRedirect(t, rec, "/reservations", "bookpage.cancelled")
	_, body = be.get(&be.a, "/reservations")
	wantBody(t, body, "Place proposée — à accepter", "acceptez-la avant le lundi 2 mars 2026 à 11\u00a0h", "Accepter la place")
	rec, _ = be.post(&be.a, "/reservations/"+list[0].PublicID+"/acceptation", url.Values{})
	wantFlashRedirect(t, rec, "/reservations", "bookpage.accepted")
	if b := be.mine(be.a)[0]; b.Status != booking.Confirmed {
		t.Errorf("after accepting: %s, want confirmed", b.Status)
	}
}

func TestMyBookings_MoveThenCancel(t *testing.T) {
	be := newMemberEnv(t)
	rec, _ := be.post(&be.a, be.path(), memberSlotForm(be.desk, march(3, 8, 30), march(3, 12, 30), "k"))
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")
	id := be.mine(be.a)[0].PublicID
	move := "/reservations/" + id + "/deplacer"

	rec, body := be.get(&be.a, move)
	if rec.Code != http.StatusOK {
		t.Fatalf("move page: status %d", rec.Code)
	}
	wantBody(t, body, "Déplacer une réservation", "Matin, 8\u00a0h\u00a030 – 12\u00a0h\u00a030</span> <span class=\"cal-status\">Votre réservation actuelle",
		`value="`+slotValue(march(3, 13, 30), march(3, 18, 0))+`"`, `action="`+move+`"`)

	// Saturday: closed, refused next to the choice.
	rec, body = be.post(&be.a, move, url.Values{"creneau": {slotValue(march(7, 8, 30), march(7, 12, 30))}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("move to a closed day: status %d, want 422", rec.Code)
	}
	wantBody(t, body, "Le lieu est fermé le samedi 7 mars. Choisissez un autre jour.", `id="f-creneau-`+be.desk.PublicID+`-error"`)

	rec, _ = be.post(&be.a, move, url.Values{"creneau": {slotValue(march(3, 13, 30), march(3, 18, 0))}})
	wantFlashRedirect(t, rec, "/reservations", "bookpage.moved")
	if b := be.mine(be.a)[0]; !b.Start.Equal(march(3, 13, 30)) || !b.End.Equal(march(3, 18, 0)) {
		t.Errorf("moved to %v–%v, want the afternoon", b.Start, b.End)
	}

	// The list's link asks to confirm first; the page's form cancels.
	_, body = be.get(&be.a, "/reservations")
	wantBody(t, body, `<a class="link-button danger cancel-link" href="/reservations/`+id+`/annulation">`)
	rec, body = be.get(&be.a, "/reservations/"+id+"/annulation")
	if rec.Code != http.StatusOK {
		t.Fatalf("confirmation page: %d", rec.Code)
	}
	wantBody(t, body, "Annuler la réservation\u00a0?", "mardi 3 mars 2026", `<form method="post" action="/reservations/`+id+`/annulation"`, "Non, garder")
	rec, _ = be.post(&be.a, "/reservations/"+id+"/annulation", url.Values{})
	wantFlashRedirect(t, rec, "/reservations", "bookpage.cancelled")
	// Cancelled, it has nothing left to confirm.
	rec, _ = be.get(&be.a, "/reservations/"+id+"/annulation")
	wantFlashRedirect(t, rec, "/reservations", "bookpage.not_cancellable")
	if b := be.mine(be.a)[0]; b.Status != booking.Cancelled {
		t.Errorf("after cancelling: %s", b.Status)
	}
	_, body = be.get(&be.a, "/reservations")
	wantBody(t, body, "Annulées ou refusées", "Annulée", "Aucune réservation à venir.")
	// A cancelled booking no longer moves.
	rec, _ = be.get(&be.a, move)
	wantFlashRedirect(t, rec, "/reservations", "bookpage.not_movable")
}

func TestMyBookings_PastBookingsAreListedApartWithoutActions(t *testing.T) {
	be := newMemberEnv(t)
	rec, _ := be.post(&be.a, be.path(), memberSlotForm(be.desk, march(3, 8, 30), march(3, 12, 30), "k"))
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")
	id := be.mine(be.a)[0].PublicID
	_, body := be.get(&be.a, "/reservations")
	wantBody(t, body, "Pas encore de réservation passée.")

	be.db.Clock.(*coop.FixedClock).Advance(48 * time.Hour) // Wednesday: Tuesday's morning is over
	_, body = be.get(&be.a, "/reservations")
	at := strings.Index(body, `id="s-past"`)
	if at < 0 {
		t.Fatal("no section of past bookings")
	}
	upcoming, past := body[:at], body[at:]
	wantBody(t, upcoming, "Aucune réservation à venir.")
	if strings.Contains(upcoming, `id="r-`+id+`"`) {
		t.Error("the ended booking is still listed as upcoming")
	}
	wantBody(t, past, `id="r-`+id+`"`, "mardi 3 mars 2026", "8\u00a0h\u00a030 – 12\u00a0h\u00a030", "Le grand atelier")
	for _, action := range []string{"/reservations/" + id + "/annulation", "/reservations/" + id + "/deplacer"} {
		if strings.Contains(body, action) {
			t.Errorf("a past booking offers %s", action)
		}
	}
}

// A day that no slot of a space can be booked says why once, above its
// slots, and offers no booking form.
func TestBookingPage_ADayRefusedWholeSaysWhyOnceWithoutAForm(t *testing.T) {
	be := newMemberEnv(t)
	coord := be.user("coord2@example.fr", accounts.Coordinator)
	ctx := t.Context()
	if err := be.srv.Booking.SaveRules(ctx, coord, be.slug, "", booking.RuleInput{MaxActive: "1"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := be.srv.Booking.Block(ctx, coord, be.slug, booking.BlockedInput{Day: "2026-03-05", Reason: "inventaire"}); err != nil {
		t.Fatal(err)
	}
	rec, _ := be.post(&be.a, be.path(), memberSlotForm(be.desk, march(3, 8, 30), march(3, 12, 30), "k"))
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")
	for day, want := range map[string]string{
		"2026-03-04": "Vous avez déjà 1 réservation à venir dans ce lieu, le maximum.",
		"2026-03-05": "Le lieu ne prend pas de réservation le jeudi 5 mars (inventaire).",
	} {
		_, body := be.get(&be.a, be.path()+"?jour="+day)
		if n := strings.Count(body, want); n != 2 { // once for each space
			t.Errorf("%s: the reason is said %d times, want once for each of the 2 spaces", day, n)
		}
		wantBody(t, body, `<p class="cal-note">`)
		if strings.Contains(body, `class="cal-book"`) {
			t.Errorf("%s: a booking form is offered on a day nothing can be booked", day)
		}
	}
}

// "Mes réservations" says until when a booking may change; past that
// time, it offers no change the place would refuse.
func TestMyBookings_SayTheDeadlineForChangesThenOfferNone(t *testing.T) {
	be := newMemberEnv(t)
	coord := be.user("coord2@example.fr", accounts.Coordinator)
	if err := be.srv.Booking.SaveRules(t.Context(), coord, be.slug, "", booking.RuleInput{CancelMinutes: "120"}, ""); err != nil {
		t.Fatal(err)
	}
	rec, _ := be.post(&be.a, be.path(), memberSlotForm(be.desk, march(3, 8, 30), march(3, 12, 30), "k"))
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")
	id := be.mine(be.a)[0].PublicID
	_, body := be.get(&be.a, "/reservations")
	wantBody(t, body, "Vous pouvez l’annuler ou la déplacer jusqu’au mardi 3 mars 2026 à 6\u00a0h\u00a030.",
		"/reservations/"+id+"/annulation", "/reservations/"+id+"/deplacer")

	be.db.Clock.(*coop.FixedClock).Advance(22 * time.Hour) // Tuesday, 7 h in Paris
	_, body = be.get(&be.a, "/reservations")
	wantBody(t, body, "Le délai pour l’annuler ou la déplacer est passé\u00a0: pour tout changement, contactez l’accueil du lieu.")
	for _, action := range []string{"/reservations/" + id + "/annulation", "/reservations/" + id + "/deplacer"} {
		if strings.Contains(body, action) {
			t.Errorf("past the deadline, the booking offers %s", action)
		}
	}
}

func TestBookingPage_DoubleSubmitBooksOnce(t *testing.T) {
	be := newMemberEnv(t)
	_, body := be.get(&be.a, be.path()+"?jour=2026-03-03")
	form := memberSlotForm(be.room, march(3, 10, 30), march(3, 11, 30), memberKeyOf(t, body))
	for range 2 {
		rec, _ := be.post(&be.a, be.path(), form)
		wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")
	}
	if n := len(be.mine(be.a)); n != 1 {
		t.Fatalf("two submits of one form made %d bookings, want 1", n)
	}
	// The same form sent for another slot (a page kept open) is refused.
	rec, body := be.post(&be.a, be.path(), memberSlotForm(be.room, march(3, 11, 30), march(3, 12, 30), form.Get("cle")))
	if rec.Code != http.StatusConflict || !strings.Contains(body, "Ce formulaire a déjà servi pour une autre réservation.") {
		t.Errorf("reused key: status %d, want 409 with its message", rec.Code)
	}
	if n := len(be.mine(be.a)); n != 1 {
		t.Errorf("%d bookings, want 1", n)
	}
}

func TestMyBookings_AnotherMembersBookingIsNotFound(t *testing.T) {
	be := newMemberEnv(t)
	rec, _ := be.post(&be.a, be.path(), memberSlotForm(be.desk, march(3, 8, 30), march(3, 12, 30), "k"))
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")
	before := be.mine(be.a)[0]
	base := "/reservations/" + before.PublicID
	afternoon := url.Values{"creneau": {slotValue(march(3, 13, 30), march(3, 18, 0))}}
	for _, tc := range []struct {
		method, path string
		form         url.Values
	}{{"GET", base + "/deplacer", nil}, {"POST", base + "/deplacer", afternoon}, {"POST", base + "/annulation", url.Values{}},
		{"POST", base + "/acceptation", url.Values{}}, {"GET", "/reservations/inconnue/deplacer", nil}} {
		if rec := be.do(request{method: tc.method, path: tc.path, form: tc.form, cookie: be.session(be.b)}); rec.Code != http.StatusNotFound {
			t.Errorf("%s %s as member B: status %d, want 404", tc.method, tc.path, rec.Code)
		}
	}
	if after := be.mine(be.a)[0]; after.Status != booking.Confirmed || !after.Start.Equal(before.Start) || after.Sequence != before.Sequence {
		t.Errorf("member B changed member A's booking: %+v", after)
	}
	_, body := be.get(&be.b, "/reservations")
	if strings.Contains(body, before.PublicID) {
		t.Error("member B's list shows member A's booking")
	}
}

func TestBookingPage_AnonymousSeesTheCalendarAndIsSentToSignIn(t *testing.T) {
	be := newMemberEnv(t)
	rec, body := be.get(nil, be.path()+"?jour=2026-03-03")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	wantBody(t, body, "Connectez-vous pour réserver.", `href="/connexion?retour=%2Flieux%2F`+be.slug+`%2Freserver%3Fjour%3D2026-03-03"`,
		"Libre — 2 places sur 2", "Réservé à l’inclusion numérique")
	if strings.Contains(body, `name="creneau"`) {
		t.Error("an anonymous visitor is offered the booking form")
	}
	// In English, wholly.
	rec = be.do(request{method: "GET", path: be.path() + "?jour=2026-03-03", header: map[string]string{"Accept-Language": "en"}})
	wantBody(t, html.UnescapeString(rec.Body.String()), "Book at La Filature", "Tuesday 3 March 2026", "Sign in to book.",
		"Morning, 8:30 – 12:30", "Free — 2 seats of 2", "Kept for digital inclusion",
		"Tuesday, from 14:00 to 17:00: kept for the digital inclusion public")
	rec, _ = be.post(nil, be.path(), memberSlotForm(be.desk, march(3, 8, 30), march(3, 12, 30), "k"))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/connexion") {
		t.Errorf("anonymous post: %d to %q, want 303 to /connexion", rec.Code, rec.Header().Get("Location"))
	}
	list, err := be.srv.Booking.ListForSpace(t.Context(), be.desk.ID, march(1, 0, 0), march(31, 0, 0))
	if err != nil || len(list) != 0 {
		t.Errorf("anonymous post wrote %d bookings (%v)", len(list), err)
	}
}

func TestBookingPage_WeekViewAndDayPicker(t *testing.T) {
	be := newMemberEnv(t)
	rec, body := be.get(&be.a, be.path()+"?jour=2026-03-04&vue=semaine&espace="+be.desk.PublicID)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	wantBody(t, body, "Semaine du lundi 2 mars 2026", "Le grand atelier — Semaine du lundi 2 mars 2026",
		">lundi 2</a>", ">dimanche 8</a>", "Passé", // Monday morning has begun at 9 h
		"espace="+be.desk.PublicID+"&jour=2026-03-03&creneau="+url.QueryEscape(slotValue(march(3, 8, 30), march(3, 12, 30))),
		"jour=2026-02-23&vue=semaine", "jour=2026-03-09&vue=semaine")
	if strings.Contains(body, "Salle du conseil</h3>") {
		t.Error("the week of one space shows another")
	}
	if n := strings.Count(body, `<th scope="row">`); n != 7 {
		t.Errorf("%d days in the week, want 7", n)
	}
	// The place's week: every space, each with its own table, and the
	// room's Tuesday afternoon kept for the workshops, said in words.
	_, body = be.get(&be.a, be.path()+"?jour=2026-03-04&vue=semaine")
	wantBody(t, body, "<caption>Le grand atelier — Semaine du lundi 2 mars 2026</caption>", "<caption>Salle du conseil — Semaine du lundi 2 mars 2026</caption>",
		`<li class="cal-slot is-window"><span class="cal-time">`+"14\u00a0h\u00a030 – 15\u00a0h\u00a030"+`</span> <span class="cal-status">Réservé à l’inclusion numérique</span></li>`)
	if n := strings.Count(body, `<th scope="row">`); n != 14 {
		t.Errorf("%d rows in the place's week, want 7 days for each of the 2 spaces", n)
	}
	// The link chooses the slot in the day view.
	_, body = be.get(&be.a, be.path()+"?jour=2026-03-03&espace="+be.desk.PublicID+"&creneau="+url.QueryEscape(slotValue(march(3, 8, 30), march(3, 12, 30))))
	wantBody(t, body, `value="`+slotValue(march(3, 8, 30), march(3, 12, 30))+`" checked`)
	// A wrong day is said next to the date field.
	rec, body = be.get(&be.a, be.path()+"?jour=2026-13-40")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-jour-error"`) {
		t.Errorf("wrong day: status %d, want 422 with the message next to the field", rec.Code)
	}
}

// The domain refuses each one-hour slot of a room whose bookings last two
// hours at least; the page still offers them, with two hours to start.
func TestBookingPage_RoomWithAMinimumDurationOffersItsSlots(t *testing.T) {
	be := newMemberEnv(t)
	coord, err := be.acc.UserByEmail(t.Context(), "coord@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	if err := be.srv.Booking.SaveRules(t.Context(), coord, be.slug, be.room.PublicID, booking.RuleInput{MinMinutes: "120"}, string(booking.Hour)); err != nil {
		t.Fatal(err)
	}
	_, body := be.get(&be.a, be.path()+"?jour=2026-03-03&espace="+be.room.PublicID)
	wantBody(t, body, `value="`+slotValue(march(3, 9, 30), march(3, 10, 30))+`"`, `<option value="120" selected>2`+"\u00a0h</option>")
	if strings.Contains(body, `<option value="60"`) {
		t.Error("the page offers one hour, under the minimum")
	}
	form := memberSlotForm(be.room, march(3, 9, 30), march(3, 10, 30), memberKeyOf(t, body))
	form.Set("duree", "120")
	rec, _ := be.post(&be.a, be.path(), form)
	wantFlashRedirect(t, rec, "/reservations", "bookpage.booked.confirmed")
}
